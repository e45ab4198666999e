"""Scale-out: the fetch step on a pluggable task runner (threads, or Dask worker processes),
and the Sheets quota shared across processes through a Prefect global rate limit."""
from __future__ import annotations

import duckdb
import pytest

from tpbis.google import global_limit
from tpbis.google.pacing import RateLimiter
from tpbis.sync.task_runner import make_task_runner

VIEWS = ["monthly_visits", "activities", "benefits", "partners", "rejected_rows", "quarterly_indicators"]


# --- choosing a task runner ----------------------------------------------------------------

def test_threads_is_the_default():
    from prefect.task_runners import ThreadPoolTaskRunner
    runner = make_task_runner(env={})
    assert isinstance(runner, ThreadPoolTaskRunner) and runner == ThreadPoolTaskRunner(max_workers=2)
    assert isinstance(make_task_runner(env={"TPBIS_TASK_RUNNER": " Threads "}), ThreadPoolTaskRunner)


def test_dask_runner_from_env():
    prefect_dask = pytest.importorskip("prefect_dask")
    local = make_task_runner(env={"TPBIS_TASK_RUNNER": "dask"})
    assert isinstance(local, prefect_dask.DaskTaskRunner)
    assert local.cluster_kwargs["n_workers"] == 2 and local.cluster_kwargs["processes"] is True
    remote = make_task_runner(env={"TPBIS_TASK_RUNNER": "dask", "TPBIS_DASK_ADDRESS": "tcp://127.0.0.1:8786"})
    assert remote.address == "tcp://127.0.0.1:8786"


def test_unknown_runner_is_an_error():
    with pytest.raises(ValueError, match="threads, dask"):
        make_task_runner(env={"TPBIS_TASK_RUNNER": "ray"})


# --- the global rate limit -----------------------------------------------------------------

def test_global_limiter_takes_a_local_slot_then_a_global_one():
    calls = []

    class Local(RateLimiter):
        def acquire(self):
            calls.append("local")
            super().acquire()

    local = Local(None)
    limiter = global_limit.GlobalRateLimiter("tpbis-sheets-reads", local,
                                             take=lambda name, **kw: calls.append(("global", name, kw["strict"])))
    limiter.acquire()
    limiter.acquire()
    assert calls == ["local", ("global", "tpbis-sheets-reads", True)] * 2
    assert limiter.acquired == 2                       # local figures stay readable
    limiter.pause(30)                                  # a 429's Retry-After pauses the local pace
    assert local._next > 0


def test_wrap_only_when_a_limit_is_named():
    local = RateLimiter(60)
    assert global_limit.wrap(local, env={}) is local
    assert global_limit.wrap(local, env={"TPBIS_GLOBAL_RATE_LIMIT": " "}) is local
    wrapped = global_limit.wrap(local, env={"TPBIS_GLOBAL_RATE_LIMIT": "tpbis-sheets-reads"})
    assert isinstance(wrapped, global_limit.GlobalRateLimiter) and wrapped.name == "tpbis-sheets-reads"


def test_slot_decay_matches_the_quota_with_the_local_safety_margin():
    assert global_limit.slot_decay(60) == pytest.approx(0.98)
    assert global_limit.slot_decay(300) == pytest.approx(4.9)


# --- the same flow, distributed ------------------------------------------------------------

def snapshot(path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {v: sorted(map(repr, con.execute(f"select * from report.{v}").fetchall())) for v in VIEWS}
    finally:
        con.close()


@pytest.mark.usefixtures("prefect_harness")
def test_dask_processes_with_a_global_limit_load_the_same_rows_as_threads(sync_env, sheets_server, tmp_path,
                                                                          monkeypatch):
    """Threads first (the reference), then 2 Dask worker processes sharing a global rate
    limit, into a second warehouse: every report view holds the same rows."""
    pytest.importorskip("prefect_dask")
    from flows.nightly_sync import nightly_sync
    monkeypatch.setenv("TPBIS_CHUNK_SIZE", "5")                # 4 chunks over 17 villages: both workers busy
    reference = nightly_sync()
    assert reference["villages_loaded"] == 17

    # A limit that never runs out in this test and barely decays, so afterwards its occupied
    # slots count the reads that went through it, from whichever process.
    global_limit.ensure_limit("tpbis-test-reads", reads_per_minute=0.0006, burst=1000)
    # Worker processes find the Prefect API (for task runs and the shared limit) through the
    # environment, as on a real deployment; the harness only set it inside this process.
    from prefect.settings import PREFECT_API_URL
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    monkeypatch.setenv("TPBIS_GLOBAL_RATE_LIMIT", "tpbis-test-reads")   # read in the worker processes
    sheets_server.counters.reset()
    distributed = tmp_path / "dask" / "tpbis.duckdb"
    summary = nightly_sync.with_options(task_runner=make_task_runner("dask"))(warehouse_path=str(distributed))
    assert summary["villages_loaded"] == 17 and summary["villages_failed"] == 0, summary["failed"][:1]
    assert summary["rows_loaded"] == reference["rows_loaded"]
    assert summary["rows_rejected"] == reference["rows_rejected"]
    assert sheets_server.counters.total("sheets.batchGet") == 17
    assert snapshot(distributed) == snapshot(sync_env)
    # the reads happened in the Dask worker processes, not in this one ...
    from tpbis.sync import steps as sync
    from tpbis.settings import Settings
    here = sync.shared_connection(Settings.from_env().with_(warehouse=distributed))
    assert here.stats["sheets.read"] == 0
    # ... and every one of them took a slot of the shared Prefect limit
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name("tpbis-test-reads")
    assert limit.active_slots == 17


@pytest.mark.usefixtures("prefect_harness")
def test_a_missing_global_limit_stops_the_reads_instead_of_running_unpaced(sync_env, sheets_server, monkeypatch):
    """The hook is really in the request path: a named limit that does not exist fails
    every fetch (and so every village) rather than silently ignoring the shared quota."""
    from flows.nightly_sync import nightly_sync
    monkeypatch.setenv("TPBIS_GLOBAL_RATE_LIMIT", "tpbis-no-such-limit")
    state = nightly_sync(return_state=True)        # every read failed: a Failed run, summary kept
    assert state.is_failed()
    summary = state.result(raise_on_failure=False)
    assert summary["villages_failed"] == 17 and summary["villages_loaded"] == 0
    assert {f["reason"] for f in summary["failed"]} == {"unexpected"}
    assert sheets_server.counters.total("sheets.batchGet") == 0


@pytest.mark.usefixtures("prefect_harness")
def test_thread_fetches_keep_the_flow_context_and_record_no_task_run_per_chunk(sync_env, sheets_server, monkeypatch):
    """With the default thread runner, chunks are fetched on plain threads of the flow's process,
    not as a task run each (flows.nightly_sync.chunk_fetches: a task run would cost the Prefect
    server CPU and give nothing). The flow's context goes with them: every read of the 4 chunks
    still takes a slot of the shared Prefect limit, through the flow's Prefect API."""
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.nightly_sync import nightly_sync
    monkeypatch.setenv("TPBIS_CHUNK_SIZE", "5")                # 4 chunks over 17 villages
    global_limit.ensure_limit("tpbis-thread-reads", reads_per_minute=0.0006, burst=1000)
    monkeypatch.setenv("TPBIS_GLOBAL_RATE_LIMIT", "tpbis-thread-reads")
    state = nightly_sync(return_state=True)
    summary = state.result()
    assert summary["villages_loaded"] == 17 and summary["villages_failed"] == 0, summary["failed"][:1]
    runs = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name("tpbis-thread-reads").active_slots == 17
        deadline = time.monotonic() + 30            # task runs are recorded from events, a little later
        while True:
            names = sorted(t.name.rsplit("-", 1)[0] for t in client.read_task_runs(flow_run_filter=runs))
            if "publish_snapshot" in names or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert names == ["publish_snapshot"]
