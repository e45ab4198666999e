"""Everything that talks to DuckDB: schema, landing, historied loads, publishing.

DuckDB allows one writing process or many readers. Province staff keep a CLI or a BI tool
open on the warehouse, so the sync never writes the file they open: it writes its own
working file (`<warehouse stem>.sync.duckdb`) and, after a run, publishes a copy with an
atomic `os.replace`. A reader holding the old file keeps a consistent old snapshot; new
readers see the new one; nobody ever sees half a load. Inside the working file, each batch of
villages is loaded in one transaction, so a crash (even SIGKILL) leaves it before or after a
batch, and DuckDB's WAL replays only committed work on the next open.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from tpbis.settings import SQL_DIR, Settings
from transforms.columns import PROBLEM_COLUMNS, TAB_COUNT_COLUMNS, TABLE_COLUMNS, LINEAGE

# core table -> columns that identify a row version (everything but fetched_at and history)
HISTORIED: dict[str, list[str]] = {
    **{t: [*cols, *(c for c in LINEAGE if c != "fetched_at")] for t, cols in TABLE_COLUMNS.items()},
    "rejections": list(PROBLEM_COLUMNS),
    "warnings": list(PROBLEM_COLUMNS),
    "tab_counts": ["kode_desa", "spreadsheet_key", *TAB_COUNT_COLUMNS],
}


def sql(name: str) -> str:
    """Text of a file under sql/ (e.g. 'load/raw_land.sql')."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- schema -------------------------------------------------------------------------------

def apply_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply numbered schema files not yet applied (each once, recorded), then the views.

    Safe to run any number of times; returns the schema files applied now.
    """
    con.execute("""create table if not exists main.schema_migrations (
        version integer primary key, name varchar not null, applied_at timestamptz not null default now())""")
    done = {v for (v,) in con.execute("select version from main.schema_migrations").fetchall()}
    applied = []
    for path in sorted((SQL_DIR / "schema").glob("[0-9][0-9][0-9]_*.sql")):
        version = int(path.name[:3])
        if version in done:
            continue
        con.execute("begin transaction")
        con.execute(path.read_text(encoding="utf-8"))
        con.execute("insert into main.schema_migrations (version, name) values (?, ?)", [version, path.name])
        con.execute("commit")
        applied.append(path.name)
    for path in sorted((SQL_DIR / "reports").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    from tpbis.catalog.descriptions import apply_comments
    apply_comments(con)                 # re-creating a view drops its comments
    return applied


# --- files --------------------------------------------------------------------------------

def open_writer(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Open the sync's private working file, creating it from the published one if needed."""
    work, published = settings.working_file, settings.warehouse
    work.parent.mkdir(parents=True, exist_ok=True)
    if not work.exists() and published.exists():
        _atomic_copy(published, work)
    con = duckdb.connect(str(work))
    con.execute("set TimeZone = 'UTC'")
    # Commits go to the WAL (still atomic, replayed after a crash); the table files are
    # rewritten once, at the CHECKPOINT before publishing, not after every chunk.
    con.execute("set checkpoint_threshold = '1GB'")
    apply_schema(con)
    ensure_row_hashes(con)
    return con


def ensure_row_hashes(con) -> None:
    """row_hash uses DuckDB's hash(), which a DuckDB release may change: when the version
    that computed the stored hashes differs from this one, re-hash the current rows (once)."""
    engine = f"hash64/duckdb-{duckdb.__version__}"
    if get_meta(con, "row_hash_engine") == engine:
        return
    con.execute("begin transaction")
    for table, hash_columns in HISTORIED.items():
        run_script(con, _for_table(sql("load/rehash_current.sql"), table, hash_columns))
    set_meta(con, "row_hash_engine", engine)
    con.execute("commit")


def _for_table(text: str, table: str, hash_columns: list[str]) -> str:
    return text.replace("{table}", table).replace("{hash_columns}", ", ".join(_quote_ident(c) for c in hash_columns))


# Storage format of the published file: staff tools lag DuckDB releases (the DuckDB CLI on
# the package index, JDBC/ODBC drivers in DBeaver and Excel), and a file in a newer format
# than a tool knows is refused outright. v1.4.0 is read by DuckDB 1.4 (LTS) and every later
# release; the private working file stays in this library's own format.
PUBLISHED_STORAGE_VERSION = "v1.4.0"


def publish(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """Checkpoint and close the working file, then atomically replace the published file
    with a snapshot of it written in PUBLISHED_STORAGE_VERSION."""
    con.execute("checkpoint")
    con.close()
    _write_snapshot(settings.working_file, settings.warehouse)
    return settings.warehouse


def _write_snapshot(source: Path, target: Path) -> None:
    """Copy every table, view and macro of `source` into a new file in the published storage
    version (a temporary name next to `target`), checkpoint, fsync, rename: the target is
    the old file or the new one, never half of either."""
    tmp = target.with_name(target.name + ".partial")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)          # from a publish killed half-way
    con = duckdb.connect()
    try:
        con.execute(f"attach {_quote_literal(str(source))} as work (read_only)")
        con.execute(f"attach {_quote_literal(str(tmp))} as snapshot "
                    f"(storage_version {_quote_literal(PUBLISHED_STORAGE_VERSION)})")
        con.execute("copy from database work to snapshot")
        con.execute("checkpoint snapshot")
        con.execute("detach snapshot")
        con.execute("detach work")
    finally:
        con.close()
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _atomic_copy(source: Path, target: Path) -> None:
    """Copy to a temporary name, fsync, rename: the target is the old file or the new one."""
    tmp = target.with_name(target.name + ".partial")
    shutil.copyfile(source, tmp)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)


def open_reader(path: Path, as_of: datetime | None = None) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published warehouse, optionally at a past point in time."""
    if not Path(path).exists():
        raise FileNotFoundError(f"No warehouse at {path}: run `tpbis sync` first.")
    con = duckdb.connect(str(path), read_only=True)
    if as_of is not None:
        con.execute("set variable as_of = ?::timestamptz", [as_of])
    return con


# --- reference data -----------------------------------------------------------------------

def load_reference_tables(con, villages: pd.DataFrame, regions: pd.DataFrame) -> None:
    """The registry and regions are truth as of now: replaced whole on every run."""
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
    con.execute("commit")


def sheet_state(con) -> dict[str, tuple[str | None, str | None]]:
    """spreadsheet_key -> (modified_time, content_hash) of its last successful sync."""
    rows = con.execute("select spreadsheet_key, modified_time, content_hash from core.sheet_state").fetchall()
    return {k: (m, h) for k, m, h in rows}


def get_meta(con, key: str) -> str | None:
    row = con.execute("select value from core.meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(con, key: str, value: str) -> None:
    con.execute("insert or replace into core.meta values (?, ?)", [key, value])


# --- runs ---------------------------------------------------------------------------------

def start_run(con, run_id: str, started_at: datetime, full_sweep: bool) -> None:
    """Record a new run; a run still 'running' in the file was killed before it finished."""
    con.execute("update core.runs set status = 'interrupted' where status = 'running'")
    con.execute("insert into core.runs (run_id, started_at, status, full_sweep) values (?, ?, 'running', ?)",
                [run_id, started_at, full_sweep])


def finish_run(con, run_id: str, finished_at: datetime, status: str, summary: dict) -> None:
    con.execute("""update core.runs set finished_at = ?, status = ?, villages_synced = ?, villages_skipped = ?,
        villages_failed = ?, rows_loaded = ?, rows_rejected = ?, sheets_reads = ?, http_429 = ?, message = ?
        where run_id = ?""", [finished_at, status, summary["villages_synced"], summary["villages_skipped"],
                             summary["villages_failed"], summary["rows_loaded"], summary["rows_rejected"],
                             summary["sheets_reads"], summary["http_429"], summary.get("message"), run_id])


# --- loads --------------------------------------------------------------------------------

@dataclass
class Batch:
    """Everything one transaction writes: fetches to land, villages to replace, outcomes."""

    run_id: str
    now: datetime                       # the run's start: valid_from of new versions
    fetches: pd.DataFrame               # raw landing rows (payload may be None when already stored)
    villages: list[str]                 # kode_desa whose current rows are replaced
    tables: dict[str, pd.DataFrame]     # core table -> rows of all those villages
    state: pd.DataFrame                 # spreadsheet_key, kode_desa, modified_time, content_hash
    village_runs: pd.DataFrame          # outcome per village


def load_batch(con, batch: Batch, *, in_transaction: bool = False) -> None:
    """Land, replace and record a batch of villages in ONE transaction: all of it or none.

    With `in_transaction`, the caller owns the transaction (replay rebuilds everything in one).
    """
    params = {"now": batch.now, "run_id": batch.run_id}
    if not in_transaction:
        con.execute("begin transaction")
    try:
        if len(batch.fetches):
            con.register("stage_fetches", batch.fetches)
            run_script(con, sql("load/raw_land.sql"), params)
        if batch.villages:
            con.register("stage_villages", pd.DataFrame({"kode_desa": pd.Series(batch.villages, dtype="string")}))
            replace = sql("load/replace_current.sql")
            for table, hash_columns in HISTORIED.items():
                con.register("stage_rows", _arrow(batch.tables[table]))
                run_script(con, _for_table(replace, table, hash_columns), params)
                con.unregister("stage_rows")
        if len(batch.state):
            con.register("stage_state", batch.state)
            run_script(con, sql("load/sheet_state_upsert.sql"), params)
        if len(batch.village_runs):
            con.register("stage_village_runs", batch.village_runs)
            con.execute("insert into core.village_runs by name select * from stage_village_runs")
        if not in_transaction:
            con.execute("commit")
    except BaseException:
        if not in_transaction:
            con.execute("rollback")
        raise
    finally:
        for name in ("stage_fetches", "stage_villages", "stage_state", "stage_village_runs"):
            try:
                con.unregister(name)
            except Exception:
                pass


def _arrow(df: pd.DataFrame) -> pa.Table:
    """Stage through Arrow: DuckDB scans it about twice as fast as a pandas frame."""
    return pa.Table.from_pandas(df, preserve_index=False)


def _statements(text: str) -> list[str]:
    """Split a .sql file into statements on ';' at line ends, without comment lines."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [p.strip() for p in code.split(";\n") if p.strip().rstrip(";")]


def run_script(con, text: str, params: dict | None = None) -> None:
    """Run each statement of a .sql text, binding only the $parameters it uses."""
    for statement in _statements(text):
        con.execute(statement, {k: v for k, v in (params or {}).items() if f"${k}" in statement})
