"""Prefect's settings for a run that a command starts (tpbis.cli.common.run_settings): with
the temporary Prefect server, no flow-run heartbeats (nobody could read them, and Prefect ends
each run by waiting for the heartbeat thread's 1-second sleep); with a lasting server, or
when the operator sets them, Prefect's own."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tpbis.cli.common import run_settings
from tpbis.local_sheets.synthetic import synthetic_registry, synthetic_workbook, write_registry_csv

BIN = Path(sys.executable).parent
STARTED = "Started flow run heartbeat context"      # Prefect's DEBUG line when it starts them


def heartbeat_seconds():
    from prefect.settings import get_current_settings
    return get_current_settings().flows.heartbeat_frequency


@pytest.fixture
def no_server(monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings
    for name in ("PREFECT_API_URL", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY"):
        monkeypatch.delenv(name, raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        yield


def test_the_temporary_server_gets_no_heartbeats_and_they_come_back_after(no_server):
    default = heartbeat_seconds()
    assert default                                  # Prefect's default: on
    with run_settings():
        assert heartbeat_seconds() is None
    assert heartbeat_seconds() == default


def test_a_lasting_server_keeps_prefects_heartbeats(no_server):
    from prefect.settings import PREFECT_API_URL, temporary_settings
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        default = heartbeat_seconds()
        with run_settings():
            assert heartbeat_seconds() == default and default


@pytest.mark.parametrize("name", ["PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY"])
def test_heartbeats_an_operator_asked_for_stay(no_server, monkeypatch, name):
    monkeypatch.setenv(name, "60")       # read by Prefect when a process starts: here, left alone
    default = heartbeat_seconds()
    with run_settings():
        assert heartbeat_seconds() == default and default


def _servers_of(prefect_home: Path) -> list[int]:
    """Processes running with this PREFECT_HOME in their environment (a Prefect server)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"PREFECT_HOME={prefect_home}".encode() in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def test_tpbis_sync_starts_its_own_temporary_server_without_heartbeats(sheets_server, tmp_path, command_prefect_home):
    """The real command in a process of its own, Prefect logging at DEBUG: the run goes
    through Prefect's engine (its DEBUG lines are there) without starting heartbeats, on the
    temporary server the command started itself (tpbis.cli.prefect_server): Prefect does not
    start one, the command never imports Prefect's server (`-X importtime` lists every module
    it imports), and the server is gone when the command is."""
    villages = synthetic_registry(3, seed=5)
    for v in villages:
        sheets_server.put_workbook(synthetic_workbook(v, months=2, activities_per_month=1))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PREFECT_FLOWS_HEARTBEAT"))}
    env.update(TPBIS_SHEETS_API_URL=sheets_server.url, TPBIS_DRIVE_API_URL=sheets_server.url,
               TPBIS_REGISTRY=str(write_registry_csv(villages, tmp_path / "villages.csv")),
               TPBIS_WAREHOUSE=str(tmp_path / "tpbis.duckdb"), PREFECT_HOME=str(command_prefect_home),
               PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL="DEBUG",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tpbis.cli", "sync", "--verbose", "--quiet"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-3000:]
    assert "villages: 3 loaded" in said
    assert "DEBUG" in said and "flow run" in said       # Prefect's engine said what it did
    assert STARTED not in said
    assert "Starting temporary server" not in said      # Prefect's line when it starts its own
    assert "View at" not in said                        # no link to a server that serves no pages
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "prefect.flow_engine" in imported and "prefect.server.api.server" not in imported
    assert _servers_of(command_prefect_home) == []
