"""The sync's private working file: opening it, recovering it, and a full disk.

- Another process holding it (a second sync) is `CannotRun("another sync is running (holds
  PATH)")`.
- A file DuckDB cannot open or read (garbage, truncated, another program's file) is moved
  aside as `<name>.damaged-<local time>` (with its `.wal`, kept for a post-mortem) and rebuilt:
  a copy of the published snapshot, or, when only the snapshot's raw cells can be read, a new
  file with those cells and every core table replayed from them. With nothing readable to
  rebuild from it is `CannotRun`, naming both files, and left where it is.
- A full disk wherever the sync writes is `CannotRun("disk full at DIR")`.
- The file (and its WAL) is readable and writable by the sync's own account only (0600).
"""
from __future__ import annotations

import errno
import functools
import logging
import os
from datetime import datetime
from pathlib import Path

import duckdb

from tpbis.errors import CannotRun
from tpbis.settings import Settings

log = logging.getLogger(__name__)


class Damaged(Exception):
    """The working file cannot be opened or read as this sync's warehouse."""


def open_working_file(work: Path) -> duckdb.DuckDBPyConnection:
    """Connect, make private, apply the schema, and read every table once."""
    from tpbis.warehouse import store as warehouse
    try:
        con = duckdb.connect(str(work))
    except duckdb.Error as e:
        if is_lock_error(e):
            raise CannotRun(f"another sync is running (holds {work.resolve()})") from None
        raise_if_disk_full(e, work)
        raise Damaged(first_line(e)) from None
    try:
        make_private(work)
        con.execute("set TimeZone = 'UTC'")
        # Commits go to the WAL (still atomic, replayed after a crash); the table files are
        # rewritten once, at the CHECKPOINT before publishing, not after every chunk.
        con.execute("set checkpoint_threshold = '1GB'")
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


def rebuild(settings: Settings, reason: str) -> duckdb.DuckDBPyConnection:
    """Move the damaged working file aside and rebuild it from the published file."""
    from tpbis.warehouse import store as warehouse
    work, published = settings.working_file.resolve(), settings.warehouse.resolve()
    source = snapshot_health(published)
    if source is None:
        raise CannotRun(f"damaged working file {work} ({reason}) and no readable published warehouse "
                        f"{published} to rebuild it from: move {work} away to start an empty warehouse")
    stamp = datetime.now().astimezone().strftime("%Y%m%dT%H%M%S%z")
    aside = work.with_name(f"{work.name}.damaged-{stamp}")
    os.replace(work, aside)
    wal = work.with_name(work.name + ".wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    if source == "snapshot":
        warehouse._atomic_copy(published, work)
    try:
        con = open_working_file(work)
    except Damaged as e:
        raise CannotRun(f"working file {work} rebuilt from {published} is still unreadable ({e})") from None
    if source == "raw":
        fetches = _replay_raw_of(con, settings, published)
        warn(f"damaged working file {work} ({reason}): moved to {aside}; the published {published} "
             f"has readable raw cells only: core rebuilt from its {fetches} fetches")
    else:
        warn(f"damaged working file {work} ({reason}): moved to {aside}, rebuilt from {published}")
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


def _replay_raw_of(con, settings: Settings, published: Path) -> int:
    """Copy the raw cells of `published` into the (new) working file and replay them."""
    from tpbis import registry
    from tpbis.sync import replay
    from tpbis.warehouse import store as warehouse
    con.execute("attach '" + str(published).replace("'", "''") + "' as snapshot (read_only)")
    try:
        con.execute("begin transaction")
        for table in ("raw.fetches", "raw.payloads"):
            con.execute(f"insert into {table} by name select * from snapshot.{table}")
        con.execute("commit")
    finally:
        con.execute("detach snapshot")
    from transforms.reference import load_reference
    warehouse.load_reference_tables(con, registry.read_registry(settings.registry),
                                    registry.read_regions(settings.config_dir),
                                    load_reference(settings.config_dir).category_values["strategi"])
    return replay.replay_into(con, settings)


def make_private(work: Path) -> None:
    """Only the account that runs the sync may read or write its working file (0600)."""
    for path in (work, work.with_name(work.name + ".wal")):
        try:
            os.chmod(path, 0o600)
        except FileNotFoundError:
            pass


def is_lock_error(e: Exception) -> bool:
    text = str(e)
    return "Could not set lock" in text or "Conflicting lock" in text


def is_disk_full(e: BaseException) -> bool:
    return getattr(e, "errno", None) == errno.ENOSPC or "No space left on device" in str(e)


def raise_if_disk_full(e: BaseException, path: Path) -> None:
    if is_disk_full(e):
        raise CannotRun(f"disk full at {Path(path).resolve().parent}") from None


def disk_full_is_cannot_run(step):
    """A full disk while `step(con, ...)` writes is `CannotRun("disk full at DIR")`, not
    DuckDB's `cannot rollback - no transaction is active`: the transaction is rolled back
    (whole batches only stay in the WAL), the connection closed, and a half-written
    temporary copy of the published file removed, so the published file stays the previous one."""
    @functools.wraps(step)
    def guarded(con, *args, **kwargs):
        try:
            return step(con, *args, **kwargs)
        except (duckdb.Error, OSError) as e:
            if not is_disk_full(e):
                raise
            settings = next((a for a in args if isinstance(a, Settings)), None)
            where = str(settings.warehouse.resolve().parent) if settings else database_dir(con)
            for undo in ("rollback", None):
                try:
                    con.execute(undo) if undo else con.close()
                except duckdb.Error:
                    pass
            if settings is not None:
                partial = settings.warehouse.with_name(settings.warehouse.name + ".partial")
                for leftover in (partial, partial.with_name(partial.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            raise CannotRun(f"disk full at {where}") from e
    return guarded


def database_dir(con) -> str:
    try:
        (path,) = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
        return str(Path(path).resolve().parent)
    except Exception:
        return "the warehouse directory"


def first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def warn(message: str) -> None:
    """One line in the Prefect run log when there is a run, else in Python's log."""
    try:
        from prefect import get_run_logger
        get_run_logger().warning(message)
    except Exception:
        log.warning(message)
