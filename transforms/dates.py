"""Reading days and months as Indonesian librarians write them, day first, always.

A cell is either a spreadsheet serial (a number: days since 1899-12-30, possibly with a time
fraction, which is what Sheets returns for a typed date) or text such as `13/10/2022`,
`13 Okt 2022`, `Okt-22`, `10/2022`. Text that is only digits is NOT read as a serial: a
librarian who typed `44847` did not mean a date.

Dates are returned as `datetime.date`; months as the first day of the month.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

SERIAL_EPOCH = date(1899, 12, 30)

# Indonesian (with old spellings) and English names and the abbreviations seen in sheets.
MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "januari jan january",
        "februari pebruari feb peb febr pebr february",
        "maret mar mrt march",
        "april apr",
        "mei may",
        "juni jun june",
        "juli jul july",
        "agustus agu agt ags agst agus aug august",
        "september sep sept",
        "oktober okt oct october",
        "november nopember nov nop",
        "desember des dec december",
    ],
    start=1,
):
    for _name in _names.split():
        MONTH_NAMES[_name] = _number

_WEEKDAY = re.compile(
    r"^(senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b[,\s]*"
)
_TIME = re.compile(r"[\s,]+(pukul\s*)?\d{1,2}[:.]\d{2}([:.]\d{2})?(\s*(wib|wita|wit))?$")
_YEAR = r"(\d{4}|\d{2})"
_NAME = r"([a-z]+)\.?"
_DATE_PATTERNS = [
    (re.compile(rf"^(\d{{1,2}})\s*[/\-.]\s*(\d{{1,2}})\s*[/\-.]\s*{_YEAR}$"), "dmy"),
    (re.compile(r"^(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})$"), "ymd"),
    (re.compile(rf"^(\d{{1,2}})[\s\-./]*{_NAME}[\s\-./,']*{_YEAR}$"), "dNy"),
    (re.compile(r"^([a-z]+)\.?\s*(\d{1,2}),?\s+(\d{4})$"), "Ndy"),
    # a span of days in one month (`13-14 Oktober 2022`, `13 s/d 15 Okt 2022`): its first day
    (re.compile(rf"^(\d{{1,2}})\s*(?:-|\u2013|s/d|s\.d\.?|sd|sampai|hingga)\s*\d{{1,2}}\s+{_NAME}\s+{_YEAR}$"), "dNy"),
]
_MONTH_PATTERNS = [
    (re.compile(rf"^{_NAME}[\s\-./,']*{_YEAR}$"), "Ny"),
    (re.compile(r"^(\d{4})[\s\-./]*([a-z]+)\.?$"), "yN"),
    (re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{4})$"), "my"),
    (re.compile(r"^(\d{4})\s*[/\-.]\s*(\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{1,2})\s*[/\-]\s*(\d{2})$"), "my"),
]


def serial_to_date(serial: float) -> date | None:
    """Calendar day of a spreadsheet serial (the time of day is dropped)."""
    if not 1 <= serial < 2958466:          # 1899-12-31 .. 9999-12-31
        return None
    return SERIAL_EPOCH + timedelta(days=int(serial))


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _make(year: int, month: int | None, day: int) -> date | None:
    if month is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _normalise(text: str) -> str:
    text = " ".join(text.replace("\xa0", " ").casefold().split())
    text = _WEEKDAY.sub("", text)
    return _TIME.sub("", text).strip()


def _date_from_text(text: str) -> date | None:
    for pattern, order in _DATE_PATTERNS:
        found = pattern.match(text)
        if not found:
            continue
        a, b, c = found.groups()
        if order == "dmy":
            return _make(_year(c), int(b), int(a))
        if order == "ymd":
            return _make(int(a), int(b), int(c))
        if order == "dNy":
            return _make(_year(c), MONTH_NAMES.get(b), int(a))
        return _make(int(c), MONTH_NAMES.get(a), int(b))
    return None


def parse_date(value) -> date | None:
    """A day from a serial number or day-first text; None when it cannot be read."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return serial_to_date(value)
    return _date_from_text(_normalise(str(value)))


def parse_month(value) -> date | None:
    """The first day of the month a cell names; None when it cannot be read.

    Accepts month-and-year text (`Oktober 2022`, `Okt-22`, `10/2022`, `2022-10`), a full
    date (its month is taken) and serials. A month without a year is unreadable: guessing
    the year would put the visits in the wrong quarter.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        day = serial_to_date(value)
        return day.replace(day=1) if day else None
    text = _normalise(str(value))
    for pattern, order in _MONTH_PATTERNS:
        found = pattern.match(text)
        if not found:
            continue
        a, b = found.groups()
        if order == "Ny":
            return _make(_year(b), MONTH_NAMES.get(a), 1)
        if order == "yN":
            return _make(int(a), MONTH_NAMES.get(b), 1)
        if order == "my":
            return _make(_year(b), int(a), 1)
        return _make(int(a), int(b), 1)
    day = _date_from_text(text)
    return day.replace(day=1) if day else None
