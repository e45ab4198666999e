"""The published warehouse: the snapshot the sync publishes, and the one way to read it.

DuckDB allows one writing process or many readers. Province staff keep a CLI or a BI tool
open on the warehouse, so the sync never writes the file they open: it writes its own
working file and, after a run, publishes a copy with an atomic `os.replace` (`publish`). A
reader holding the old file keeps a consistent old snapshot; new readers see the new one;
nobody ever sees half a load. `open_reader` is how the CLI, the extracts and the portal open
it: read-only in every sense (READER_LOCKDOWN).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from tpbis import files
from tpbis.errors import CannotRun, UsageError
from tpbis.settings import Settings
from tpbis.warehouse import summaries
from tpbis.warehouse.disk import PARTIAL, disk_full_is_cannot_run, raise_if_disk_full

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
# release; the private working file stays in this library's own format.
PUBLISHED_STORAGE_VERSION = "v1.4.0"


@disk_full_is_cannot_run
def publish(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """Checkpoint and close the working file, then atomically replace the published file
    with a snapshot of it written in PUBLISHED_STORAGE_VERSION."""
    summaries.refresh(con)              # summary tables of the report views, as of this snapshot
    con.execute("checkpoint")
    con.close()
    _write_snapshot(settings.working_file, settings.warehouse)
    return settings.warehouse


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
