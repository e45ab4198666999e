"""A parse worker hands its batch to the loading process through a file in shared memory
(tpbis.sync.handover): the warehouse gets exactly the rows a pickled batch gives, nothing is
left behind, a full shelf falls back to pickling, and a killed run's shelf is swept."""
from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from tpbis.google.fetched import Workbook
from tpbis.local_sheets.synthetic import messy_workbook, synthetic_registry
from tpbis.local_sheets.workbook_format import UNFORMATTED, render_row
from tpbis.settings import Settings
from tpbis.sync import handover
from tpbis.sync.batches import Fetched, build_batch
from tpbis.sync.working_file import open_writer
from tpbis.warehouse import records, store
from transforms.reference import load_reference

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


def fetched(n: int) -> list[Fetched]:
    out = []
    for v in synthetic_registry(n, seed=8):
        tabs = {s["title"]: [render_row(row, UNFORMATTED, "in_ID") for row in s["rows"]]
                for s in messy_workbook(v, months=6, activities=40, seed=8)["sheets"]}
        body = json.dumps({"valueRanges": [{"values": rows} for rows in tabs.values()]}).encode()
        out.append(Fetched(v, workbook=Workbook.from_answer(v["spreadsheet_key"], body, list(tabs), 1, NOW.timestamp()),
                           reads=1))
    return out


@pytest.fixture(scope="module")
def batch():
    return build_batch("run-1", NOW, fetched(6), {}, load_reference())


def loaded(batch, path: Path) -> dict[str, list]:
    con = open_writer(Settings.from_env().with_(warehouse=path))
    records.start_run(con, "run-1", NOW, False)
    store.load_batch(con, batch)
    tables = [f"{s}.{t}" for s, t in con.execute(
        "select schema_name, table_name from duckdb_tables() where schema_name in ('raw', 'core') "
        "and table_name not in ('runs', 'meta', 'schema_migrations')").fetchall()]
    out = {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}
    con.close()
    return out


def test_a_shelved_batch_loads_the_rows_a_pickled_one_loads_and_leaves_nothing(batch, tmp_path):
    shelf = handover.Shelf(root=tmp_path)
    directory = shelf.open()
    shelved = handover.shelve(batch, directory)
    assert isinstance(shelved, handover.Shelved)
    assert len(pickle.dumps(shelved)) < len(pickle.dumps(batch)) / 10     # the rows stay out of the pipe
    taken = handover.take(pickle.loads(pickle.dumps(shelved)))            # as the pool hands it back
    assert os.listdir(directory) == []                                    # removed once mapped
    assert isinstance(taken.fetches, pa.Table) and taken.villages == batch.villages
    rows = loaded(taken, tmp_path / "shelved.duckdb")
    assert rows == loaded(pickle.loads(pickle.dumps(batch)), tmp_path / "pickled.duckdb")
    assert len(rows["core.activities"]) > 100 and len(rows["raw.payloads"]) == 6
    shelf.close()
    assert not Path(directory).exists()


def test_a_shelf_that_cannot_be_written_hands_the_batch_over_pickled(batch, tmp_path, monkeypatch):
    assert handover.shelve(batch, str(tmp_path / "gone")) is batch        # no directory (no /dev/shm)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(pa.ipc, "new_stream", full)                       # a full shelf, mid-way
    assert handover.shelve(batch, str(tmp_path)) is batch
    assert os.listdir(tmp_path) == []                                     # no half-written file


KILLED = """
import os, sys, time
from pathlib import Path
from tpbis.sync import handover
print(handover.Shelf(root=Path(sys.argv[1])).open(), flush=True)
time.sleep(60)
"""


def test_the_shelf_of_a_killed_run_is_swept_by_the_next_and_a_living_ones_kept(tmp_path):
    killed = subprocess.Popen([sys.executable, "-c", KILLED, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    left = Path(killed.stdout.readline().strip())
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(10)
    assert left.is_dir() and left.parent == tmp_path
    (left / "batch.arrows").write_bytes(b"x" * 1000)                    # what a killed run left
    living = handover.Shelf(root=tmp_path)
    mine = Path(living.open())
    assert not left.exists() and mine.is_dir()
    other = handover.Shelf(root=tmp_path)                                  # another run, alive
    assert Path(other.open()).is_dir() and mine.is_dir()
    other.close()
    living.close()
    assert list(tmp_path.iterdir()) == []


def test_a_sync_with_parse_workers_leaves_no_shelf_behind(tmp_path):
    """The real sync (parse workers, /dev/shm): afterwards no shelf of its process is left."""
    if not handover.SHARED_MEMORY.is_dir():
        pytest.skip("no /dev/shm on this machine: batches are pickled (the other tests cover it)")
    script = """
import os, sys
from tpbis.sync import handover, pipeline
from tpbis.sync.progress import Tracker
from tests.sync.test_handover import fetched, NOW
from transforms.reference import load_reference
from pathlib import Path
assert pipeline.warm_up(1000, 10)
seen = []
def load(batch):
    seen.append((type(batch.fetches).__name__, sorted(os.listdir(handover.SHARED_MEMORY))))
chunks = [fetched(2), fetched(2), fetched(2)]
pipeline.parse_and_load(iter(chunks), run_id="r", started=NOW, state={}, ref=load_reference(),
                        skipped=lambda: [], load=load, tracker=Tracker("sync", 0), workers_ready=True)
mine = [p for p in os.listdir(handover.SHARED_MEMORY) if p.startswith(f"tpbis-{os.getpid()}-")]
print(seen[0][0], any(f"tpbis-{os.getpid()}-" in " ".join(names) for _, names in seen), mine)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Table", "True", "[]"]      # through the shelf, then removed
