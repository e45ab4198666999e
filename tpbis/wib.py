"""Riau's clock: Western Indonesian Time (WIB, Asia/Jakarta, UTC+7), in which every day,
month and quarter of the project is counted.

A librarian's "today", a sync run's name, `--as-of 2023-01-15` (the end of that day in
Riau), the deployments' schedules and the times printed for people all use this zone, so
it is named once, here, with the quarters the reports count in (`Quarter`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TIME_ZONE = "Asia/Jakarta"
JAKARTA = ZoneInfo(TIME_ZONE)


def now() -> datetime:
    """The current time in WIB."""
    return datetime.now(JAKARTA)


def today() -> date:
    """Today's date in Riau."""
    return now().date()


def in_wib(ts: datetime) -> datetime:
    """A timezone-aware time shown in WIB."""
    return ts.astimezone(JAKARTA)


def end_of_day(day: date) -> datetime:
    """The last microsecond of `day` in WIB."""
    return datetime.combine(day + timedelta(days=1), time(0), JAKARTA) - timedelta(microseconds=1)


QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
MONTHS = ("Januari Februari Maret April Mei Juni Juli Agustus September Oktober November "
          "Desember").split()


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """'2022Q4' (also '2022-Q4', '2022q4')."""
        m = QUARTER_RE.match(text or "")
        if not m:
            raise ValueError(f"Quarter must look like 2022Q4, got {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    def ended_by(self, day: date) -> bool:
        """True when the quarter's last day is before `day` (a date in Riau)."""
        return self.last_day < day

    @classmethod
    def last_full_before(cls, day: date) -> "Quarter":
        """The last quarter that ended before `day` (the default of the scheduled flow)."""
        number = (day.month - 1) // 3          # quarters completed this year
        return cls(day.year - 1, 4) if number == 0 else cls(day.year, number)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.number * 3 - 2, 1)

    @property
    def last_day(self) -> date:
        following = date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, self.number * 3 + 1, 1)
        return following - timedelta(days=1)

    @property
    def title(self) -> str:
        """'Triwulan IV 2022 (Oktober–Desember 2022)'."""
        first, last = MONTHS[self.number * 3 - 3], MONTHS[self.number * 3 - 1]
        return f"Triwulan {ROMAN[self.number]} {self.year} ({first}–{last} {self.year})"
