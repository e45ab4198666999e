"""Deployments: their definitions (fast), and the whole path through a real Prefect server
(marked `prefect_server`): `prefect server start` on 127.0.0.1, `tpbis serve`, a manual
`prefect deployment run nightly-sync/nightly-served`, the run completes, its artifacts exist;
then the failure automation of tpbis.alerts notifies a local webhook when a run fails, the
partial automation of tpbis.run_outcome when a run ends Partial, and `prefect deploy --all`
adds the pool deployments without touching the served ones.

Everything the integration test starts runs in its own process group with its own
PREFECT_HOME, is bounded by timeouts, and is ended by process-group id in `finally`.
Measured: ~100-110 s on the 2-core machine (server start ~25 s), so it stays in the default
run; `-m "not prefect_server"` leaves it out.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest
import yaml

from flows import deployments
from tpbis.settings import PROJECT_ROOT
from tests.helpers import Webhook

BIN = Path(sys.executable).parent


# --- the definitions ------------------------------------------------------------------------

def by_name() -> dict:
    """The served deployments by their base name (`nightly-served` -> `nightly`)."""
    return {d.name.removesuffix(deployments.SERVED_SUFFIX): d for d in deployments.build_deployments()}


def test_two_deployments_scheduled_in_jakarta_time():
    assert {d.name for d in deployments.build_deployments()} == {"nightly-served", "quarterly-served"}
    deps = by_name()
    assert set(deps) == {"nightly", "quarterly"}
    nightly, quarterly = deps["nightly"], deps["quarterly"]
    assert nightly.flow_name == "nightly-sync" and quarterly.flow_name == "quarterly-extract"
    for dep, cron in [(nightly, "0 1 * * *"), (quarterly, "0 3 5 1,4,7,10 *")]:
        (schedule,) = dep.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone) == (cron, "Asia/Jakarta")
    assert nightly.parameters == {"full": False, "write_back": False}
    assert quarterly.parameters == {}
    assert nightly.entrypoint == "flows.nightly_sync.nightly_sync"
    assert quarterly.entrypoint == "flows.quarterly_extract.quarterly_extract"
    assert nightly.concurrency_limit == 1


def next_dates(schedule, start, n: int) -> list:
    """The dates the Prefect server itself would schedule (its CronSchedule)."""
    import asyncio
    from prefect.server.schemas.schedules import CronSchedule
    server_side = CronSchedule(cron=schedule.cron, timezone=schedule.timezone)
    return asyncio.run(server_side.get_dates(n=n, start=start))


def test_schedules_fire_at_the_intended_hour_in_riau():
    from datetime import datetime
    from zoneinfo import ZoneInfo
    wib, utc = ZoneInfo("Asia/Jakarta"), ZoneInfo("UTC")
    deps = by_name()
    start = datetime(2026, 11, 20, 12, 0, tzinfo=utc)
    nightly = next_dates(deps["nightly"].schedules[0].schedule, start, 2)
    assert [d.astimezone(wib).strftime("%Y-%m-%d %H:%M") for d in nightly] == ["2026-11-21 01:00", "2026-11-22 01:00"]
    assert nightly[0].astimezone(utc).hour == 18                      # 01:00 WIB is 18:00 UTC the day before
    quarterly = next_dates(deps["quarterly"].schedules[0].schedule, start, 4)
    assert [d.astimezone(wib).strftime("%Y-%m-%d %H:%M") for d in quarterly] == \
        ["2027-01-05 03:00", "2027-04-05 03:00", "2027-07-05 03:00", "2027-10-05 03:00"]


def test_prefect_yaml_matches_the_served_deployments():
    spec = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    served = by_name()
    assert {d["name"] for d in spec["deployments"]} == set(served)
    for d in spec["deployments"]:
        dep = served[d["name"]]
        path, func = d["entrypoint"].split(":")
        assert (PROJECT_ROOT / path).is_file()
        assert dep.entrypoint == path.removesuffix(".py").replace("/", ".") + "." + func
        (schedule,) = d["schedules"]
        assert (schedule["cron"], schedule["timezone"]) == (dep.schedules[0].schedule.cron,
                                                            dep.schedules[0].schedule.timezone)
        assert d["parameters"] == dep.parameters
        assert d.get("concurrency_limit") == dep.concurrency_limit
        assert d["name"] != dep.name                       # the pool's and the served never collide
        job = d["work_pool"]["job_variables"]
        assert job["working_dir"] == "{{ $TPBIS_HOME }}" and job["env"]["TPBIS_HOME"] == "{{ $TPBIS_HOME }}"
    assert spec["pull"] == [{"flows.steps.use_checkout": {"directory": "{{ $TPBIS_HOME }}"}}]


def test_a_worker_without_tpbis_home_is_told_so(tmp_path, monkeypatch):
    from flows.steps import NoCheckout, use_checkout
    from tpbis.errors import UsageError
    monkeypatch.delenv("TPBIS_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    for unset in ("", "{{ $TPBIS_HOME }}", None):
        with pytest.raises(NoCheckout, match="^TPBIS_HOME is not set for this flow run: set it on the worker"):
            use_checkout(unset)
    with pytest.raises(UsageError, match=f"^TPBIS_HOME={tmp_path} is not a TPBIS checkout: {tmp_path}/flows/nightly_sync.py"):
        use_checkout(str(tmp_path))
    monkeypatch.setenv("TPBIS_HOME", str(PROJECT_ROOT))      # the worker's own setting is enough
    assert use_checkout("") == {"directory": str(PROJECT_ROOT)} and Path.cwd() == PROJECT_ROOT


def test_flow_parameters_are_described_and_named_alike():
    from flows.nightly_sync import nightly_sync
    from flows.quarterly_extract import quarterly_extract
    for flow in (nightly_sync, quarterly_extract):
        props = flow.parameters.model_dump()["properties"]
        assert all(p.get("description") for p in props.values()), (flow.name, props)
        assert "warehouse_path" in props and "warehouse" not in props


# --- a real server --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, env=env, cwd=PROJECT_ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def stop(proc: subprocess.Popen | None, first=signal.SIGINT, grace: float = 10) -> None:
    """End the process group this test started (by its id): politely, then for sure."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, first)
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    except ProcessLookupError:
        pass


def wait_for(what: str, check, timeout: float, procs=(), logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p, log in zip(procs, logs):
            if p.poll() is not None:
                raise AssertionError(f"{what}: process exited ({p.returncode}):\n{log.read_text()[-3000:]}")
        try:
            result = check()
            if result:
                return result
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    tails = "\n".join(log.read_text()[-3000:] for log in logs)
    raise AssertionError(f"{what}: not within {timeout} s\n{tails}")


TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def run_deployment(name: str, env: dict, *params: str) -> str:
    """`prefect deployment run NAME [--param k=v ...]`, as the README shows; returns the run id."""
    args = [str(BIN / "prefect"), "deployment", "run", name]
    for p in params:
        args += ["--param", p]
    done = subprocess.run(args, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    return re.search(r"UUID:\s*([0-9a-f-]{36})", done.stdout).group(1)


def create_failure_automation(api: str, env: dict, hook_url: str) -> None:
    """A CustomWebhook notification block on that server, and the automation of
    tpbis.alerts.failure_automation created with `prefect automation create --from-json`."""
    import json
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from tpbis.notify.alerts import failure_automation
    with temporary_settings(updates={PREFECT_API_URL: api}):
        block_id = CustomWebhookNotificationBlock(name="tpbis", url=hook_url,
                                                  json_data={"subject": "{{subject}}", "body": "{{body}}"}
                                                  ).save("tpbis-alerts", overwrite=True)
    done = subprocess.run([str(BIN / "prefect"), "automation", "create", "--from-json",
                           json.dumps(failure_automation(str(block_id)))],
                          env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def create_partial_automation(api: str, env: dict) -> None:
    """The automation of tpbis.run_outcome.partial_automation, on the block saved above."""
    import json
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from tpbis.sync.outcome import partial_automation
    with temporary_settings(updates={PREFECT_API_URL: api}):
        block_id = CustomWebhookNotificationBlock.load("tpbis-alerts")._block_document_id
    done = subprocess.run([str(BIN / "prefect"), "automation", "create", "--from-json",
                           json.dumps(partial_automation(str(block_id)))],
                          env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.prefect_server
def test_served_nightly_sync_runs_through_a_real_prefect_server(sync_env, sheets_server, tmp_path):
    clock = time.monotonic()
    timings = {}
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ,
           "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_SERVER_UI_ENABLED": "false",
           "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_LOGGING_LEVEL": "INFO",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    server = serve = None
    http = httpx.Client(base_url=api, timeout=10, trust_env=False)
    hook = Webhook("/hook")
    try:
        server = start([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                       env, server_log)
        wait_for("prefect server health", lambda: http.get("/health").status_code == 200, 120,
                 [server], [server_log])
        timings["server up"] = time.monotonic() - clock

        serve = start([str(BIN / "tpbis"), "serve"], env, serve_log)
        nightly, quarterly = (
            wait_for(f"deployment {name}", lambda: (r := http.get(f"/deployments/name/{name}")).status_code == 200
                     and r.json(), 90, [server, serve], [server_log, serve_log])
            for name in ("nightly-sync/nightly-served", "quarterly-extract/quarterly-served"))
        timings["deployments served"] = time.monotonic() - clock
        assert [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in nightly["schedules"]] == \
            [("0 1 * * *", "Asia/Jakarta")]
        assert [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in quarterly["schedules"]] == \
            [("0 3 5 1,4,7,10 *", "Asia/Jakarta")]

        run_id = run_deployment("nightly-sync/nightly-served", env)

        run = wait_for("flow run to finish",
                       lambda: (r := http.get(f"/flow_runs/{run_id}").json())["state"]["type"] in TERMINAL and r,
                       240, [server, serve], [server_log, serve_log])
        timings["run finished"] = time.monotonic() - clock
        assert run["state"]["type"] == "COMPLETED", serve_log.read_text()[-5000:]
        assert run["state"]["name"] == "Completed" and re.fullmatch(r"nightly-\d{4}-\d\d-\d\d", run["name"])
        assert run["deployment_id"] == nightly["id"]

        arts = http.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run_id]}}}).json()
        by_key = {a["key"]: a for a in arts}
        assert {"nightly-sync-summary", "nightly-sync-villages"} <= set(by_key)
        assert by_key["nightly-sync-summary"]["type"] == "markdown"
        assert "| villages synced | 17 |" in by_key["nightly-sync-summary"]["data"]
        assert by_key["nightly-sync-villages"]["type"] == "table"

        con = duckdb.connect(str(sync_env), read_only=True)
        try:
            assert con.execute("select run_id, status, villages_synced from report.sync_runs").fetchall() == \
                [(run_id, "success", 17)]
        finally:
            con.close()

        # a run that fails before any summary (no registry file): the automation notifies
        create_failure_automation(api, env, hook.url)
        failing = run_deployment("nightly-sync/nightly-served", env, "registry_path=/nonexistent/villages.csv")
        state = wait_for("failing run to finish",
                         lambda: (t := http.get(f"/flow_runs/{failing}").json()["state"]["type"]) in TERMINAL and t,
                         240, [server, serve], [server_log, serve_log])
        assert state == "FAILED"
        wait_for("failure notification", lambda: hook.bodies, 60, [server, serve], [server_log, serve_log])
        assert hook.bodies[0]["json"]["subject"].startswith("TPBIS: nightly-sync run ")
        assert hook.bodies[0]["json"]["subject"].endswith(" Failed")
        timings["failure notified"] = time.monotonic() - clock

        # a partial night (one sheet deleted): Completed named Partial, and its automation fires
        create_partial_automation(api, env)
        sheets_server.faults.status(sheets_server.keys()[0], 404)
        partial = run_deployment("nightly-sync/nightly-served", env, "full=true")
        run = wait_for("partial run to finish",
                       lambda: (r := http.get(f"/flow_runs/{partial}").json())["state"]["type"] in TERMINAL and r,
                       240, [server, serve], [server_log, serve_log])
        assert (run["state"]["type"], run["state"]["name"], run["state"]["message"]) == \
            ("COMPLETED", "Partial", "partial: 1 villages failed")
        wait_for("partial notification", lambda: len(hook.bodies) >= 2, 60, [server, serve], [server_log, serve_log])
        assert [b["json"]["subject"] for b in hook.bodies[1:]] == [f"TPBIS: nightly-sync run {run['name']} Partial"]
        assert "partial: 1 villages failed" in hook.bodies[1]["json"]["body"]
        timings["partial notified"] = time.monotonic() - clock

        # `prefect deploy --all` next to `tpbis serve`: two more deployments, nothing overwritten
        pool = subprocess.run([str(BIN / "prefect"), "work-pool", "create", "tpbis", "--type", "process"],
                              env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
        assert pool.returncode == 0, pool.stdout + pool.stderr
        deployed = subprocess.run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"],
                                  env={**env, "TPBIS_HOME": str(PROJECT_ROOT)}, cwd=PROJECT_ROOT,
                                  capture_output=True, text=True, timeout=120)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        pooled = http.get("/deployments/name/nightly-sync/nightly").json()
        assert pooled["work_pool_name"] == "tpbis" and pooled["id"] != nightly["id"]
        assert pooled["job_variables"]["working_dir"] == str(PROJECT_ROOT)
        assert pooled["job_variables"]["env"]["TPBIS_HOME"] == str(PROJECT_ROOT)
        served = http.get("/deployments/name/nightly-sync/nightly-served").json()
        assert served["id"] == nightly["id"] and not served["paused"] and served["work_pool_name"] is None
        timings["deployed to a pool"] = time.monotonic() - clock
    finally:
        hook.close()
        stop(serve)
        stop(server, first=signal.SIGTERM)
        http.close()
        timings["total"] = time.monotonic() - clock
        print("timings (s):", {k: round(v, 1) for k, v in timings.items()})
