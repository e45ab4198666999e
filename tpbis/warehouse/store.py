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

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from tpbis import files
from tpbis.warehouse import workfile
from tpbis.warehouse import summaries
from tpbis.warehouse.params import used_params
from tpbis.errors import CannotRun, UsageError
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


# A reader may run any SELECT, but never touch a file: no COPY TO, EXPORT, read_csv/read_text,
# ATTACH (a new file, or the sync's working file), INSTALL/LOAD; and the configuration is
# locked so that none of this can be switched back on (`SET variable` still works: as_of).
# temp_directory '' keeps even DuckDB's spill directory out of the allowed paths. Applied as
# SET statements in this order (not as connect-time config: DuckDB refuses a second connection
# to a file that one process already has open with another configuration).
READER_LOCKDOWN = [
    "set temp_directory = ''",
    "set enable_external_access = false",
    "set autoinstall_known_extensions = false",
    "set autoload_known_extensions = false",
    "set lock_configuration = true",
]


class NoWarehouse(UsageError, FileNotFoundError):
    """The published warehouse does not exist yet."""


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
    if con.execute("select count(*) from core.strategies").fetchall()[0][0] == 0:
        load_strategies(con, default_strategies())      # a new file: the shipped config/
    for path in report_view_files():
        con.execute(path.read_text(encoding="utf-8"))
    from tpbis.catalog.descriptions import apply_comments
    apply_comments(con)                 # re-creating a view drops its comments
    return applied


def report_view_files() -> list[Path]:
    """sql/reports/*.sql in the order sql/reports/ORDER gives (what a view reads comes first)."""
    lines = (SQL_DIR / "reports" / "ORDER").read_text(encoding="utf-8").splitlines()
    return [SQL_DIR / "reports" / line.strip() for line in lines if line.strip() and not line.startswith("#")]


# --- files --------------------------------------------------------------------------------

def open_writer(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Open the sync's private working file, creating it from the published one if needed.

    Another process holding it (a second sync) is `CannotRun`; a damaged one is moved aside
    and rebuilt from the published file, or `CannotRun` (tpbis/workfile.py).
    """
    work, published = settings.working_file, settings.warehouse
    work.parent.mkdir(parents=True, exist_ok=True)
    if not work.exists() and published.exists():
        _atomic_copy(published, work)
    try:
        return workfile.open_working_file(work)
    except workfile.Damaged as damage:
        return workfile.rebuild(settings, str(damage))


def ensure_row_hashes(con) -> None:
    """row_hash uses DuckDB's hash(), which a DuckDB release may change: when the version
    that computed the stored hashes differs from this one, re-hash the current rows (once).

    Hashes are computed over the values as the core table stores them (`_hash_exprs`), both
    here and when loading; before `hash64-typed` a load hashed the staged values (a month as
    TIMESTAMP, stored as DATE), so any re-hash made identical rows look changed.
    """
    engine = f"hash64-typed/duckdb-{duckdb.__version__}"
    if get_meta(con, "row_hash_engine") == engine:
        return
    con.execute("begin transaction")
    for table, hash_columns in HISTORIED.items():
        run_script(con, _for_table(sql("load/rehash_current.sql"), table, _hash_exprs(con, table, hash_columns)))
    set_meta(con, "row_hash_engine", engine)
    con.execute("commit")


def _hash_exprs(con, table: str, columns: list[str]) -> list[str]:
    """`cast(column as <its type in core.table>)` for each column: what row_hash hashes."""
    types = dict(con.execute("""select column_name, data_type from duckdb_columns()
        where database_name = current_database() and schema_name = 'core' and table_name = ?""", [table]).fetchall())
    return [f"cast({_quote_ident(c)} as {types[c]})" for c in columns]


def _for_table(text: str, table: str, hash_exprs: list[str]) -> str:
    return text.replace("{table}", table).replace("{hash_columns}", ", ".join(hash_exprs))


# Storage format of the published file: staff tools lag DuckDB releases (the DuckDB CLI on
# the package index, JDBC/ODBC drivers in DBeaver and Excel), and a file in a newer format
# than a tool knows is refused outright. v1.4.0 is read by DuckDB 1.4 (LTS) and every later
# release; the private working file stays in this library's own format.
PUBLISHED_STORAGE_VERSION = "v1.4.0"


@workfile.disk_full_is_cannot_run
def publish(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """Checkpoint and close the working file, then atomically replace the published file
    with a snapshot of it written in PUBLISHED_STORAGE_VERSION."""
    summaries.refresh(con)              # summary tables of the report views, as of this snapshot
    con.execute("checkpoint")
    con.close()
    _write_snapshot(settings.working_file, settings.warehouse)
    return settings.warehouse


PARTIAL = ".partial"        # the published file's temporary name: <name>.partial (workfile cleans it up)


def _write_snapshot(source: Path, target: Path) -> None:
    """Copy every table, view and macro of `source` into a new file in the published storage
    version (a temporary name next to `target`), checkpoint, fsync, rename: the target is
    the old file or the new one, never half of either."""
    with files.replacing(target, fsync=True, suffix=PARTIAL) as tmp:
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


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _atomic_copy(source: Path, target: Path) -> None:
    """Copy to a temporary name, fsync, rename: the target is the old file or the new one."""
    try:
        files.copy(source, target, suffix=PARTIAL)
    except OSError as e:
        workfile.raise_if_disk_full(e, target)
        raise


def open_reader(path: Path, as_of: datetime | None = None) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published warehouse, optionally at a past point in time.

    Read-only in every sense (READER_LOCKDOWN): queries can read the warehouse, nothing else.
    """
    if not Path(path).exists():
        raise NoWarehouse(f"No warehouse at {Path(path).resolve()}: run `tpbis sync` first.")
    con = duckdb.connect(str(path), read_only=True)
    _lock_down(con)
    if as_of is not None:
        con.execute("set variable as_of = ?::timestamptz", [as_of])
    return con


def _lock_down(con) -> None:
    """Apply READER_LOCKDOWN, unless this process's instance of the file already has it."""
    locked, external = con.execute("select current_setting('lock_configuration'), "
                                   "current_setting('enable_external_access')").fetchall()[0]  # fetchall: a partly
    # fetched execute() result would block this connection's next con.sql() (DuckDB 2.0)
    if locked and not external:
        return
    if locked:
        con.close()
        raise CannotRun("the warehouse is already open in this process with a locked configuration "
                        "that allows file access")
    for statement in READER_LOCKDOWN:
        con.execute(statement)


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


@workfile.disk_full_is_cannot_run
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


@workfile.disk_full_is_cannot_run
def set_meta(con, key: str, value: str) -> None:
    con.execute("insert or replace into core.meta values (?, ?)", [key, value])


# --- runs ---------------------------------------------------------------------------------

@workfile.disk_full_is_cannot_run
def start_run(con, run_id: str, started_at: datetime, full_sweep: bool) -> None:
    """Record a new run; a run still 'running' in the file was killed before it finished."""
    con.execute("update core.runs set status = 'interrupted' where status = 'running'")
    con.execute("insert into core.runs (run_id, started_at, status, full_sweep) values (?, ?, 'running', ?)",
                [run_id, started_at, full_sweep])


@workfile.disk_full_is_cannot_run
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


@workfile.disk_full_is_cannot_run
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
                run_script(con, _for_table(replace, table, _hash_exprs(con, table, hash_columns)), params)
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
            try:
                con.execute("rollback")
            except duckdb.Error:
                pass        # a failed COMMIT (e.g. disk full) already ended the transaction
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
        con.execute(statement, used_params(statement, params))
