"""The published warehouse as the portal sees it: one read-only connection per snapshot.

The sync publishes a new snapshot by `os.replace`, so a new file has a new inode (and
mtime). Before each request the portal stats the path; when it changed, it closes its
connection (in one process every connection to a path shares one DuckDB instance, so the
old one must go before the new file can be seen), opens the new file read-only with
external access disabled, and builds its small summary tables (sql/portal/build_*.sql) as
temporary tables of that connection. Queries are serialised by a lock: DuckDB temporary
tables belong to one connection, and a portal has few simultaneous users.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tpbis.errors import CannotRun, UsageError
from tpbis.settings import SQL_DIR
from tpbis.warehouse.params import used_params
from tpbis.warehouse.snapshot import open_reader

BUILD_STEPS = ("build_village_quarters", "build_monthly", "build_quality", "build_last_run", "build_last_run_failed")


def portal_sql(name: str) -> str:
    return (SQL_DIR / "portal" / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Stamp:
    inode: int
    mtime_ns: int
    size: int

    @property
    def id(self) -> str:
        """Short identity of a snapshot: the key of every cache."""
        return hashlib.sha256(f"{self.inode}:{self.mtime_ns}:{self.size}".encode()).hexdigest()[:16]


def stamp_of(path: Path) -> Stamp:
    st = path.stat()
    return Stamp(st.st_ino, st.st_mtime_ns, st.st_size)


def disable_external_access(con) -> None:
    """No query may read, write or attach a file. open_reader may already have locked this."""
    try:
        con.execute("set enable_external_access = false")
    except Exception:
        pass
    value = con.execute("select current_setting('enable_external_access')").fetchone()[0]
    if value not in (False, "false"):
        raise CannotRun("Could not disable external access on the warehouse connection.")


class Warehouse:
    """Thread-safe access to the current snapshot and its summaries."""

    def __init__(self, path: Path):
        self.path = Path(path).resolve()
        if ".sync." in self.path.name:
            raise UsageError(f"{self.path} is the sync's private working file: point --warehouse at the published one.")
        self._lock = threading.RLock()
        self._con = None
        self._stop = threading.Event()
        self.stamp: Stamp | None = None

    def _ensure(self) -> None:
        try:
            stamp = stamp_of(self.path)
        except FileNotFoundError:
            if self._con is not None:       # a moment between two publishes: keep the old one
                return
            raise UsageError(f"No warehouse at {self.path}: run `tpbis sync` (or scripts/demo.sh) first.")
        if stamp == self.stamp and self._con is not None:
            return
        if self._con is not None:
            self._con.close()
            self._con = None
        con = open_reader(self.path)
        try:
            disable_external_access(con)
            for step in BUILD_STEPS:
                con.execute(portal_sql(step))
        except Exception:
            con.close()
            raise
        self._con, self.stamp = con, stamp

    def snapshot_id(self) -> str:
        with self._lock:
            self._ensure()
            return self.stamp.id

    def df(self, name: str, **params) -> pd.DataFrame:
        """Run sql/portal/<name>.sql with bound parameters ($name), as a DataFrame."""
        text = portal_sql(name)
        used = used_params(text, params)
        with self._lock:
            self._ensure()
            # through Arrow: several times faster than DuckDB's own DataFrame conversion
            return self._con.sql(text, params=used).to_arrow_table().to_pandas(date_as_object=False)

    def rows(self, name: str, **params) -> list[dict]:
        return self.df(name, **params).to_dict("records")

    def watch(self, every_seconds: float = 30.0, on_new=None) -> threading.Thread:
        """Check for a new snapshot in the background, so that the summaries of a freshly
        published one are built right after the sync, not during somebody's first request;
        then call `on_new()` (the portal pre-renders its overview charts there)."""
        def loop():
            seen = None
            while True:
                try:
                    current = self.snapshot_id()
                    if current != seen and on_new is not None:
                        on_new()
                    seen = current
                except Exception:       # a moment without a file: the next request says so
                    pass
                if self._stop.wait(every_seconds):
                    return
        thread = threading.Thread(target=loop, name="tpbis-portal-snapshot-watch", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._con is not None:
                self._con.close()
            self._con, self.stamp = None, None
