"""SIGTERM to a running `tpbis sync` (a real subprocess with its own temporary Prefect server):
it exits 3 with one line, leaves no child process behind (the temporary server used to
outlive it), and the published warehouse is the previous night's, whole; the next sync
completes and loads every village."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tpbis.settings import PROJECT_ROOT
from tpbis.sync.shutdown import child_pids
from tpbis.local_sheets.synthetic import synthetic_registry, synthetic_workbook, write_registry_csv
from tests.helpers import alive

BIN = Path(sys.executable).parent


def descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for child in child_pids(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def published(path: Path) -> list:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select kode_desa, month, visitors_total from report.monthly_visits order by all").fetchall()
    finally:
        con.close()


@pytest.mark.usefixtures("prefect_harness")
def test_sigterm_mid_sync_leaves_no_process_and_a_consistent_warehouse(sheets_server, tmp_path, monkeypatch,
                                                                       command_prefect_home):
    from flows.nightly_sync import nightly_sync
    villages = synthetic_registry(40, seed=11)
    for v in villages:
        sheets_server.put_workbook(synthetic_workbook(v, months=6, activities_per_month=2))
    registry = write_registry_csv(villages, tmp_path / "villages.csv")
    warehouse = tmp_path / "wh" / "tpbis.duckdb"
    settings = {"TPBIS_SHEETS_API_URL": sheets_server.url, "TPBIS_DRIVE_API_URL": sheets_server.url,
                "TPBIS_REGISTRY": str(registry), "TPBIS_WAREHOUSE": str(warehouse),
                "TPBIS_FULL_SWEEP_DAYS": "0", "TPBIS_CHUNK_SIZE": "10"}
    for k, v in settings.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("TPBIS_SHEETS_READS_PER_MINUTE", "100000")
    assert nightly_sync()["villages_loaded"] == 40                  # last night's good state
    before = published(warehouse)
    for v in villages:                                              # every sheet edited since
        wb = sheets_server.get_workbook(v["spreadsheet_key"])
        wb["sheets"][1]["rows"][-1][1] = 999
        sheets_server.put_workbook(wb)

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(settings, PREFECT_HOME=str(command_prefect_home), TPBIS_SHEETS_READS_PER_MINUTE="120",
               TPBIS_PROGRESS_EVERY="1", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    proc = subprocess.Popen([str(BIN / "tpbis"), "sync"], env=env, cwd=tmp_path, stdin=subprocess.DEVNULL,
                            stdout=out.open("wb"), stderr=err.open("wb"), start_new_session=True)
    try:
        deadline = time.monotonic() + 150
        while "sync progress: fetch 3/40" not in out.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, out.read_text() + err.read_text()
            time.sleep(0.2)
        assert "sync progress: fetch 3/40" in out.read_text(), err.read_text()
        children = descendants(proc.pid)
        assert children                                          # the temporary Prefect server, at least
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 3
        assert [line for line in err.read_text().splitlines() if line.startswith("Error:")] == \
            ["Error: tpbis sync stopped by SIGTERM; the published warehouse is unchanged, "
             "the next sync re-reads what was not loaded."]
        time.sleep(0.5)
        assert [pid for pid in children if alive(pid)] == []
        assert "sync done" not in out.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        for pid in descendants(proc.pid):
            os.kill(pid, signal.SIGKILL)

    assert published(warehouse) == before                     # readers still see last night, whole
    summary = nightly_sync()
    assert summary["status"] == "success" and summary["villages_loaded"] + summary["villages_unchanged"] == 40
    assert published(warehouse) != before
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(distinct kode_desa) from report.monthly_visits").fetchone() == (40,)
        assert con.execute("select count(*) from report.monthly_visits where visitors_total >= 999").fetchone()[0] >= 40
    finally:
        con.close()
