"""`--as-of DAY` on the command line: read it, and refuse a day nothing was known on.

`--as-of 2023-01-15` means: as known at the end of that day in Riau (WIB). A day in another
format, or before the warehouse's first sync, is a usage error (exit 2, one line) rather
than Python's "Invalid isoformat string" or an extract full of zeros.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from tpbis.errors import UsageError
from tpbis.wib import JAKARTA, end_of_day


class BadAsOf(UsageError, ValueError):
    """--as-of in a wrong format or before the first sync (a ValueError for older callers)."""


def as_of_timestamp(day: str | None) -> datetime | None:
    """'2023-01-15' -> the last microsecond of that day in WIB; None stays None."""
    if not day:
        return None
    try:
        d = date.fromisoformat(day.strip())
    except ValueError:
        raise BadAsOf(f"--as-of must be a day written YYYY-MM-DD (e.g. 2023-01-15), not {day!r}") from None
    return end_of_day(d)


def check_known(con, as_of: datetime | None, warehouse: Path) -> None:
    """Refuse an --as-of before the first sync of this warehouse (nothing was known then)."""
    if as_of is None:
        return
    # the first sync; a warehouse loaded without run records: its oldest loaded row
    # fetchall, not fetchone: a partly fetched result blocks the connection (DuckDB 2.0)
    first = con.execute("""select coalesce((select min(started_at) from core.runs),
                                           (select min(valid_from) from core.visits),
                                           (select min(valid_from) from core.activities))""").fetchall()[0][0]
    if first is None:
        raise BadAsOf(f"--as-of: {Path(warehouse).resolve()} has no sync yet; run `tpbis sync` first")
    if as_of < first:
        raise BadAsOf(f"--as-of {as_of.astimezone(JAKARTA):%Y-%m-%d} is before the first sync of "
                      f"{Path(warehouse).resolve()} ({first.astimezone(JAKARTA):%Y-%m-%d} WIB): nothing was known then")


def check_quarter_ended(quarter, today: date, provisional: bool) -> None:
    """A quarter that has not ended (or lies in the future) is only written with --provisional."""
    if provisional or quarter.ended_by(today):
        return
    when = "has not started" if quarter.first_day > today else "has not ended"
    raise UsageError(f"Quarter {quarter} {when} (today is {today:%Y-%m-%d} WIB): its figures would "
                     f"still change; add --provisional to write it labelled SEMENTARA")
