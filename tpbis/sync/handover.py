"""A parsed batch handed from a parse worker to the loading process through shared memory.

Pickled through the process pool's pipe, a chunk of 200 messy workbooks (15 MiB of Arrow: its
rows and the payloads that land) was copied into a pickle, through the pipe, out of it and
into new buffers, each copy into freshly allocated memory: for 2,000 sheets ~0.65 s of the
parse workers' CPU and ~0.3 s of the loading process's, where the fetch threads and the loads
share one interpreter (December 2026). Here the worker writes the batch's tables, once, as
Arrow IPC streams into a file of the run's `Shelf` (a directory in /dev/shm, memory), and the
loading process maps that file and hands the tables to DuckDB where they lie: ~0.4 s (the
tables' Arrow conversion included) and ~0.02 s.

Nothing is left behind: the loading process removes each file as soon as it has mapped it (the
mapping stays readable), the shelf's directory goes when the run's parsing ends, and a run
killed before that (SIGKILL) leaves a directory named after its process, which the next run
removes. Where there is no /dev/shm, or a worker cannot write there (full: a container's
is 64 MiB by default), the batch is pickled as before.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa

from tpbis.sync.shutdown import alive
from tpbis.warehouse.store import Batch, arrow_table

SHARED_MEMORY = Path("/dev/shm")
PREFIX = "tpbis-"
FETCHES = "\0fetches"                      # the fetch rows' place in a shelved file (no table's name)


@dataclasses.dataclass
class Shelved:
    """A Batch whose tables and fetch rows are in `path`, in the order of `names`; `rest` is
    the batch without them (its outcomes and sheet state: a few rows, pickled)."""

    path: str
    names: list[str]
    rest: Batch


class Shelf:
    """The run's directory for shelved batches: `open()` makes it (and sweeps what killed
    runs left) and returns its path, None where there is none (or not `enabled`: a run
    parsed on a thread hands its batches over as they are); `close()` removes it, with
    whatever a failed parse left in it."""

    def __init__(self, root: Path = SHARED_MEMORY, *, enabled: bool = True) -> None:
        self.root, self.enabled, self.path = root, enabled, None

    def open(self) -> str | None:
        if self.enabled and self.path is None and self.root.is_dir():
            sweep(self.root)
            try:
                self.path = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=self.root)
            except OSError:
                self.path = None
        return self.path

    def close(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None


def sweep(root: Path = SHARED_MEMORY) -> list[Path]:
    """Remove the shelves of this account's runs that are gone (killed before they could);
    returns them. A shelf whose process lives (another sync) is left alone."""
    removed = []
    for path in root.glob(f"{PREFIX}*-*"):
        try:
            pid = int(path.name[len(PREFIX):].split("-", 1)[0])
            if path.stat().st_uid != os.getuid() or alive(pid):
                continue
        except (ValueError, OSError):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def shelve(batch: Batch, directory: str) -> Batch | Shelved:
    """In a parse worker: `batch` written into a new file of `directory`, or, should that
    fail (a full /dev/shm), `batch` itself, to be pickled."""
    path = os.path.join(directory, uuid.uuid4().hex + ".arrows")
    try:
        tables = batch.arrow_tables()
        tables[FETCHES] = arrow_table(batch.fetches)
        with pa.OSFile(path, "wb") as sink:
            for table in tables.values():
                with pa.ipc.new_stream(sink, table.schema) as writer:
                    writer.write_table(table)
    except (OSError, pa.ArrowException):
        try:
            os.unlink(path)
        except OSError:
            pass
        return batch
    return Shelved(path, list(tables), dataclasses.replace(batch, tables={}, fetches=pd.DataFrame()))


def take(item: Batch | Shelved) -> Batch:
    """In the loading process: the batch, its tables read in place from the mapped file,
    which is removed at once (the mapping stays until the tables are dropped)."""
    if not isinstance(item, Shelved):
        return item
    try:
        source = pa.memory_map(item.path)
    finally:
        os.unlink(item.path)
    tables = {name: pa.ipc.open_stream(source).read_all() for name in item.names}
    fetches = tables.pop(FETCHES)
    return dataclasses.replace(item.rest, tables=tables, fetches=fetches)
