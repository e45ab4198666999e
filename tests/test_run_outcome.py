"""What Prefect shows of a night with failed villages: a real flow run under the test
harness, its final state, its WARNING log lines and its events, read back from the server;
and the progress lines of the run (Prefect log) and of `tpbis sync` piped (CliRunner)."""
from __future__ import annotations

import json
import re
import time

import pytest
from typer.testing import CliRunner

from flows.nightly_sync import nightly_sync
from tpbis.sync import progress
from tpbis.cli.main import app
from tests.helpers import KEYS

BROKEN = {"14.03.01.2021": (403, "permission_denied"), "14.03.02.2010": (404, "not_found")}


def flush_to_server() -> None:
    """Send what the log handler and the events worker still hold (they batch)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogHandler
    APILogHandler().flush()
    EventsWorker.drain_all(timeout=30)


def run_logs(client, run_id) -> list:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    return client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))


def read_events(client, name: str, since) -> list[dict]:
    body = {"filter": {"event": {"name": [name]}, "occurred": {"since": since.isoformat()}}, "limit": 50}
    return client._client.post("/events/filter", json=body).json()["events"]


def wait_for_all(fetch, count, timeout=30.0):
    """`fetch()` once it returns at least `count` items (events and logs reach the server one
    by one: the first alone is not all of them), or its last answer at the timeout."""
    def enough():
        found = fetch()
        return found if len(found) >= count else None
    return wait_for(enough, timeout) or fetch()


def wait_for(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


@pytest.fixture
def run_logs_at_info():
    """The suite runs Prefect at WARNING; progress lines are INFO. setLevel clears the cache
    of logging's isEnabledFor (assigning .level would not)."""
    import logging
    run_logger = logging.getLogger("prefect.flow_runs")
    old = run_logger.level
    run_logger.setLevel(logging.INFO)
    yield
    run_logger.setLevel(old)


@pytest.mark.usefixtures("prefect_harness", "run_logs_at_info")
def test_partial_run_is_named_partial_warns_per_village_and_emits_events(sync_env, sheets_server, monkeypatch):
    from datetime import datetime, timezone
    from prefect.client.orchestration import get_client
    monkeypatch.setenv("TPBIS_PROGRESS_EVERY", "5")
    since = datetime.now(timezone.utc)
    for kode, (status, _) in BROKEN.items():
        sheets_server.faults.status(KEYS[kode], status)
    state = nightly_sync(return_state=True)
    summary = state.result()
    assert summary["villages_failed"] == 2 and summary["villages_synced"] == 15
    assert (state.type.value, state.name, state.message) == ("COMPLETED", "Partial", "partial: 2 villages failed")
    flush_to_server()

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
        assert (run.state.type.value, run.state.name) == ("COMPLETED", "Partial")
        from zoneinfo import ZoneInfo
        assert run.name == f"nightly-{datetime.now(ZoneInfo('Asia/Jakarta')):%Y-%m-%d}"
        logs = wait_for_all(lambda: [l for l in run_logs(client, run.id) if l.level == 30 and "failed [" in l.message],
                            len(BROKEN))
        assert sorted(l.message.split()[1] for l in logs) == sorted(BROKEN)
        for l in logs:
            kode = l.message.split()[1]
            assert f"[{BROKEN[kode][1]}]" in l.message
        lines = [l.message for l in run_logs(client, run.id) if "sync progress:" in l.message or "sync done:" in l.message]
        assert any("fetch 5/17" in m for m in lines), lines            # every 5 sheets
        assert any(m.startswith("sync done: fetch 17/17, parse 17/17, load 17/17") for m in lines), lines

        failed = wait_for_all(lambda: read_events(client, "tpbis.village.failed", since), len(BROKEN))
        assert sorted(e["resource"]["prefect.resource.id"] for e in failed) == \
            sorted(f"tpbis.village.{k}" for k in BROKEN)
        for e in failed:
            assert e["payload"]["reason"] == BROKEN[e["payload"]["kode_desa"]][1]
            assert e["payload"]["message"] and e["payload"]["run_id"] == summary["run_id"]
        (finished,) = wait_for(lambda: read_events(client, "tpbis.sync.finished", since))
        assert finished["payload"]["villages_failed"] == 2 and finished["payload"]["villages_synced"] == 15
        assert finished["payload"]["status"] == "partial"
        assert any(r["prefect.resource.id"] == f"prefect.flow-run.{run.id}" for r in finished["related"])


@pytest.mark.usefixtures("prefect_harness")
def test_clean_run_is_completed_and_cli_pipes_plain_progress_lines(sync_env, sheets_server, monkeypatch):
    monkeypatch.setenv("TPBIS_PROGRESS_EVERY", "4")
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    progress_lines = [l for l in lines if l.startswith("sync progress:")]
    assert [l.split(",")[0] for l in progress_lines][:4] == \
        ["sync progress: fetch 4/17", "sync progress: fetch 8/17", "sync progress: fetch 12/17",
         "sync progress: fetch 16/17"]
    assert all("reads/min" in l and " left" in l for l in progress_lines)
    assert any(l.startswith("sync done: fetch 17/17, parse 17/17, load 17/17") for l in lines)
    assert "Sync " in result.output and ": success" in result.output        # the summary still follows
    # --quiet: the summary only
    result = CliRunner().invoke(app, ["sync", "--quiet", "--full"])
    assert result.exit_code == 0
    assert not [l for l in result.output.splitlines() if l.startswith("sync ")]
    assert ": success" in result.output
    # replay reports the same way: parse / load of the landed fetches
    result = CliRunner().invoke(app, ["replay"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "replay: reading the raw cells already landed ..."
    assert any(re.fullmatch(r"replay progress: parse \d+/\d+, load \d+/\d+; .* left", l) for l in lines), lines
    done = [l for l in lines if l.startswith("replay done: ")]
    assert len(done) == 1 and re.match(r"replay done: parse (\d+)/\1, load \1/\1; ", done[0]), done
    assert lines[-1].startswith("Replayed ")


@pytest.mark.usefixtures("prefect_harness")
def test_cli_partial_sync_exits_1_with_its_summary(sync_env, sheets_server):
    sheets_server.faults.status(KEYS["14.03.02.2010"], 404)
    result = CliRunner().invoke(app, ["sync", "--quiet"])
    assert result.exit_code == 1
    assert "partial" in result.output and "FAILED 14.03.02.2010" in result.output and "not_found" in result.output


def test_progress_tracker_lines_by_count_and_at_the_end():
    lines = []
    with progress.start("sync", 10, interval=0, every=3, line_sink=lines.append) as t:
        for _ in range(10):
            progress.fetched(1)
        t.advance("parse", 10)
        t.advance("load", 10)
    assert [l.split(";")[0] for l in lines] == [
        "sync progress: fetch 3/10, parse 0/10, load 0/10", "sync progress: fetch 6/10, parse 0/10, load 0/10",
        "sync progress: fetch 9/10, parse 0/10, load 0/10", "sync done: fetch 10/10, parse 10/10, load 10/10"]
    progress.fetched(1)                       # no tracker any more: nothing counts, nothing breaks
    assert len(lines) == 4


def test_eta_and_reads_per_minute_from_a_snapshot():
    snap = progress.Snapshot("sync", progress.SYNC_PHASES, {"fetch": 50, "parse": 40, "load": 40}, 200, 60, 60.0)
    assert snap.reads_per_minute == 60.0
    assert snap.eta_seconds == 180.0
    assert progress.format_line(snap) == \
        "sync progress: fetch 50/200, parse 40/200, load 40/200; 60.0 reads/min; 3 min 00 s left"


@pytest.mark.usefixtures("prefect_harness")
def test_quarterly_extract_run_publishes_its_files_per_scope(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from flows.quarterly_extract import quarterly_extract
    from tests import small_warehouse as sw
    warehouse = sw.build(tmp_path / "tpbis.duckdb")
    state = quarterly_extract(quarter="2022Q4", out=str(tmp_path / "out"), warehouse_path=str(warehouse),
                              return_state=True)
    files = state.result()
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        assert run.name == "extract-2022Q4"
        arts = {a.key: a for a in client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))}
    table = arts["quarterly-extract-scopes"].data
    table = json.loads(table) if isinstance(table, str) else table
    assert sorted(r["scope"] for r in table) == ["kab-bengkalis", "kota-dumai", "provinsi-riau"]
    assert sum(r["files"] for r in table) == len(files)
    assert all(r["workbook"] == f"laporan-triwulan-2022Q4-{r['scope']}.xlsx" and r["bytes"] > 0 for r in table)
    markdown = arts["quarterly-extract-files"].data
    assert markdown.startswith("# Laporan triwulan 2022Q4") and f"{len(files)} files for 3 scopes" in markdown
    # a quarter that has not ended is refused in the flow too, unless provisional
    from datetime import datetime
    from zoneinfo import ZoneInfo
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    current = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    refused = quarterly_extract(quarter=current, out=str(tmp_path / "now"), warehouse_path=str(warehouse),
                                return_state=True)
    assert refused.is_failed() and "has not ended" in refused.message


@pytest.mark.parametrize("status, failed, synced, expected", [
    ("success", 0, 17, ("COMPLETED", "Completed", None)),
    ("partial", 2, 15, ("COMPLETED", "Partial", "partial: 2 villages failed")),
    ("failed", 1, 0, ("COMPLETED", "Partial", "partial: 1 villages failed")),     # quiet night, one bad sheet
    ("failed", 17, 0, ("FAILED", "Failed", "failed: 17 villages failed, none synced")),
])
def test_final_state_by_outcome(status, failed, synced, expected):
    from tpbis.sync.outcome import final_state
    summary = {"status": status, "villages_failed": failed, "villages_synced": synced}
    state = final_state(summary)
    assert (state.type.value, state.name, state.message) == expected
