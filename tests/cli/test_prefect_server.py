"""The temporary Prefect server a command starts itself (tpbis.cli.prefect_server) is started
only when Prefect has no API URL: named in the environment, nothing starts; named by a profile
or a settings file (read after the start, to win ~1.3 s), the server started meanwhile is
stopped again and the command uses the configured one. The server's boot, use and exit are
tested end to end in tests/cli/test_run_settings.py (the real command)."""
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
