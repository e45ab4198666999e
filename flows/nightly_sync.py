"""The nightly sync: every registered village sheet that changed -> warehouse -> published snapshot.

Read the flow body top to bottom: plan (Drive listing, 0 Sheets reads), fetch in chunks
(one task per chunk of spreadsheets, not per sheet: thousands of tiny tasks overload a Prefect
server), transform + load each chunk in one transaction as it arrives, publish, summarise.
Only the network task retries inside itself (bounded, paced); everything else fails loudly.
"""
from __future__ import annotations

import os
import time
import uuid
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.futures import as_completed
from prefect.utilities.annotations import quote

from tpbis import registry
from tpbis.notify import alerts
from tpbis.sync import progress
from tpbis.sync import outcome as run_outcome
from tpbis.notify import run_report
from tpbis.sync import steps as sync
from tpbis.warehouse import store as warehouse
from tpbis.settings import Settings
from tpbis.sync.task_runner import make_task_runner
from transforms.reference import load_reference


@task(cache_policy=NONE)
def plan_sync(settings: Settings, villages: list[dict], state: dict, full_sweep: bool) -> sync.Plan:
    conn = sync.shared_connection(settings)
    listed = sync.sheets.list_modified_times(conn)
    p = sync.plan(villages, listed, state, full_sweep=full_sweep)
    get_run_logger().info("%d of %d spreadsheets to read (%s)", len(p.fetch), len(villages),
                          "full sweep" if full_sweep else "changed since last sync")
    return p


@task(cache_policy=NONE)
def fetch_chunk(settings: Settings, villages: list[dict]) -> list[sync.Fetched]:
    return sync.fetch_all(sync.shared_connection(settings), villages, settings.fetch_workers,
                          on_fetched=lambda f: progress.fetched(f.reads))


@task(cache_policy=NONE)
def load_chunk(con, batch: warehouse.Batch) -> None:
    get_run_logger().info("loading %d villages (%d fetches) in one transaction", len(batch.villages), len(batch.fetches))
    warehouse.load_batch(con, batch)


@task(cache_policy=NONE)
def publish_snapshot(con, settings: Settings) -> None:
    get_run_logger().info("publishing %s", settings.warehouse)
    warehouse.publish(con, settings)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]


def _parser(chunks: int):
    """(executor, parses in flight) for the chunk parses of one run."""
    processes = min(2, os.cpu_count() or 1)
    if chunks > 1 and processes > 1:
        return ProcessPoolExecutor(processes, mp_context=get_context("spawn"), initializer=_exit_with_parent,
                                   initargs=(os.getpid(),)), processes
    return ThreadPoolExecutor(1, thread_name_prefix="tpbis-parse"), 1


def _exit_with_parent(parent: int) -> None:
    """In a parse worker: exit when the sync's process is gone (killed with SIGKILL, say),
    instead of waiting forever for work that will never come."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, name="tpbis-parent-watch", daemon=True).start()


def _run_id() -> str:
    from prefect.runtime import flow_run
    return str(flow_run.id or uuid.uuid4())


def _run_name() -> str:
    """`nightly-2026-12-01` (the day in Riau), `-full` for a full sweep asked for."""
    from prefect.runtime import flow_run
    from tpbis.sync.steps import JAKARTA
    full = (flow_run.parameters or {}).get("full")
    return f"nightly-{datetime.now(JAKARTA):%Y-%m-%d}" + ("-full" if full else "")


SYNC_TIMEOUT_SECONDS = float(os.environ.get("TPBIS_SYNC_TIMEOUT_SECONDS") or 36000)


@flow(name="nightly-sync", task_runner=make_task_runner(), log_prints=False,  # env TPBIS_TASK_RUNNER
      flow_run_name=_run_name, timeout_seconds=SYNC_TIMEOUT_SECONDS)
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
    started = datetime.now(timezone.utc)
    run_id = _run_id()
    villages = registry.read_registry(settings.registry, settings.config_dir)
    ref = load_reference(settings.config_dir)

    con = warehouse.open_writer(settings)
    # again here (the command line checked the published file): a deployment run comes this way
    try:
        registered = {k for (k,) in con.execute("select kode_desa from core.villages").fetchall()}
        registry.check_removals(settings.registry, villages["kode_desa"], registered,
                                settings.max_removed_share, accept_removals)
    except BaseException:
        con.close()         # refused: leave the working file closed, as it was
        raise
    warehouse.load_reference_tables(con, villages, registry.read_regions(settings.config_dir))
    full_sweep = full or sync.due_for_full_sweep(warehouse.get_meta(con, "last_full_sweep_at"), started,
                                                 settings.full_sweep_days)
    warehouse.start_run(con, run_id, started, full_sweep)
    state = warehouse.sheet_state(con)

    plan = plan_sync(settings, villages.to_dict("records"), state, full_sweep)
    # Parse each chunk while the previous ones load here: in 2 worker processes when there is
    # more than one chunk (parsing is Python: one process uses one core), else on a thread.
    # Not a Prefect task: its arguments are every cell of a chunk, which Prefect would walk.
    # quote(): the same for load_chunk's argument. One writer: loads stay in this process.
    chunks = _chunks(plan.fetch, settings.chunk_size)
    parser, workers = _parser(len(chunks))
    with progress.start("sync", len(plan.fetch), interval=settings.progress_seconds,
                        every=settings.progress_every, line_sink=get_run_logger().info) as tracker:
        futures = [fetch_chunk.submit(settings, chunk) for chunk in chunks]

        def load_next() -> None:
            parsed, n = pending.popleft()
            batch = parsed.result()
            tracker.advance("parse", n)
            load_chunk(con, quote(batch))
            tracker.advance("load", n)

        try:
            pending = deque([(parser.submit(sync.build_batch, run_id, started, [], {}, ref, skipped=plan.skipped), 0)])
            http_429 = seen = reads = 0
            for future in as_completed(futures):
                fetched = future.result()
                http_429 += sum(f.http_429 for f in fetched)
                seen, reads = seen + len(fetched), reads + sum(f.reads for f in fetched)
                tracker.advance_to("fetch", seen, reads)      # fetched in another process: counted here
                mine = {f.village["spreadsheet_key"]: state[f.village["spreadsheet_key"]]
                        for f in fetched if f.village["spreadsheet_key"] in state}
                pending.append((parser.submit(sync.build_batch, run_id, started, fetched, mine, ref), len(fetched)))
                del fetched
                while len(pending) > workers:           # the newest parse while the older ones load
                    load_next()
            while pending:
                load_next()
        finally:
            parser.shutdown(cancel_futures=True)

    if write_back:
        from tpbis.village_sheets.writeback import write_back_run
        write_back_run(settings, con, run_id)
    summary = sync.summarise(con, run_id, http_429=http_429, seconds=time.monotonic() - clock)
    run_report.publish(con, summary, get_run_logger())     # Prefect artifacts; never fails the run
    alerts.run(con, summary, get_run_logger())             # webhook / Prefect block; never fails the run
    if full_sweep and summary["villages_failed"] == 0:
        warehouse.set_meta(con, "last_full_sweep_at", started.isoformat())
    warehouse.finish_run(con, run_id, datetime.now(timezone.utc), summary["status"], summary)
    publish_snapshot(con, settings)
    get_run_logger().info(sync.format_summary(summary))
    run_outcome.warn_failures(summary, get_run_logger())   # one WARNING per failed village
    run_outcome.emit_events(summary, get_run_logger())     # tpbis.village.failed, tpbis.sync.finished
    return run_outcome.final_state(summary)                # Completed / Completed "Partial" / Failed
