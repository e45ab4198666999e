"""Downloads: the quarterly extract files of a user's scope, generated on demand from the
warehouse by `tpbis.extract.write_extract` and cached per snapshot.

Cache layout: <cache>/<snapshot id>/<quarter>/<scope>/ ; only that folder's files are ever
listed or served to the user, so a kabupaten user cannot reach the province's files or
another kabupaten's (they are never written into their folder). Folders of older snapshots
are removed when a new one is filled.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

from tpbis.extract.write import UnknownKabupaten, write_extract
from tpbis.wib import Quarter

QUARTER_RE = re.compile(r"^(20\d{2})Q([1-4])$")
SERVED = (".xlsx", ".csv")


def parse_quarter(text: str) -> Quarter | None:
    """Strictly `2022Q4` (the portal's URLs never take anything looser)."""
    m = QUARTER_RE.match(text or "")
    return Quarter(int(m.group(1)), int(m.group(2))) if m else None


def cache_dir(path: Path | None = None) -> Path:
    from tpbis.settings import Settings
    return Path(path or Settings.from_env().portal_cache).resolve()


def kabupaten_argument(scope: str) -> str | None:
    """What write_extract's `kabupaten=` gets for a scope: None for the province, else the
    kabupaten code itself (`14.03`): extracts are scoped by region code."""
    return None if scope == "provinsi" else scope


class Downloads:
    def __init__(self, warehouse, root: Path | None = None):
        self.warehouse = warehouse
        self.root = cache_dir(root)
        self._lock = threading.Lock()

    def _folder(self, snapshot: str, quarter: Quarter, scope: str) -> Path:
        return self.root / snapshot / str(quarter) / scope.replace(".", "-")

    def files(self, quarter: Quarter, scope: str) -> list[Path]:
        """The scope's .xlsx and .csv files of that quarter, generated if not cached yet."""
        snapshot = self.warehouse.snapshot_id()
        folder = self._folder(snapshot, quarter, scope)
        with self._lock:
            if not (folder / ".complete").exists():
                kabupaten = kabupaten_argument(scope)
                if scope != "provinsi" and kabupaten is None:
                    return []                   # no village in this scope: nothing to offer
                tmp = folder.with_name(folder.name + ".tmp")
                shutil.rmtree(tmp, ignore_errors=True)
                try:
                    write_extract(self.warehouse.path, quarter, tmp, kabupaten=kabupaten)
                except UnknownKabupaten:
                    shutil.rmtree(tmp, ignore_errors=True)
                    return []
                shutil.rmtree(folder, ignore_errors=True)
                os.replace(tmp, folder)
                (folder / ".complete").touch()
                self._drop_old(snapshot)
        # write_extract puts a scope's files in <quarter>/<slug>/ below its out folder
        return sorted((p for p in folder.rglob("*") if p.suffix in SERVED), key=lambda p: p.name)

    def file(self, quarter: Quarter, scope: str, name: str) -> Path | None:
        """One listed file by name (anything else: None, i.e. 404)."""
        return next((p for p in self.files(quarter, scope) if p.name == name), None)

    def _drop_old(self, snapshot: str) -> None:
        for child in self.root.iterdir():
            if child.is_dir() and child.name != snapshot:
                shutil.rmtree(child, ignore_errors=True)
