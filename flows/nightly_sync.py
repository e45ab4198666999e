"""The nightly sync: every registered village sheet that changed -> warehouse -> published snapshot.

Read the flow body top to bottom: plan (Drive listing, 0 Sheets reads), fetch in chunks
(never a task per sheet: thousands of tiny tasks overload a Prefect server; a task per chunk
only for the Dask runner, see chunk_fetches), transform + load each chunk in one transaction
as it arrives, publish, summarise. Only the fetch retries inside itself (bounded, paced);
everything else fails loudly.
"""
from __future__ import annotations

import contextvars
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner

from tpbis import registry, wib
from tpbis.notify import alerts
from tpbis.sync import pipeline, progress
from tpbis.sync import outcome as run_outcome
from tpbis.sync import planning, timeline
from tpbis.sync.listing import Listing
from tpbis.notify import run_report
from tpbis.sync import steps as sync
from tpbis.warehouse import records, snapshot, workfile
from tpbis.warehouse import store as warehouse
from tpbis.settings import SettingError, Settings
from tpbis.sync.task_runner import CHUNKS_IN_FLIGHT, make_task_runner
from tpbis.sync.working_file import open_writer
from transforms.reference import load_reference


def planned_chunks(settings: Settings, listing: Listing, planner: sync.Planner, tracker: progress.Tracker,
                   plan: dict) -> Iterator[list[dict]]:
    """The chunks of villages to fetch, cut as Drive's pages are planned (reads start while
    later pages are listed; the progress total grows with them); `plan["plan"]` is the whole
    plan once the listing is complete."""
    def finish() -> list[dict]:
        rest, plan["plan"] = planner.finish()
        timeline.mark("drive listed")
        p = plan["plan"]
        tracker.set_total(len(p.fetch))     # the whole plan is known: the total stops growing
        get_run_logger().info("%d of %d spreadsheets to read (%s)", len(p.fetch), len(p.fetch) + len(p.skipped),
                              "full sweep" if p.full_sweep else "changed since last sync")
        return rest

    try:
        pages = ((planner.add(found, doubtful), more) for found, doubtful, more in listing.pages())
        for chunk in planning.fetch_chunks(pages, finish, settings.chunk_size, settings.reads_per_minute):
            if "plan" not in plan:          # while Drive lists, the total grows with the chunks cut
                tracker.set_total(tracker.total + len(chunk))
            yield chunk
    finally:
        listing.close()


@task(cache_policy=NONE)
def fetch_chunk(settings: Settings, villages: list[dict], stop: threading.Event | None = None) -> list[sync.Fetched]:
    fetched = sync.fetch_all(sync.shared_connection(settings), villages, settings.fetch_workers,
                             on_fetched=lambda f: progress.fetched(f.reads), stop=stop)
    timeline.mark("chunk fetched")
    return fetched


@contextmanager
def chunk_fetches(settings: Settings) -> Iterator[Callable[[list[dict]], Future]]:
    """`submit(chunk)` -> the future of that chunk's fetch (`fetch_chunk`).

    A Prefect task run per chunk only where the flow's task runner sends tasks to other
    processes or machines (Dask, TPBIS_TASK_RUNNER=dask: a task is what it ships). With the
    default thread runner, chunks are fetched on CHUNKS_IN_FLIGHT threads of this process, as
    the runner would, but without a task run each: it would add no retries (fetch_chunk
    retries inside), no caching and no distribution, and recording one cost ~55 ms of CPU
    (Prefect's client and server, on the same two cores as the sync). With load_chunk no task
    either, a 2,000-sheet sync spends ~0.9 s less CPU (the Prefect server's included) and ends
    ~0.45 s sooner. The flow's progress lines and its run report say what each chunk did."""
    context = FlowRunContext.get()
    if context is None or not isinstance(context.task_runner, ThreadPoolTaskRunner):
        yield lambda chunk: fetch_chunk.submit(settings, chunk)
        return
    pool, stop = ThreadPoolExecutor(CHUNKS_IN_FLIGHT, thread_name_prefix="tpbis-fetch-chunk"), threading.Event()
    try:
        # each fetch in a copy of the flow's context, as the task runner's threads have it (a
        # global rate limit asks the flow's Prefect API; a warning reaches the run's logger)
        yield lambda chunk: pool.submit(contextvars.copy_context().run, fetch_chunk.fn, settings, chunk, stop)
    finally:
        stop.set()                      # a run ending early waits for no more than the reads under way
        pool.shutdown(cancel_futures=True)


def load_chunk(con, batch: warehouse.Batch) -> None:
    """Not a Prefect task: loading is the flow's own work, in its process (DuckDB has one
    writer), and a task run costs the Prefect server ~20-30 ms of CPU to record, on the same
    two cores as the sync (see chunk_fetches). The chunk's progress line and the run report say
    what each chunk did."""
    get_run_logger().info("loading %d villages (%d fetches) in one transaction", len(batch.villages), len(batch.fetches))
    warehouse.load_batch(con, batch)
    workfile.checkpoint_past_threshold(con)
    timeline.mark("chunk loaded")


@task(cache_policy=NONE)
def publish_snapshot(con, settings: Settings) -> None:
    get_run_logger().info("publishing %s", settings.warehouse)
    snapshot.publish(con, settings)
    timeline.mark("published")


def _run_id() -> str:
    from prefect.runtime import flow_run
    return str(flow_run.id or uuid.uuid4())


def _run_name() -> str:
    """`nightly-2026-12-01` (the day in Riau), `-full` for a full sweep asked for."""
    from prefect.runtime import flow_run
    full = (flow_run.parameters or {}).get("full")
    return f"nightly-{wib.today():%Y-%m-%d}" + ("-full" if full else "")


def _timeout_seconds() -> float:
    """TPBIS_SYNC_TIMEOUT_SECONDS, read when this module is imported; an unreadable setting
    falls back to the default here and fails the run itself with its one-line message."""
    try:
        return Settings.from_env().sync_timeout_seconds
    except SettingError:
        return Settings().sync_timeout_seconds


@flow(name="nightly-sync", task_runner=make_task_runner(), log_prints=False,  # env TPBIS_TASK_RUNNER
      flow_run_name=_run_name, timeout_seconds=_timeout_seconds())
def nightly_sync(registry_path: str | None = None, warehouse_path: str | None = None,
                 full: bool = False, write_back: bool = False, accept_removals: bool = False):
    """Sync every registered village sheet that changed; returns the run summary.

    The final state is Completed, Completed named "Partial" (some villages failed) or Failed
    (every village read failed); its data is the summary (tpbis.run_outcome).

    Args:
        registry_path: Village registry CSV; empty = TPBIS_REGISTRY (default config/villages.csv).
        warehouse_path: Published warehouse file; empty = TPBIS_WAREHOUSE (default data/tpbis.duckdb).
        full: Re-read every sheet, modified or not (content hashes decide what loads).
        write_back: Write each synced village's validation results into a Validasi tab of
            its own sheet (needs the spreadsheets scope).
        accept_removals: Let the registry drop more than TPBIS_MAX_REMOVED_SHARE of the
            registered villages at once.
    """
    settings = Settings.from_env().with_(registry=registry_path and Path(registry_path),
                                         warehouse=warehouse_path and Path(warehouse_path))
    clock = time.monotonic()
    timeline.mark("flow started")
    started = datetime.now(timezone.utc)
    run_id = _run_id()
    # plan: Drive lists (0 Sheets reads) on a thread of its own while the warehouse gets ready
    listing = Listing(sync.shared_connection(settings))
    try:
        villages = registry.read_registry(settings.registry, settings.config_dir)
        ref = load_reference(settings.config_dir)
        workers_ready = pipeline.warm_up(len(villages), settings.chunk_size)   # parse workers' imports, meanwhile
        timeline.mark("registry read")
        con = open_writer(settings)
        timeline.mark("writer opened")
        # again here (the command line checked the published file): a deployment run comes this way
        try:
            registered = {k for (k,) in con.execute("select kode_desa from core.villages").fetchall()}
            registry.check_removals(settings.registry, villages["kode_desa"], registered,
                                    settings.max_removed_share, accept_removals)
        except BaseException:
            con.close()         # refused: leave the working file closed, as it was
            raise
        full_sweep = full or sync.due_for_full_sweep(records.get_meta(con, "last_full_sweep_at"), started,
                                                     settings.full_sweep_days)
        records.start_run(con, run_id, started, full_sweep)
        state = records.sheet_state(con)
        timeline.mark("run started")
    except BaseException:
        listing.close()
        raise
    planner = sync.Planner(villages.to_dict("records"), state, full_sweep=full_sweep)
    try:
        with progress.start("sync", 0, interval=settings.progress_seconds,
                            every=settings.progress_every, line_sink=get_run_logger().info) as tracker, \
                pipeline.few_collections(), warehouse.one_thread(con), workfile.checkpoints_by_wal_size(con), \
                chunk_fetches(settings) as submit:
            # Fetch chunks (chunk_fetches), from Drive's first pages on, a few ahead of parsing;
            # parse each (tpbis.sync.pipeline, not a task: its arguments are every cell of a chunk,
            # which Prefect would walk) while the previous ones load here.
            plan: dict[str, sync.Plan] = {}
            fetched = pipeline.fetched_in_order(submit, planned_chunks(settings, listing, planner, tracker, plan))
            records.load_reference_tables(con, villages, registry.read_regions(settings.config_dir),
                                          ref.category_values["strategi"])      # while the first chunks are read
            timeline.mark("reference tables loaded")
            http_429 = pipeline.parse_and_load(fetched,
                                               run_id=run_id, started=started, state=state, ref=ref,
                                               skipped=lambda: plan["plan"].skipped, load=lambda b: load_chunk(con, b),
                                               tracker=tracker, workers_ready=workers_ready)
    finally:
        listing.close()         # a run that ends early stops the listing thread too
    timeline.mark("all chunks loaded")

    if write_back:
        from tpbis.village_sheets.writeback import write_back_run
        write_back_run(settings, con, run_id)
    summary = sync.summarise(con, run_id, http_429=http_429, seconds=time.monotonic() - clock)
    timeline.mark("summarised")
    run_report.publish(con, summary, get_run_logger())     # Prefect artifacts; never fails the run
    alerts.run(con, summary, get_run_logger())             # webhook / Prefect block; never fails the run
    timeline.mark("run report and alerts")
    if full_sweep and summary["villages_failed"] == 0:
        records.set_meta(con, "last_full_sweep_at", started.isoformat())
    records.finish_run(con, run_id, datetime.now(timezone.utc), summary["status"], summary)
    timeline.mark("run finished")
    publish_snapshot(con, settings)
    get_run_logger().info(sync.format_summary(summary))
    run_outcome.warn_failures(summary, get_run_logger())   # one WARNING per failed village
    run_outcome.emit_events(summary, get_run_logger())     # tpbis.village.failed, tpbis.sync.finished
    timeline.mark("flow body done")
    return run_outcome.final_state(summary)                # Completed / Completed "Partial" / Failed
