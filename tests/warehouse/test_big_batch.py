"""A batch big enough to be written straight into the working file (more rows for one table
than a row group of the working file holds: DuckDB's "optimistic writes", no copy in the
WAL) is as durable as any other: committed, then the process dies without a checkpoint or a
close, and the next open has every row, and its history, and the next reload changes nothing.
Real DuckDB files, a real killed process."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime, timezone

from tpbis.google.fetched import Workbook
from tpbis.sync.batches import Fetched, build_batch
from tpbis.warehouse import store
from tpbis.warehouse.workfile import ROW_GROUP_SIZE, open_working_file
from transforms.reference import load_reference

KEGIATAN = ["Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Peserta Laki-laki", "Peserta Perempuan"]
ROWS = ROW_GROUP_SIZE + 5_000
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)

LOAD_AND_DIE = textwrap.dedent("""
    import os, sys
    sys.path[:0] = [{root!r}]
    from tests.warehouse.test_big_batch import big_batch
    from tpbis.warehouse import store
    from tpbis.warehouse.workfile import open_working_file
    con = open_working_file(__import__("pathlib").Path({path!r}))
    store.load_batch(con, big_batch("run-1"))
    os._exit(0)          # no close, no checkpoint: what SIGKILL leaves
""")


def big_batch(run_id: str) -> store.Batch:
    village = {"kode_desa": "14.03.02.2001", "spreadsheet_key": "key1", "desa": "Desa 1",
               "kecamatan": "Bantan", "kabupaten": "Bengkalis", "modified_time": None}
    rows = [KEGIATAN] + [[f"{1 + i % 28}/10/2026", f"Kegiatan {i}", "Literasi", i % 7, 1] for i in range(ROWS)]
    visits = [["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"], ["Oktober 2026", 5, 6]]
    book = Workbook("key1", {"Kunjungan": visits, "Kegiatan": rows}, reads=1, fetched_at=NOW.timestamp())
    return build_batch(run_id, NOW, [Fetched(village, workbook=book, reads=1)], {}, load_reference())


def test_a_big_batch_survives_a_process_dying_right_after_its_commit(tmp_path):
    path = tmp_path / "w.duckdb"
    open_working_file(path).close()
    root = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", LOAD_AND_DIE.format(root=root, path=str(path))],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    con = open_working_file(path)
    try:
        assert con.execute("""select count(*), count(distinct title), min(loaded_run), max(loaded_run),
            count(valid_to) from core.activities""").fetchone() == (ROWS, ROWS, "run-1", "run-1", 0)
        assert con.execute("select count(*) from raw.payloads").fetchone() == (1,)
        store.load_batch(con, big_batch("run-2"))         # the same cells again: no new version
        assert con.execute("select count(*), count(valid_to) from core.activities").fetchone() == (ROWS, 0)
    finally:
        con.close()
