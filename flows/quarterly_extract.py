"""The quarterly extract (laporan triwulan) as a Prefect flow, for a schedule or a button.

Read the body top to bottom: which quarter and which warehouse, then the extract itself.
The work is one task, not one per kabupaten: the queries run once for all of Riau and the
files take seconds (see tpbis.extract), so splitting would only add Prefect overhead.
`tpbis extract` calls the same library function directly, without starting Prefect.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from tpbis.extract import artifact as extract_artifact
from tpbis.extract.write import write_extract
from tpbis.wib import Quarter
from tpbis import wib
from tpbis.settings import Settings

DEFAULT_OUT = Path("data/extracts")


def as_of_end_of_day(day: str | None) -> datetime | None:
    """'2023-01-15' -> the end of that day in Riau (WIB), as `tpbis extract --as-of` reads it."""
    from tpbis.warehouse.asof import as_of_timestamp
    return as_of_timestamp(day)


@task(cache_policy=NONE)
def write_quarter(warehouse: Path, quarter: Quarter, out: Path, as_of: datetime | None,
                  kabupaten: str | None, provisional: bool = False) -> list[str]:
    return [str(p) for p in write_extract(warehouse, quarter, out, as_of=as_of, kabupaten=kabupaten,
                                          provisional=provisional)]


def _run_name() -> str:
    """`extract-2026Q3` (`extract-latest` when the quarter is left to the schedule's default)."""
    from prefect.runtime import flow_run
    return f"extract-{(flow_run.parameters or {}).get('quarter') or 'latest'}"


@flow(name="quarterly-extract", log_prints=False, flow_run_name=_run_name, timeout_seconds=3600)
def quarterly_extract(quarter: str | None = None, as_of: str | None = None, kabupaten: str | None = None,
                      out: str | None = None, warehouse_path: str | None = None,
                      provisional: bool = False) -> list[str]:
    """Write the laporan triwulan files and publish an artifact listing them per scope.

    Args:
        quarter: Quarter to report, e.g. 2026Q3; empty = the last full quarter before today (WIB).
        as_of: Regenerate what was known at the end of this day (YYYY-MM-DD, WIB); empty = now.
        kabupaten: Only this kabupaten/kota's files (e.g. Bengkalis); empty = province and every kabupaten.
        out: Folder for the files; empty = data/extracts.
        warehouse_path: Published warehouse file; empty = TPBIS_WAREHOUSE (default data/tpbis.duckdb).
        provisional: Allow a quarter that has not ended; every sheet is labelled SEMENTARA.
    """
    from tpbis.warehouse.asof import check_quarter_ended
    settings = Settings.from_env().with_(warehouse=warehouse_path and Path(warehouse_path))
    today = wib.today()
    q = Quarter.parse(quarter) if quarter else Quarter.last_full_before(today)
    check_quarter_ended(q, today, provisional)
    files = write_quarter(settings.warehouse, q, Path(out) if out else DEFAULT_OUT,
                          as_of_end_of_day(as_of), kabupaten, provisional)
    get_run_logger().info("Quarterly extract %s: %d files", q, len(files))
    extract_artifact.publish(str(q), files, get_run_logger())
    return files
