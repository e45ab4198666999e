"""The chunk pipeline of a sync: parse each fetched chunk while the previous ones load.

Parsing is Python (one process uses one core), so with more than one chunk the parses run
in up to 2 worker processes, else on one thread. Loads stay in the caller's process (one
writer). At most `workers` parses wait in a queue: the newest parses while the older ones
load, so memory holds a few chunks, not the whole province.

No Prefect here: the flow hands in the fetched chunks (as they complete) and a `load`
callable (its thin task); this module counts progress and returns the 429 answers seen.
"""
from __future__ import annotations

import os
import threading
import time
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from multiprocessing import get_context
from typing import Callable, Iterable

from tpbis.sync.progress import Tracker
from tpbis.sync.steps import Fetched, build_batch
from tpbis.warehouse.store import Batch
from transforms.reference import Reference


def chunks(items: list, size: int) -> list[list]:
    """`items` cut into lists of at most `size` (at least 1)."""
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]


def parser(n_chunks: int) -> tuple[Executor, int]:
    """(executor, parses in flight) for the chunk parses of one run."""
    processes = min(2, os.cpu_count() or 1)
    if n_chunks > 1 and processes > 1:
        return ProcessPoolExecutor(processes, mp_context=get_context("spawn"), initializer=_exit_with_parent,
                                   initargs=(os.getpid(),)), processes
    return ThreadPoolExecutor(1, thread_name_prefix="tpbis-parse"), 1


def _exit_with_parent(parent: int) -> None:
    """In a parse worker: exit when the sync's process is gone (killed with SIGKILL, say),
    instead of waiting forever for work that will never come."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, name="tpbis-parent-watch", daemon=True).start()


def parse_and_load(fetched_chunks: Iterable[list[Fetched]], n_chunks: int, *, run_id: str, started: datetime,
                   state: dict, ref: Reference, skipped: list[dict], load: Callable[[Batch], None],
                   tracker: Tracker) -> int:
    """Parse every chunk (as `fetched_chunks` yields it) into a Batch and `load` it, in order
    of arrival; the skipped (unchanged) villages are recorded in a first, empty batch.
    Returns the number of HTTP 429 answers the fetches met."""
    pool, workers = parser(n_chunks)
    pending: deque[tuple[Future, int]] = deque()

    def load_next() -> None:
        parsed, n = pending.popleft()
        batch = parsed.result()
        tracker.advance("parse", n)
        load(batch)
        tracker.advance("load", n)

    try:
        pending.append((pool.submit(build_batch, run_id, started, [], {}, ref, skipped=skipped), 0))
        http_429 = seen = reads = 0
        for fetched in fetched_chunks:
            http_429 += sum(f.http_429 for f in fetched)
            seen, reads = seen + len(fetched), reads + sum(f.reads for f in fetched)
            tracker.advance_to("fetch", seen, reads)      # fetched in another process: counted here
            mine = {f.village["spreadsheet_key"]: state[f.village["spreadsheet_key"]]
                    for f in fetched if f.village["spreadsheet_key"] in state}
            pending.append((pool.submit(build_batch, run_id, started, fetched, mine, ref), len(fetched)))
            del fetched
            while len(pending) > workers:           # the newest parse while the older ones load
                load_next()
        while pending:
            load_next()
    finally:
        pool.shutdown(cancel_futures=True)
    return http_429
