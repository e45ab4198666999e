"""Parse workers: forked from a fork server started early (tpbis.sync.pipeline.warm_up), they
parse a run's chunks into the same rows as one chunk parsed on a thread, and they do not
outlive the sync's process (their parent is the fork server, not the sync)."""
from __future__ import annotations

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


def test_a_parse_worker_runs_the_tpbis_script_without_importing_the_command_line():
    """A parse worker runs its sync's main module again, as multiprocessing's spawn does
    (`_fixup_main_from_path`; CPython 3.11's fork server never preloads it). For the `tpbis`
    command that module is its console script: it must import only the tpbis.cli package,
    not Typer, Rich and every command (tpbis.cli.run)."""
    script = Path(sys.executable).with_name("tpbis")
    assert script.is_file(), "the tpbis console script is installed next to the interpreter"
    code = ("import sys; from multiprocessing import spawn; spawn._fixup_main_from_path(sys.argv[1]); "
            "print(sorted(m for m in ('typer', 'rich', 'click', 'tpbis.cli.main') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


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


LEAN_SCRIPT = """
import json, os, time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from tpbis.google.fetched import Workbook
from tpbis.sync import pipeline
from tpbis.sync.batches import Fetched
from transforms.reference import load_reference
assert pipeline.warm_up(1000, 10)
pool = ProcessPoolExecutor(1, mp_context=pipeline._fork_server(), initializer=pipeline._exit_with_parent,
                           initargs=(os.getpid(), load_reference()))
answer = json.dumps({"valueRanges": [
    {"values": [["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"], ["Oktober 2026", 3, 4]]},
    {"values": [["Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Peserta Laki-laki", "Peserta Perempuan"],
                ["13/10/2026", "Dongeng", "Literasi", 2, 3]]}]}).encode()
village = {"kode_desa": "14.03.02.2001", "spreadsheet_key": "k1", "desa": "Desa", "modified_time": None}
fetched = [Fetched(village, workbook=Workbook.from_answer("k1", answer, ["Kunjungan", "Kegiatan"], 1, time.time()), reads=1)]
batch = pool.submit(pipeline._build_batch, "run", datetime.now(timezone.utc), fetched, {}, None).result()
heavy = ("gspread", "requests", "google", "prefect", "typer")
loaded = pool.submit(eval, f"sorted({{m.split('.')[0] for m in __import__('sys').modules}} & {set(heavy)!r})").result()
print(json.dumps({"villages": batch.villages, "visits": len(batch.tables["visits"]), "loaded": loaded}))
pool.shutdown()
"""


def test_a_parse_worker_imports_no_fetching_library():
    """A parse worker, forked from the fork server, unpickles fetched workbooks and parses
    them without gspread, requests, google-auth or Prefect (tpbis.google.fetched,
    tpbis.sync.batches): their imports would cost every sync that parses in workers ~0.2 s
    of CPU in the fork server."""
    import json
    if pipeline._fork_server() is None:
        pytest.skip("no fork server on this platform: workers are spawned")
    done = subprocess.run([sys.executable, "-c", LEAN_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.splitlines()[-1])
    assert said["villages"] == ["14.03.02.2001"] and said["visits"] == 1     # it did parse
    assert said["loaded"] == []


GC_SCRIPT = """
import gc, json, os, time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from tpbis.google.fetched import Workbook
from tpbis.sync import pipeline
from tpbis.sync.batches import Fetched
from transforms.reference import load_reference
assert pipeline.warm_up(1000, 10)
pool = ProcessPoolExecutor(1, mp_context=pipeline._fork_server(), initializer=pipeline._exit_with_parent,
                           initargs=(os.getpid(), load_reference()))
rows = [["13/10/2026", f"Kegiatan {i}", "Literasi", i % 7, i % 5] for i in range(120000)]
answer = json.dumps({"valueRanges": [
    {"values": [["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"], ["Oktober 2026", 3, 4]]},
    {"values": [["Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Peserta Laki-laki", "Peserta Perempuan"], *rows]}]}).encode()
village = {"kode_desa": "14.03.02.2001", "spreadsheet_key": "k1", "desa": "Desa", "modified_time": None}
fetched = [Fetched(village, workbook=Workbook.from_answer("k1", answer, ["Kunjungan", "Kegiatan"], 1, time.time()), reads=1)]
in_worker = lambda code: pool.submit(eval, code).result()
in_worker("[__import__('builtins').__dict__.__setitem__('_collections', []), __import__('gc').callbacks.append("
          "lambda phase, info: phase == 'start' and _collections.append(info['generation']))]")
# cyclic garbage left behind in the worker: a function that refers to itself
in_worker("(lambda f: (setattr(f, 'me', f), __import__('builtins').__dict__.__setitem__("
          "'_cycle', __import__('weakref').ref(f))))(lambda: None)")
idle = in_worker("_cycle() is not None")
batch = pool.submit(pipeline._build_batch, "run", datetime.now(timezone.utc), fetched, {}, None).result()
print(json.dumps({"read": int(batch.village_runs["rows_read"][0]), "idle": idle,
                  "collected": in_worker("_cycle() is None"), "collections": in_worker("_collections")}))
pool.shutdown()
"""


def test_a_parse_worker_collects_cyclic_garbage_once_per_chunk_never_while_it_parses():
    """A chunk's cells are millions of objects alive until it is parsed; the cyclic collector
    walking them amid a parse cost ~7 % of the workers' CPU. It runs when a chunk starts
    instead, and garbage from the chunk before (a cycle here) is still collected then."""
    import json
    if pipeline._fork_server() is None:
        pytest.skip("no fork server on this platform: workers are spawned")
    done = subprocess.run([sys.executable, "-c", GC_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.splitlines()[-1])
    assert said["read"] == 120001                    # it parsed: 120,000 rows, more lists than a gen-0 threshold
    assert said["idle"] is True                      # nothing collects an idle worker's cycle...
    assert said["collected"] is True                 # ...until the next chunk starts
    assert said["collections"] == [2]                # one full collection, at its start


THREADS_SCRIPT = """
import json, os
from concurrent.futures import ProcessPoolExecutor
from tpbis.sync import pipeline
import numpy
threads = len(os.listdir("/proc/self/task"))        # before this process starts any of its own
assert pipeline.warm_up(1000, 10)
with ProcessPoolExecutor(1, mp_context=pipeline._fork_server()) as pool:
    in_worker = pool.submit(os.getenv, "OPENBLAS_NUM_THREADS").result()
print(json.dumps({"threads": threads, "setting": os.environ.get("OPENBLAS_NUM_THREADS"), "in_worker": in_worker}))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads are counted in /proc (Linux)")
def test_the_sync_and_its_parse_workers_run_no_openblas_threads_unless_the_operator_asks():
    """OpenBLAS starts a thread per core that spins ~0.1 s of CPU after numpy is imported:
    importing tpbis sets OPENBLAS_NUM_THREADS=1 first (nothing here multiplies matrices), for
    the sync's process and the fork server and workers it starts. (The fork server's own
    threads are not counted: OpenBLAS stops them at each fork.) An operator's setting is kept."""
    import json
    import os
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}

    def counts(extra: dict) -> dict:
        done = subprocess.run([sys.executable, "-c", THREADS_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                              timeout=120, env={**env, **extra})
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.splitlines()[-1])

    lean = counts({})
    assert lean["setting"] == lean["in_worker"] == "1"
    if (os.cpu_count() or 1) >= 2:      # OpenBLAS starts no second thread on one core
        # (other threads, pyarrow's allocator's for one, are there in both)
        asked = counts({"OPENBLAS_NUM_THREADS": "2"})
        assert asked["setting"] == asked["in_worker"] == "2" and asked["threads"] == lean["threads"] + 1
