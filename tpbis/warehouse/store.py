"""The warehouse's schema and its historied loads: what a sync writes into its working file.

Inside the working file, each batch of villages is loaded in one transaction (`load_batch`),
so a crash (even SIGKILL) leaves it before or after a batch, and DuckDB's WAL replays only
committed work on the next open. Core tables keep history (`valid_from`/`valid_to`): a row
version is identified by `HISTORIED`'s columns through `row_hash`. Publishing the working file
and reading the published one: tpbis/warehouse/snapshot.py; reference tables, runs and meta:
tpbis/warehouse/records.py.
"""
from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tpbis.warehouse import disk
from tpbis.warehouse.records import default_strategies, get_meta, load_strategies, set_meta
from tpbis.warehouse.params import sql_literal, used_params
from tpbis.settings import SQL_DIR
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

    Safe to run any number of times; returns the schema files applied now. The report views
    and their comments are re-created only when what they are made of changed since they
    were last created in this file (`report_schema_digest`, kept in core.meta with the number
    of views), or a schema file was applied now. Otherwise only the views a publish switched
    to their summaries are re-created, live (`_live_switched_views`): a summary is then never
    read in a file whose core tables may change (tpbis/warehouse/summaries.py).
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
    from tpbis.catalog.descriptions import apply_comments
    digest = report_schema_digest()
    if applied or get_meta(con, REPORT_SCHEMA_KEY) != f"{digest} {_count_report_views(con)}":
        for path in report_view_files():
            con.execute(path.read_text(encoding="utf-8"))
        apply_comments(con)             # re-creating a view drops its comments
        set_meta(con, REPORT_SCHEMA_KEY, f"{digest} {_count_report_views(con)}")
    else:
        _live_switched_views(con)
    return applied


# core.meta key: report_schema_digest() and the number of report views when they were created
REPORT_SCHEMA_KEY = "report_schema"
# bump when the code that creates the views or writes their comments changes what it writes
REPORT_SCHEMA_CODE = "1"


def report_schema_digest() -> str:
    """SHA-256 of what the report views and their comments are made of: every file under
    sql/reports/ (ORDER, each view, descriptions.toml), the summaries' SQL (which switches
    views), the DuckDB version that binds them and REPORT_SCHEMA_CODE."""
    h = hashlib.sha256(f"{REPORT_SCHEMA_CODE}\0duckdb {duckdb.__version__}\0".encode())
    for folder in ("reports", "summaries"):
        for path in sorted((SQL_DIR / folder).iterdir()):
            if path.is_file():
                h.update(f"{folder}/{path.name}\0".encode() + path.read_bytes() + b"\0")
    return h.hexdigest()


def _count_report_views(con) -> int:
    from tpbis.catalog.descriptions import SCHEMAS
    schemas = ", ".join(f"'{s}'" for s in SCHEMAS)
    return con.execute(f"""select count(*) from duckdb_views() where database_name = current_database()
        and schema_name in ({schemas}) and not internal""").fetchall()[0][0]


def _live_switched_views(con) -> None:
    """Re-create the views a publish switches to their summary tables (every view that
    sql/summaries/*.sql creates) as their live form, sql/reports/<view>.sql, with comments."""
    from tpbis.catalog.descriptions import apply_comments
    switched = summary_switched_views()
    for schema, view in switched:
        con.execute((SQL_DIR / "reports" / f"{view}.sql").read_text(encoding="utf-8"))
    apply_comments(con, views=switched)


def summary_switched_views() -> list[tuple[str, str]]:
    """(schema, view) of every `create or replace view` in sql/summaries/*.sql."""
    found = []
    for path in sorted((SQL_DIR / "summaries").glob("*.sql")):
        found += re.findall(r"^create or replace view (\w+)\.(\w+)", path.read_text(encoding="utf-8"), flags=re.M)
    return found


def report_view_files() -> list[Path]:
    """sql/reports/*.sql in the order sql/reports/ORDER gives (what a view reads comes first)."""
    lines = (SQL_DIR / "reports" / "ORDER").read_text(encoding="utf-8").splitlines()
    return [SQL_DIR / "reports" / line.strip() for line in lines if line.strip() and not line.startswith("#")]


# --- row hashes ---------------------------------------------------------------------------

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


# --- loads --------------------------------------------------------------------------------

@dataclass
class Batch:
    """Everything one transaction writes: fetches to land, villages to replace, outcomes."""

    run_id: str
    now: datetime                       # the run's start: valid_from of new versions
    fetches: pd.DataFrame | pa.Table    # raw landing rows (payload may be None when already stored)
    villages: list[str]                 # kode_desa whose current rows are replaced
    tables: dict[str, pd.DataFrame | pa.Table]  # core table -> rows of all those villages
    state: pd.DataFrame                 # spreadsheet_key, kode_desa, modified_time, content_hash
    village_runs: pd.DataFrame          # outcome per village

    def __getstate__(self) -> dict:
        """Pickled (from a parse worker to the loading process) with its tables as Arrow,
        repetitive text columns dictionary-encoded (`compact_table`): a chunk of 200 messy
        workbooks crosses as 19 MiB instead of 33, and the loading process has nothing left to
        convert (DuckDB scans the Arrow tables as they come)."""
        return {**self.__dict__, "tables": self.arrow_tables()}

    def arrow_tables(self) -> dict[str, pa.Table]:
        """The tables as they cross to the loading process, pickled or in shared memory
        (tpbis.sync.handover): Arrow, repetitive text columns dictionary-encoded."""
        return {name: compact_table(arrow_table(rows)) for name, rows in self.tables.items()}


@disk.disk_full_is_cannot_run
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
            run_script(con, sql("load/raw_land.sql"), {**params, "landed": _landed_payloads(con, batch.fetches)})
        if batch.villages:
            con.register("stage_villages", pd.DataFrame({"kode_desa": pd.Series(batch.villages, dtype="string")}))
            replace, first, hashes_of = (sql(f"load/{name}.sql") for name in
                                         ("replace_current", "insert_first", "stage_hashes"))
            types = _core_types(con)
            current = _tables_with_current_rows(con)
            for table, hash_columns in HISTORIED.items():
                rows = batch.tables[table]
                if table not in current and not len(rows):
                    continue            # nothing to close, nothing to open
                staged = arrow_table(rows)
                con.register("stage_rows", staged)
                exprs = [f"cast({_quote_ident(c)} as {types[table, c]})" for c in hash_columns]
                if table in current:
                    hashes = con.sql(_for_table(hashes_of, table, exprs)).to_arrow_table()
                    con.unregister("stage_rows")
                    con.register("stage_rows", staged.append_column("row_hash", hashes["row_hash"]))
                run_script(con, _for_table(replace if table in current else first, table, exprs), params)
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


@contextmanager
def one_thread(con):
    """DuckDB on one thread while a sync's batches load (its `threads` setting back after).

    Why: a batch's Arrow tables insert with less CPU on one thread than on two, and no slower:
    the 930,905 activities of 2,000 messy workbooks, batch by batch into a file, took
    1.22-1.30 s of CPU and as long on one thread, 1.57-1.61 s on two (December 2026). While
    a sync loads, its parse workers and fetch threads keep the other core busy; what comes
    after (summaries at publish, reports) runs on every thread again.
    """
    (threads,) = con.execute("select current_setting('threads')").fetchall()[0]
    with setting(con, "threads", "1", back=str(int(threads))):
        yield


@contextmanager
def setting(con, name: str, value: str, *, back: str):
    """`set <name> = <value>` (SQL text) while the block runs, `<back>` after, whatever
    happens in it; a connection closed under way (a full disk, tpbis/warehouse/disk.py) keeps
    its own error."""
    con.execute(f"set {name} = {value}")
    try:
        yield
    finally:
        try:
            con.execute(f"set {name} = {back}")
        except duckdb.Error:
            pass


def arrow_table(rows: pd.DataFrame | pa.Table) -> pa.Table:
    """Stage through Arrow: DuckDB scans it about twice as fast as a pandas frame. Converted
    here, in the loading process, not in a parse worker: the parses are the longer path (an
    Arrow batch from the workers made a 2,000-sheet sync slower, 16 s against 12-13 s)."""
    return rows if isinstance(rows, pa.Table) else pa.Table.from_pandas(rows, preserve_index=False)


# a text column is sent dictionary-encoded when it has at most this share of distinct values
DICTIONARY_SHARE = 0.25


def compact_table(table: pa.Table) -> pa.Table:
    """`table` with each text column of few distinct values (kode_desa, spreadsheet_key, tab,
    category, strategy ...) dictionary-encoded: the same values, fewer bytes to pickle and to
    move between processes. DuckDB reads a dictionary column as the VARCHAR it holds. A
    column whose first rows are mostly distinct (titles, notes) is left as it is, unencoded."""
    columns = []
    for column in table.columns:
        if len(column) and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            head = column.slice(0, 4096)
            if pc.count_distinct(head, mode="all").as_py() <= DICTIONARY_SHARE * len(head):
                encoded = column.dictionary_encode()
                if sum(len(c.dictionary) for c in encoded.chunks) <= DICTIONARY_SHARE * len(column):
                    column = encoded
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=pa.schema(
        [field.with_type(c.type) for field, c in zip(table.schema, columns)], metadata=table.schema.metadata))


def _landed_payloads(con, fetches: pd.DataFrame | pa.Table) -> list[str]:
    """The hashes of the fetches' payloads that raw.payloads already holds, looked up in its
    primary key's index (sql/load/landed_payloads.sql)."""
    if isinstance(fetches, pa.Table):
        hashes = pc.unique(pc.filter(fetches["content_hash"], pc.is_valid(fetches["payload"]))).to_pylist()
    else:
        hashes = fetches.loc[fetches["payload"].notna(), "content_hash"].unique().tolist()
    if not hashes:
        return []
    query = sql("load/landed_payloads.sql").replace("{hashes}", ", ".join(sql_literal(h) for h in hashes))
    return [h for (h,) in con.execute(query).fetchall()]


def _tables_with_current_rows(con) -> set[str]:
    """The core tables (of HISTORIED) where a village of stage_villages has a current row, in
    one query: a first sync of a village skips closing versions and the anti join."""
    (one,) = _statements(sql("load/has_current.sql"))
    query = "\nunion all\n".join(_for_table(one, table, []) for table in HISTORIED)
    return {name for (name,) in con.execute(query).fetchall()}


def _core_types(con) -> dict[tuple[str, str], str]:
    """(table, column) -> type of every column of the core schema, in one catalog query."""
    return {(t, c): d for t, c, d in con.execute("""select table_name, column_name, data_type from duckdb_columns()
        where database_name = current_database() and schema_name = 'core'""").fetchall()}


def _statements(text: str) -> list[str]:
    """Split a .sql file into statements on ';' at line ends, without comment lines."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [p.strip() for p in code.split(";\n") if p.strip().rstrip(";")]


def run_script(con, text: str, params: dict | None = None) -> None:
    """Run each statement of a .sql text, binding only the $parameters it uses."""
    for statement in _statements(text):
        con.execute(statement, used_params(statement, params))
