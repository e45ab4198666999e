"""Parse workers: forked from a fork server started early (tpbis.sync.pipeline.warm_up), they
parse a run's chunks into the same rows as one chunk parsed on a thread, and they do not
outlive the sync's process (their parent is the fork server, not the sync)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tpbis.sync import pipeline
from tests.helpers import alive

ROOT = Path(__file__).resolve().parents[2]
VIEWS = ["monthly_visits", "activities", "benefits", "partners", "rejected_rows", "quarterly_indicators"]


def rows(warehouse: Path) -> dict[str, list]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for view in VIEWS:
            columns = [c for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'report' and table_name = ?",
                [view]).fetchall() if c not in ("run_id", "loaded_run", "valid_from", "fetched_at")]
            assert columns, view
            quoted = ", ".join('"' + c + '"' for c in columns)
            out[view] = con.execute(f"select {quoted} from report.{view} order by all").fetchall()
        return out
    finally:
        con.close()


def test_workers_are_wanted_only_when_the_registry_holds_more_than_two_chunks():
    assert pipeline.warm_up(villages=400, chunk_size=200) is False
    assert pipeline.warm_up(villages=10, chunk_size=5) is False
    assert pipeline.warm_up(villages=11, chunk_size=5) is (pipeline.PARSE_PROCESSES > 1)


@pytest.mark.usefixtures("prefect_harness")
def test_chunks_parsed_by_forked_workers_load_the_rows_of_one_chunk_on_a_thread(sync_env, tmp_path, monkeypatch):
    from flows.nightly_sync import nightly_sync
    monkeypatch.setenv("TPBIS_CHUNK_SIZE", "500")          # the 17 sample villages in one chunk: a thread
    one = nightly_sync()
    monkeypatch.setenv("TPBIS_CHUNK_SIZE", "4")            # 5 chunks: workers forked from the fork server
    workers = tmp_path / "workers" / "tpbis.duckdb"
    several = nightly_sync(warehouse_path=str(workers))
    assert one["villages_loaded"] == several["villages_loaded"] == 17
    assert (several["rows_loaded"], several["rows_rejected"]) == (one["rows_loaded"], one["rows_rejected"])
    assert rows(workers) == rows(sync_env)


WORKER_SCRIPT = """
import os, time
from tpbis.sync import pipeline
assert pipeline.warm_up(1000, 10)
pool, n = pipeline.parser(2)
busy = [pool.submit(time.sleep, 0.5) for _ in range(n)]           # a worker starts per task waiting
[f.result() for f in busy]
print(" ".join(map(str, sorted(pool._processes))), flush=True)
time.sleep(600)
"""


def test_workers_exit_when_the_syncs_process_is_killed(tmp_path):
    if pipeline.PARSE_PROCESSES < 2:
        pytest.skip("one core: parses run on a thread, there are no workers")
    proc = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 2 and proc.pid not in pids
        assert all(alive(pid) for pid in pids)               # working, a second after they started
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in pids if alive(pid)] == []
    finally:
        if proc.poll() is None:
            proc.kill()
