"""What the sync records besides the villages' rows: reference tables, runs, sheet state, meta.

Reference tables in `core` (the registry, regions, strategies) are truth as of now, replaced
whole on every run; `core.runs` holds one row per run; `core.sheet_state` what each sheet was
at its last successful sync; `core.meta` small key/value facts (last full sweep, hash engine).
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from tpbis.warehouse.disk import disk_full_is_cannot_run


# --- reference data -----------------------------------------------------------------------

def default_strategies() -> tuple[str, ...]:
    """The TPBIS strategies of the shipped config/categories.csv, in their order."""
    from tpbis.settings import CONFIG_DIR
    from transforms.reference import load_reference
    return load_reference(CONFIG_DIR).category_values["strategi"]


def load_strategies(con, strategies) -> None:
    """core.strategies := `strategies` (names, in display order), replaced whole."""
    con.execute("delete from core.strategies")
    con.executemany("insert into core.strategies (strategy, strategy_order) values (?, ?)",
                    [[name, order] for order, name in enumerate(strategies, start=1)])


@disk_full_is_cannot_run
def load_reference_tables(con, villages: pd.DataFrame, regions: pd.DataFrame, strategies=None) -> None:
    """The registry, regions and strategies are truth as of now: replaced whole on every run.

    `strategies`: the `strategi` values of config/categories.csv in order (default: the shipped ones).
    """
    con.execute("begin transaction")
    con.register("stage_registry", villages)
    con.execute("delete from core.villages")
    con.execute("""insert into core.villages by name
        select kode_desa, desa, kecamatan, kabupaten, provinsi, kelompok as cohort,
               try_cast(nullif(tahun_kelompok, '') as integer) as cohort_year, spreadsheet_key
        from stage_registry""")
    con.unregister("stage_registry")
    con.register("stage_regions", regions)
    con.execute("delete from core.regions")
    con.execute("insert into core.regions by name select kode, level, nama, nullif(parent, '') as parent from stage_regions")
    con.unregister("stage_regions")
    load_strategies(con, default_strategies() if strategies is None else strategies)
    con.execute("commit")


def sheet_state(con) -> dict[str, tuple[str | None, str | None]]:
    """spreadsheet_key -> (modified_time, content_hash) of its last successful sync."""
    rows = con.execute("select spreadsheet_key, modified_time, content_hash from core.sheet_state").fetchall()
    return {k: (m, h) for k, m, h in rows}


def get_meta(con, key: str) -> str | None:
    row = con.execute("select value from core.meta where key = ?", [key]).fetchone()
    return row[0] if row else None


@disk_full_is_cannot_run
def set_meta(con, key: str, value: str) -> None:
    con.execute("insert or replace into core.meta values (?, ?)", [key, value])


# --- runs ---------------------------------------------------------------------------------

@disk_full_is_cannot_run
def start_run(con, run_id: str, started_at: datetime, full_sweep: bool) -> None:
    """Record a new run; a run still 'running' in the file was killed before it finished."""
    con.execute("update core.runs set status = 'interrupted' where status = 'running'")
    con.execute("insert into core.runs (run_id, started_at, status, full_sweep) values (?, ?, 'running', ?)",
                [run_id, started_at, full_sweep])


@disk_full_is_cannot_run
def finish_run(con, run_id: str, finished_at: datetime, status: str, summary: dict) -> None:
    con.execute("""update core.runs set finished_at = ?, status = ?, villages_synced = ?, villages_skipped = ?,
        villages_failed = ?, rows_loaded = ?, rows_rejected = ?, sheets_reads = ?, http_429 = ?, message = ?
        where run_id = ?""", [finished_at, status, summary["villages_synced"], summary["villages_skipped"],
                             summary["villages_failed"], summary["rows_loaded"], summary["rows_rejected"],
                             summary["sheets_reads"], summary["http_429"], summary.get("message"), run_id])
