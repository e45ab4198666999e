"""The published warehouse: the snapshot the sync publishes, and the one way to read it.

DuckDB allows one writing process or many readers. Province staff keep a CLI or a BI tool
open on the warehouse, so the sync never writes the file they open: it writes its own
working file and, after a run, publishes a copy with an atomic `os.replace` (`publish`). A
reader holding the old file keeps a consistent old snapshot; new readers see the new one;
nobody ever sees half a load. `open_reader` is how the CLI, the extracts and the portal open
it: read-only in every sense (READER_LOCKDOWN).
"""
from __future__ import annotations

import logging
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from tpbis import files
from tpbis.errors import CannotRun, UsageError
from tpbis.settings import Settings
from tpbis.warehouse import summaries
from tpbis.warehouse.disk import PARTIAL, disk_full_is_cannot_run, raise_if_disk_full, wal_file
from tpbis.warehouse.params import sql_literal

log = logging.getLogger(__name__)

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


# Storage format of the published file: staff tools lag DuckDB releases (the DuckDB CLI on
# the package index, JDBC/ODBC drivers in DBeaver and Excel), and a file in a newer format
# than a tool knows is refused outright. v1.4.0 is read by DuckDB 1.4 (LTS) and every later
# release. The sync creates its working file in this format too (a file keeps the format it
# was created in; tpbis/warehouse/workfile.py), so that publishing is a file copy.
PUBLISHED_STORAGE_VERSION = "v1.4.0"


@disk_full_is_cannot_run
def publish(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """Refresh the summaries, checkpoint, and atomically replace the published file with a
    snapshot of the working file in PUBLISHED_STORAGE_VERSION; the connection is closed.

    A working file in that format (every file the sync creates) is published as a copy of
    its bytes: after the CHECKPOINT it is whole without its WAL (DuckDB deletes the WAL), and
    the copy is taken while this connection still holds the file, so no other sync can start
    writing to it half-way. The copy holds exactly what the working file holds: the same
    catalog, comments and rows that `copy from database` rewrites (tests/warehouse/
    test_publish_copy.py compares them; settings, temporary objects, secrets and attached
    files live in a connection, never in the file), plus the file's free blocks, which no
    SQL reads. Views lose a CTE's `[NOT] MATERIALIZED` either way: storage version v1.4.0
    does not store it.

    A working file in another format (created by an earlier release, or by DuckDB's
    default) is converted once, here: the snapshot is written table by table
    (`_write_snapshot`, as every publish did before), and the working file replaced by a
    copy of it, so that the next publish is a copy.
    """
    summaries.refresh(con)              # summary tables of the report views, as of this snapshot
    con.execute("checkpoint")
    work = settings.working_file
    if storage_version(con) == PUBLISHED_STORAGE_VERSION and not wal_file(work).exists():
        try:
            _copy_snapshot(work, settings.warehouse)
        finally:
            con.close()                 # only now may another sync open the working file
        return settings.warehouse
    con.close()
    _write_snapshot(work, settings.warehouse)
    _convert_working_file(settings.warehouse, work)
    return settings.warehouse


def storage_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The storage format the connection's database file is written in ('v1.4.0', 'v2.0.0')."""
    (tags,) = con.execute("select tags from duckdb_databases() where database_name = current_database()").fetchone()
    return (tags or {}).get("storage_version", "").rstrip("+") or None


def _copy_snapshot(source: Path, target: Path) -> None:
    """Copy the checkpointed working file to a temporary name next to `target`, fsync,
    rename: the target is the old file or the new one, never half of either. The copy gets
    the mode a new file gets (as DuckDB creates one), not the working file's 0600."""
    with files.replacing(target, fsync=True, suffix=PARTIAL) as tmp:
        wal_file(tmp).unlink(missing_ok=True)           # from a table-by-table publish killed half-way
        shutil.copyfile(source, tmp)


def _convert_working_file(published: Path, work: Path) -> None:
    """Replace a working file of another storage format by a copy of the snapshot just
    published from it (what open_writer does when there is no working file), private (0600).
    Best effort: a failure leaves the old working file, and the next publish tries again."""
    if wal_file(work).exists():
        return                          # never after a clean close; a WAL is never paired with another file
    try:
        files.copy(published, work, suffix=".converting", mode=0o600)
    except OSError as e:
        log.warning("working file %s kept in its storage format (%s)", work, e)


def _write_snapshot(source: Path, target: Path) -> None:
    """Copy every table, view and macro of `source` into a new file in the published storage
    version (a temporary name next to `target`), checkpoint, fsync, rename: the target is
    the old file or the new one, never half of either."""
    with files.replacing(target, fsync=True, suffix=PARTIAL) as tmp:
        for leftover in (tmp, wal_file(tmp)):
            leftover.unlink(missing_ok=True)          # from a publish killed half-way
        con = duckdb.connect()
        try:
            con.execute(f"attach {sql_literal(str(source))} as work (read_only)")
            con.execute(f"attach {sql_literal(str(tmp))} as snapshot "
                        f"(storage_version {sql_literal(PUBLISHED_STORAGE_VERSION)})")
            con.execute("copy from database work to snapshot")
            con.execute("checkpoint snapshot")
            con.execute("detach snapshot")
            con.execute("detach work")
        finally:
            con.close()


def atomic_copy(source: Path, target: Path) -> None:
    """Copy to a temporary name, fsync, rename: the target is the old file or the new one."""
    try:
        files.copy(source, target, suffix=PARTIAL)
    except OSError as e:
        raise_if_disk_full(e, target)
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
