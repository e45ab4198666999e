"""The temporary Prefect server a command starts itself (tpbis.cli.prefect_server) is started
only when Prefect has no API URL: named in the environment, nothing starts; named by a profile
or a settings file (read after the start, to win ~1.3 s), the server started meanwhile is
stopped again and the command uses the configured one. A server that cannot start is one
line and exit 3; a port taken meanwhile is left for another. The server's boot, use and exit
with a whole sync are tested end to end in tests/cli/test_run_settings.py (the real command)."""
from __future__ import annotations

import pytest

from tpbis.cli import prefect_server
from tpbis.sync.shutdown import child_pids

LASTING = "http://127.0.0.1:4200/api"


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(prefect_server, "_started", None)
    before = set(child_pids())
    yield
    assert set(child_pids()) - before == set()         # nothing left running


def test_an_api_url_in_the_environment_starts_nothing(fresh, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", LASTING)
    launched = []
    monkeypatch.setattr(prefect_server.TemporaryServer, "_launch", lambda self: launched.append(self))
    assert prefect_server.start_if_needed() is None
    assert launched == []


def test_an_api_url_from_prefects_settings_stops_the_server_started_meanwhile(fresh, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    launched = []
    real = prefect_server.TemporaryServer._launch
    monkeypatch.setattr(prefect_server.TemporaryServer, "_launch", lambda self: (real(self), launched.append(self)))
    with temporary_settings(updates={PREFECT_API_URL: LASTING}):        # as a profile would
        assert prefect_server.start_if_needed() is None
    assert len(launched) == 1 and launched[0].process is None            # it was started, and stopped


def test_a_forbidden_temporary_server_is_stopped_too(fresh, monkeypatch):
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(updates={PREFECT_SERVER_EPHEMERAL_ENABLED: False}, restore_defaults={PREFECT_API_URL}):
        assert prefect_server.start_if_needed() is None


def test_a_server_that_cannot_start_is_one_line_and_exit_3(sheets_server, tmp_path):
    """Its database unusable: the command says so in one line, with the server's own reason,
    and exits 3 (could not run) at once, instead of relaunching it until the start-up
    timeout; the server's traceback is not shown without --verbose; nothing is left running."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    from tpbis.local_sheets.synthetic import synthetic_registry, synthetic_workbook, write_registry_csv
    villages = synthetic_registry(1, seed=3)
    sheets_server.put_workbook(synthetic_workbook(villages[0], months=1, activities_per_month=1))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(TPBIS_SHEETS_API_URL=sheets_server.url, TPBIS_DRIVE_API_URL=sheets_server.url,
               TPBIS_REGISTRY=str(write_registry_csv(villages, tmp_path / "villages.csv")),
               TPBIS_WAREHOUSE=str(tmp_path / "tpbis.duckdb"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path}/missing/dir/prefect.db")
    done = subprocess.run([str(Path(sys.executable).parent / "tpbis"), "sync", "--quiet"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines() == [
        "Error: the temporary Prefect server stopped before it answered (exit status 3): "
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) unable to open database file"]
    assert done.stdout == ""
    assert not (tmp_path / "tpbis.duckdb").exists()


def test_a_port_taken_meanwhile_is_left_for_another(fresh, monkeypatch, command_prefect_home):
    """The port picked was free a moment before; should another program take it before the
    server binds it, the server is started again on another port, and answers there."""
    import socket
    import urllib.request
    monkeypatch.setenv("PREFECT_HOME", str(command_prefect_home))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = iter([taken.getsockname()[1], prefect_server._free_port()])
        monkeypatch.setattr(prefect_server, "_free_port", lambda: next(ports))
        server = prefect_server.TemporaryServer()
        try:
            server.wait_ready(timeout=120)
            assert server.port != taken.getsockname()[1]
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(f"{server.api_url}/health", timeout=10) as answer:
                assert answer.status == 200
        finally:
            server.stop()
