"""A full disk wherever the sync writes is `CannotRun("disk full at DIR")`, nothing half-done.

Every warehouse function that writes (`store.load_batch`, `records.load_reference_tables`,
`records.start_run` / `finish_run` / `set_meta`, `snapshot.publish`) is wrapped by
`disk_full_is_cannot_run`; copying a file raises through `raise_if_disk_full`.
"""
from __future__ import annotations

import errno
import functools
import re
from pathlib import Path

import duckdb

from tpbis.errors import CannotRun
from tpbis.settings import Settings

PARTIAL = ".partial"        # the published file's temporary name while it is written: <name>.partial


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
            where = str(settings.warehouse.resolve().parent) if settings else written_dir(e) or database_dir(con)
            for undo in ("rollback", None):
                try:
                    con.execute(undo) if undo else con.close()
                except duckdb.Error:
                    pass
            if settings is not None:
                partial = settings.warehouse.with_name(settings.warehouse.name + PARTIAL)
                for leftover in (partial, wal_file(partial)):
                    leftover.unlink(missing_ok=True)
            raise CannotRun(f"disk full at {where}") from e
    return guarded


def written_dir(e: BaseException) -> str | None:
    """The directory of the file a DuckDB error could not write (`Could not write file "PATH"`):
    after a FATAL error (a checkpoint that hit the full disk) the connection answers no query."""
    match = re.search(r'write file "([^"]+)"', str(e))
    return str(Path(match.group(1)).resolve().parent) if match else None


def database_dir(con) -> str:
    try:
        return str(database_path(con).resolve().parent)
    except Exception:
        return "the warehouse directory"


def database_path(con) -> Path:
    """The file of the connection's current database."""
    (path,) = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()[0]
    return Path(path)


def wal_file(path: Path) -> Path:
    """DuckDB's write-ahead log of the database file `path`."""
    return path.with_name(path.name + ".wal")
