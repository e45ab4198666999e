"""One settings object: every TPBIS_* variable is read by `Settings`, and a value that cannot be
read is one line naming the variable (exit 2), not Python's `invalid literal for int()`."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tpbis.cli.main import app
from tpbis.errors import UsageError
from tpbis.settings import Settings


@pytest.mark.parametrize("name, value", [
    ("TPBIS_FETCH_WORKERS", "abc"), ("TPBIS_CHUNK_SIZE", "1.5"), ("TPBIS_SHEETS_READS_PER_MINUTE", "fast"),
    ("TPBIS_MAX_ATTEMPTS", "six"), ("TPBIS_ALERT_FAILED_NIGHTS", "3 nights"), ("TPBIS_PROGRESS_SECONDS", "1m"),
    ("TPBIS_MAX_REMOVED_SHARE", "10%"),
])
def test_an_unreadable_number_names_its_variable(name, value):
    with pytest.raises(UsageError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(f"{name}={value!r} must be ")


def test_every_variable_that_used_to_be_read_elsewhere_is_a_setting():
    s = Settings.from_env({"TPBIS_TASK_RUNNER": " Dask ", "TPBIS_DASK_ADDRESS": "tcp://10.0.0.2:8786",
                           "TPBIS_GLOBAL_RATE_LIMIT": "tpbis-reads", "TPBIS_ALERT_WEBHOOK_URL": "http://127.0.0.1:1/x",
                           "TPBIS_ALERT_BLOCK": "slack-webhook/tpbis", "TPBIS_ALERT_FAILED_NIGHTS": "0",
                           "TPBIS_USERS": "/srv/tpbis/users.json", "TPBIS_PORTAL_CACHE": "/srv/tpbis/cache",
                           "TPBIS_PORTAL_TRUSTED_PROXIES": " 10.0.0.1, ,10.0.0.2 "})
    assert (s.task_runner, s.dask_address, s.global_rate_limit) == ("dask", "tcp://10.0.0.2:8786", "tpbis-reads")
    assert (s.alert_webhook_url, s.alert_block, s.alert_failed_nights) == ("http://127.0.0.1:1/x", "slack-webhook/tpbis", 1)
    assert (s.users_file, s.portal_cache) == (Path("/srv/tpbis/users.json"), Path("/srv/tpbis/cache"))
    assert s.trusted_proxies == frozenset({"10.0.0.1", "10.0.0.2"})
    d = Settings.from_env({})
    assert (d.task_runner, d.dask_address, d.global_rate_limit, d.alert_failed_nights) == ("threads", None, None, 3)
    assert (d.users_file, d.portal_cache, d.trusted_proxies) == (Path("data/users.json"), Path("data/portal-cache"),
                                                                 frozenset())


def test_sync_with_an_unreadable_setting_exits_2_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TPBIS_FETCH_WORKERS", "abc")
    result = CliRunner().invoke(app, ["sync", "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines == ["Error: TPBIS_FETCH_WORKERS='abc' must be a whole number (default 8)"]
    assert not (tmp_path / "w.duckdb").exists()
