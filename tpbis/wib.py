"""Riau's clock: Western Indonesian Time (WIB, Asia/Jakarta, UTC+7), in which every day,
month and quarter of the project is counted.

A librarian's "today", a sync run's name, `--as-of 2023-01-15` (the end of that day in
Riau), the deployments' schedules and the times printed for people all use this zone, so
it is named once, here. (The quarter itself, `Quarter`, lives with the extract in
tpbis/extract/write.py.)
"""
from __future__ import annotations

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
