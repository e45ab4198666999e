"""Shared fixtures: one Prefect test harness per session, a real local Sheets server per
test, and the sample workbooks. Nothing here mocks gspread or DuckDB."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest

from tpbis.settings import CONFIG_DIR


@pytest.fixture(scope="session")
def prefect_harness():
    """Prefect's own test harness (a temporary database), started once: ~20 s."""
    from prefect.testing.utilities import prefect_test_harness
    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def command_prefect_home(tmp_path_factory) -> Path:
    """PREFECT_HOME for `tpbis sync` run as a command in a process of its own, on its temporary
    Prefect server: one per session, so that the server's database is created and migrated
    once (~9 s), not by every such test."""
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="session")
def sample_files(tmp_path_factory) -> Path:
    """The 17 sample workbooks, generated once per session."""
    from tpbis.local_sheets import sample
    return sample.sample_dir(tmp_path_factory.mktemp("sample") / "sheets")


@pytest.fixture
def sheets_server(sample_files, tmp_path):
    """A fresh local Sheets server serving a private copy of the sample."""
    from tpbis.local_sheets.server import SheetsServer
    data = tmp_path / "sheets"
    shutil.copytree(sample_files, data)
    with SheetsServer(data_dir=data) as server:
        yield server


@pytest.fixture
def local_sheets_env(sheets_server, monkeypatch):
    """The Sheets and Drive APIs pointed at the local server, with a fast quota and back-off."""
    monkeypatch.setenv("TPBIS_SHEETS_API_URL", sheets_server.url)
    monkeypatch.setenv("TPBIS_DRIVE_API_URL", sheets_server.url)
    monkeypatch.setenv("TPBIS_SHEETS_READS_PER_MINUTE", "100000")
    monkeypatch.setenv("TPBIS_BACKOFF_SECONDS", "0.01")
    return sheets_server


@pytest.fixture
def sync_env(local_sheets_env, tmp_path, monkeypatch):
    """Environment for a sync against the local server (local_sheets_env), into a new warehouse."""
    monkeypatch.setenv("TPBIS_WAREHOUSE", str(tmp_path / "wh" / "tpbis.duckdb"))
    monkeypatch.setenv("TPBIS_REGISTRY", str(CONFIG_DIR / "villages.csv"))
    monkeypatch.setenv("TPBIS_FULL_SWEEP_DAYS", "0")
    return tmp_path / "wh" / "tpbis.duckdb"
