"""The quarterly extract (laporan triwulan) as a Prefect flow, for a schedule or a button.

Read the body top to bottom: which quarter and which warehouse, then the extract itself.
The work is one task, not one per kabupaten: the queries run once for all of Riau and the
files take seconds (see tpbis.extract), so splitting would only add Prefect overhead.
`tpbis extract` calls the same library function directly, without starting Prefect.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from tpbis.extract import Quarter, write_extract
from tpbis.settings import Settings

DEFAULT_OUT = Path("data/extracts")


def as_of_end_of_day(day: str | None) -> datetime | None:
    """'2023-01-15' -> the end of that day in Riau (WIB), as `tpbis extract --as-of` reads it."""
    from tpbis.cli import as_of_timestamp
    return as_of_timestamp(day)


@task(cache_policy=NONE)
def write_quarter(warehouse: Path, quarter: Quarter, out: Path, as_of: datetime | None,
                  kabupaten: str | None) -> list[str]:
    return [str(p) for p in write_extract(warehouse, quarter, out, as_of=as_of, kabupaten=kabupaten)]


@flow(name="quarterly-extract", log_prints=False)
def quarterly_extract(quarter: str | None = None, as_of: str | None = None, kabupaten: str | None = None,
                      out: str | None = None, warehouse: str | None = None) -> list[str]:
    """Write the laporan triwulan files; `quarter` None = the last full quarter before today (WIB)."""
    settings = Settings.from_env().with_(warehouse=warehouse and Path(warehouse))
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    q = Quarter.parse(quarter) if quarter else Quarter.last_full_before(today)
    files = write_quarter(settings.warehouse, q, Path(out) if out else DEFAULT_OUT,
                          as_of_end_of_day(as_of), kabupaten)
    get_run_logger().info("Quarterly extract %s: %d files", q, len(files))
    return files
