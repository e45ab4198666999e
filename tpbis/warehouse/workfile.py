"""The sync's private working file: opening it, telling damage from a lock, moving it aside.

- Another process holding it (a second sync) is `CannotRun("another sync is running (holds
  PATH)")`.
- A file DuckDB cannot open or read (garbage, truncated, another program's file) is `Damaged`;
  `tpbis.sync.working_file.open_writer` then moves it aside (`move_aside`: `<name>.damaged-<local
  time>`, with its `.wal`, kept for a post-mortem) and rebuilds it from the published file.
- A full disk while opening it is `CannotRun("disk full at DIR")` (tpbis.warehouse.disk).
- The file (and its WAL) is readable and writable by the sync's own account only (0600).
- A new file is created in the published storage version (tpbis.warehouse.snapshot), which
  it keeps for life: publishing it is then a copy of the file.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from tpbis.errors import CannotRun
from tpbis.warehouse import store as warehouse
from tpbis.warehouse.disk import database_path, disk_full_is_cannot_run, raise_if_disk_full, wal_file
from tpbis.warehouse.params import sql_literal
from tpbis.warehouse.snapshot import PUBLISHED_STORAGE_VERSION


CHECKPOINT_BYTES = 128_000_000     # a WAL larger than this is checkpointed (open_working_file says why)
# Rows per row group while the sync writes (DuckDB's default: 122,880). A transaction that
# appends at least this many rows to a table writes them straight into the file ("optimistic
# writes": compressed once, no copy in the WAL, nothing left for a checkpoint), any smaller one
# goes through the WAL and is compressed again at the next checkpoint. A chunk of 200 messy
# workbooks appends ~93,000 activities: with half the default, it takes the direct path (the
# load of 2,000 such sheets: 0.9 s of CPU less). Not stored in the file (set at each open);
# readers of any DuckDB release read row groups of any size.
ROW_GROUP_SIZE = 61_440
ALIAS = "work"


class Damaged(Exception):
    """The working file cannot be opened or read as this sync's warehouse."""


def open_working_file(work: Path) -> duckdb.DuckDBPyConnection:
    """Connect (creating the file in the published storage version), make private, apply the
    schema, and read every table once."""
    try:
        if not work.exists():
            duckdb.connect(str(work), config={"storage_compatibility_version": PUBLISHED_STORAGE_VERSION}).close()
        con = _attach(work)
    except duckdb.Error as e:
        if is_lock_error(e):
            raise CannotRun(f"another sync is running (holds {work.resolve()})") from None
        raise_if_disk_full(e, work)
        raise Damaged(first_line(e)) from None
    try:
        make_private(work)
        con.execute("set TimeZone = 'UTC'")
        # Commits go to the WAL (still atomic, replayed after a crash); a commit that takes the
        # WAL past CHECKPOINT_BYTES writes it into the table files (while a sync loads chunks,
        # right after that commit: checkpoints_by_wal_size), which frees the memory DuckDB holds
        # for the WAL's data (every loaded chunk until the final checkpoint with '1GB': ~360 MB
        # for 2,000 sheets), at ~0.07 ms of CPU per sheet. A full disk during
        # that checkpoint is DuckDB's FATAL error, mapped like any other (tpbis.warehouse.disk).
        con.execute(f"set checkpoint_threshold = {_threshold()}")
        warehouse.apply_schema(con)
        warehouse.ensure_row_hashes(con)
        for table in ("raw.fetches", "raw.payloads", "core.runs", "core.sheet_state",
                      *(f"core.{t}" for t in warehouse.HISTORIED)):
            con.execute(f"select count(*) from {table}").fetchone()
    except duckdb.Error as e:
        con.close()
        raise_if_disk_full(e, work)
        raise Damaged(first_line(e)) from None
    return con


# DuckDB's own threshold while a sync loads its chunks: out of reach (checkpoints_by_wal_size)
LOADING_THRESHOLD = "1000GB"


def _threshold() -> str:
    """CHECKPOINT_BYTES as DuckDB's `checkpoint_threshold` (SQL text), read when it is set."""
    return f"'{CHECKPOINT_BYTES}B'"


@contextmanager
def checkpoints_by_wal_size(con):
    """While a sync loads its chunks, the WAL's real size decides when to checkpoint
    (`checkpoint_past_threshold`, after each chunk), not DuckDB's estimate.

    Why: DuckDB checkpoints at a commit whose *estimated* WAL growth would take the WAL past
    `checkpoint_threshold`, and it estimates a commit that closes the current rows of villages
    spread over a ten-year warehouse at 128 MB to 1 GB while it writes 3-40 MB. Each chunk of a
    night then checkpointed, rewriting the row groups it touched every time: 0.3-0.6 s of CPU
    per chunk, against 0.1-0.2 s for the commit and a checkpoint per 128 MB of WAL, or at
    publish (benchmarks/bench_mature_load.py, December 2026). DuckDB's threshold is back after."""
    with warehouse.setting(con, "checkpoint_threshold", f"'{LOADING_THRESHOLD}'", back=_threshold()):
        yield


@disk_full_is_cannot_run
def checkpoint_past_threshold(con) -> bool:
    """Checkpoint when the WAL has grown past CHECKPOINT_BYTES (True if it did)."""
    try:
        size = wal_file(database_path(con)).stat().st_size
    except FileNotFoundError:
        return False
    if size <= CHECKPOINT_BYTES:
        return False
    con.execute("checkpoint")
    return True


def _attach(work: Path) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the working file, attached with ROW_GROUP_SIZE
    (a connect-time setting DuckDB takes only from ATTACH). DuckDB's spill files go where they
    went when the file itself was connected: `<file>.tmp`."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {sql_literal(str(work))} as {ALIAS} (row_group_size {ROW_GROUP_SIZE})")
        con.execute(f"use {ALIAS}")
        con.execute(f"set temp_directory = {sql_literal(str(work) + '.tmp')}")
        con.execute("detach memory")
    except BaseException:
        con.close()
        raise
    return con


def snapshot_health(path: Path) -> str | None:
    """'snapshot' when the published file reads whole, 'raw' when only its raw cells do."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        for query, health in (("select count(*) from core.runs", "snapshot"),
                              ("select count(*) from raw.fetches join raw.payloads using (content_hash)", "raw")):
            try:
                con.execute(query).fetchone()
                return health
            except duckdb.Error:
                continue
        return None
    finally:
        con.close()


def move_aside(work: Path) -> Path:
    """Rename a damaged working file (and its WAL) to `<name>.damaged-<local time>`."""
    stamp = datetime.now().astimezone().strftime("%Y%m%dT%H%M%S%z")
    aside = work.with_name(f"{work.name}.damaged-{stamp}")
    os.replace(work, aside)
    wal = wal_file(work)
    if wal.exists():
        os.replace(wal, wal_file(aside))
    return aside


def make_private(work: Path) -> None:
    """Only the account that runs the sync may read or write its working file (0600)."""
    for path in (work, wal_file(work)):
        try:
            os.chmod(path, 0o600)
        except FileNotFoundError:
            pass


def is_lock_error(e: Exception) -> bool:
    text = str(e)
    return "Could not set lock" in text or "Conflicting lock" in text


def first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
