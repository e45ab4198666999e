"""The chunk pipeline of a sync: parse each fetched chunk while the previous ones load.

Parsing is Python (one process uses one core), so with more than one chunk the parses run
in up to 2 worker processes, else on one thread. Loads stay in the caller's process (one
writer). At most `workers` parses wait in a queue: the newest parses while the older ones
load, so memory holds a few chunks, not the whole province.

No Prefect here: the flow hands in the fetched chunks (as they complete) and a `load`
callable (its load_chunk); this module counts progress and returns the 429 answers seen.
"""
from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import threading
import time
from collections import deque
from contextlib import contextmanager
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from typing import Callable, Iterable, Iterator

from tpbis.sync import handover
from tpbis.sync.progress import Tracker
from tpbis.sync.shutdown import alive
from tpbis.sync.batches import Fetched, build_batch
from tpbis.warehouse.store import Batch
from transforms.reference import Reference


FETCH_AHEAD = 3             # chunk fetches submitted beyond the one being parsed


def fetched_in_order(submit: Callable[[list], Future], chunk_list: Iterable[list],
                     ahead: int = FETCH_AHEAD) -> Iterator:
    """The result of each chunk's fetch, in order, with at most `ahead` more fetches under
    way: a fetch's future keeps its result (every cell of a chunk) for as long as it is
    referenced, so each is dropped as soon as its result is handed on, and fetching runs a
    few chunks ahead of parsing instead of holding the whole province in memory.

    The first `ahead` fetches are submitted when this is called (not when the first result
    is asked for), so the caller can do other work while they are read. `chunk_list` may be
    a generator that plans chunks while Drive still lists (tpbis.sync.planning)."""
    remaining = iter(chunk_list)
    queue: deque = deque(submit(chunk) for chunk in itertools.islice(remaining, max(1, ahead)))

    def results() -> Iterator:
        while queue:
            result = queue.popleft().result()
            following = next(remaining, None)
            if following is not None:
                queue.append(submit(following))
            yield result
            del result
    return results()


PARSE_PROCESSES = min(2, os.cpu_count() or 1)


def _fork_server() -> multiprocessing.context.BaseContext | None:
    """The fork server's context, the server started (once per process) with the parsing code
    imported; None where there is no fork server (not Linux): workers are spawned there."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    # the parser; and the caller's main module, as multiprocessing means to by default (CPython
    # 3.11 never does: each worker runs it again, so the `tpbis` script imports only the
    # tpbis.cli package, see tpbis.cli.run). No effect once the server runs.
    context.set_forkserver_preload(["__main__", __name__])
    from multiprocessing import forkserver
    forkserver.ensure_running()
    return context


def warm_up(villages: int, chunk_size: int) -> bool:
    """Start the fork server now, when a run may need parse workers (more villages registered
    than two chunks), so that its imports overlap the registry and the working file opening
    instead of delaying the first parse. Parse workers are forked from it: a few milliseconds
    each, instead of a fresh interpreter importing pandas and the transforms per worker (~0.65 s
    of CPU each). The server lives as long as this process (a deployment's runs share it) and
    forks from a clean interpreter, never from this process and its threads.

    True when parse workers are worth starting with the first chunk (see parse_and_load)."""
    if villages <= 2 * chunk_size or PARSE_PROCESSES < 2:
        return False
    return _fork_server() is not None


def parser(n_chunks: int, ref: Reference | None = None, shelf: str | None = None) -> tuple[Executor, int]:
    """(executor, parses in flight) for the chunk parses of one run; worker processes get
    `ref` once, when they start, and hand their batches over through `shelf` (a directory
    of tpbis.sync.handover.Shelf) when there is one."""
    if n_chunks > 1 and PARSE_PROCESSES > 1:
        context = _fork_server() or multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(PARSE_PROCESSES, mp_context=context, initializer=_exit_with_parent,
                                   initargs=(os.getpid(), ref, shelf)), PARSE_PROCESSES
    return ThreadPoolExecutor(1, thread_name_prefix="tpbis-parse"), 1


_worker_ref: Reference | None = None       # in a parse worker: the run's reference data
_worker_shelf: str | None = None           # in a parse worker: where batches are handed over


def _build_batch(run_id: str, started: datetime, fetched: list[Fetched], state: dict, ref: Reference | None,
                 **keywords) -> Batch | handover.Shelved:
    """build_batch with the worker's own Reference when `ref` is None. One Reference object
    for the whole run matters: readers and header matches are memoised per Reference, and a
    fresh copy per chunk (unpickled with its arguments) made every memo lookup compare two
    equal Reference objects field by field.

    In a parse worker, the cyclic garbage collector runs here, once per chunk, and never
    while the chunk parses (see _exit_with_parent); and the batch goes back through shared
    memory when it can (tpbis.sync.handover), else pickled."""
    if ref is not None:
        return build_batch(run_id, started, fetched, state, ref, **keywords)
    gc.collect()
    batch = build_batch(run_id, started, fetched, state, _worker_ref, **keywords)
    return handover.shelve(batch, _worker_shelf) if _worker_shelf is not None else batch


@contextmanager
def few_collections() -> Iterator[None]:
    """Python's cyclic garbage collector, rarely, while a sync's chunks pass through: a chunk
    is some 100,000 new lists (its cells), and with the default thresholds the collector
    walked them, and everything older, over and over (half the CPU of fetching and most of
    unpickling a chunk in a parse worker). Objects alive now are frozen (never walked);
    young cycles are still collected, every 100,000 allocations instead of 700."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _exit_with_parent(parent: int, ref: Reference | None = None, shelf: str | None = None) -> None:
    """In a parse worker: collect cyclic garbage only between chunks, and exit when the sync's
    process is gone (killed with SIGKILL, say), instead of waiting forever for work that will
    never come.

    Why between chunks: a chunk's cells are some ten million new objects (lists, strings,
    numbers) that live until the chunk is parsed, and the collector, even as rarely as
    `few_collections` runs it, walked them again and again: ~0.35 s of CPU per 2,000 messy
    sheets, 7 % of the workers' work (December 2026). They are freed by reference counting;
    what few cycles a parse leaves (pandas' and pyarrow's own) are collected when the next
    chunk starts (_build_batch), when the previous chunk's cells are gone and a collection
    walks almost nothing."""
    global _worker_ref, _worker_shelf
    _worker_ref, _worker_shelf = ref, shelf
    gc.freeze()                         # what the worker inherited: never walked
    gc.disable()

    def watch() -> None:            # the parent is the fork server, not the sync: ask for the sync
        while alive(parent):
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, name="tpbis-parent-watch", daemon=True).start()


def parse_and_load(fetched_chunks: Iterable[list[Fetched]], *, run_id: str, started: datetime,
                   state: dict, ref: Reference, skipped: Callable[[], list[dict]],
                   load: Callable[[Batch], None], tracker: Tracker, workers_ready: bool = False) -> int:
    """Parse every chunk (as `fetched_chunks` yields it) into a Batch and `load` it, in order
    of arrival; the skipped (unchanged) villages, `skipped()` once every chunk has come (the
    plan is complete only when Drive's listing is), are recorded in a last, empty batch.
    Returns the number of HTTP 429 answers the fetches met.

    Parse workers start with the first chunk when `workers_ready` (warm_up started the fork
    server: forking them is cheap); otherwise a look at the first two chunks decides, and a run
    of one chunk parses on a thread, with no workers."""
    arriving = iter(fetched_chunks)
    early: deque = deque()
    if not workers_ready:
        early.extend(c for c in (next(arriving, None), next(arriving, None)) if c is not None)

    def in_order() -> Iterator[list[Fetched]]:
        while early:
            yield early.popleft()           # handed on, not kept here
        yield from arriving

    n_chunks = 2 if workers_ready else len(early)
    shelf = handover.Shelf(enabled=n_chunks > 1)         # a run of one chunk parses on a thread
    pool, workers = parser(n_chunks, ref, shelf.open())
    mine_ref = None if isinstance(pool, ProcessPoolExecutor) else ref     # a worker has its own
    pending: deque[tuple[Future, int]] = deque()

    def load_next() -> None:
        parsed, n = pending.popleft()
        batch = handover.take(parsed.result())
        tracker.advance("parse", n)
        load(batch)
        tracker.advance("load", n)

    try:
        http_429 = seen = reads = 0
        for fetched in in_order():
            http_429 += sum(f.http_429 for f in fetched)
            seen, reads = seen + len(fetched), reads + sum(f.reads for f in fetched)
            tracker.advance_to("fetch", seen, reads)      # fetched in another process: counted here
            mine = {f.village["spreadsheet_key"]: state[f.village["spreadsheet_key"]]
                    for f in fetched if f.village["spreadsheet_key"] in state}
            pending.append((pool.submit(_build_batch, run_id, started, fetched, mine, mine_ref), len(fetched)))
            del fetched
            while len(pending) > workers:           # the newest parse while the older ones load
                load_next()
        pending.append((pool.submit(_build_batch, run_id, started, [], {}, mine_ref, skipped=skipped()), 0))
        while pending:
            load_next()
    finally:
        pool.shutdown(cancel_futures=True)
        shelf.close()
    return http_429
