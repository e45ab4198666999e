"""`load_batch`'s first load of a village (no current row in a table: one plain insert, no
closing, no anti join) writes exactly the history the replace path writes, and a reload of the
same villages then changes nothing. Real DuckDB files, no Google (workbooks built here)."""
from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
import pytest

from tpbis.google.fetched import Workbook
from tpbis.sync.batches import Fetched, build_batch
from tpbis.warehouse import store
from tpbis.warehouse.workfile import open_working_file
from transforms.reference import load_reference

T1 = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 11, 21, 18, 0, tzinfo=timezone.utc)
KUNJUNGAN = ["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"]
KEGIATAN = ["Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Peserta Laki-laki", "Peserta Perempuan"]
TABLES = list(store.HISTORIED)


def village(n: int) -> dict:
    return {"kode_desa": f"14.03.02.200{n}", "spreadsheet_key": f"key{n}", "desa": f"Desa {n}",
            "kecamatan": "Bantan", "kabupaten": "Bengkalis", "modified_time": None}


def fetched(n: int, visitors: int, when: datetime) -> Fetched:
    book = {"Kunjungan": [KUNJUNGAN, ["Oktober 2026", visitors, 3], ["November 2026", 4, 5],
                          ["Desember 2025", -1, 1]],                 # rejected: a negative count
            "Kegiatan": [KEGIATAN, ["13/10/2026", "Dongeng", "Literasi", 2, 3],
                         ["13/10/2026", "Dongeng", "Literasi", 2, 3]]}    # the same row twice
    return Fetched(village(n), workbook=Workbook(f"key{n}", book, reads=1, fetched_at=when.timestamp()), reads=1)


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def history(con) -> dict[str, list[tuple]]:
    """Every version of every historied table, history columns included, in a stable order."""
    return {table: sorted(con.execute(f"select * from core.{table}").fetchall(), key=repr) for table in TABLES}


def sync_twice(path, ref, *, replace_path_only: bool, monkeypatch) -> dict[str, list[tuple]]:
    if replace_path_only:       # the path every load took before the first-load insert existed
        monkeypatch.setattr(store, "_tables_with_current_rows", lambda con: set(TABLES))
    con = open_working_file(path)
    try:
        store.load_batch(con, build_batch("run-1", T1, [fetched(1, 6, T1), fetched(2, 7, T1)], {}, ref))
        # village 1 edited one cell, village 2 re-read unchanged, village 3 new
        store.load_batch(con, build_batch("run-2", T2, [fetched(1, 9, T2), fetched(2, 7, T2), fetched(3, 1, T2)],
                                          {}, ref))
        return history(con)
    finally:
        con.close()
        monkeypatch.undo()


def test_first_load_writes_the_same_history_as_the_replace_path(tmp_path, ref, monkeypatch):
    fast = sync_twice(tmp_path / "fast.duckdb", ref, replace_path_only=False, monkeypatch=monkeypatch)
    slow = sync_twice(tmp_path / "slow.duckdb", ref, replace_path_only=True, monkeypatch=monkeypatch)
    assert fast == slow
    assert len(fast["activities"]) == 6          # two identical rows per village, each kept


def test_a_reload_of_first_loaded_villages_changes_nothing_and_an_edit_closes_one_version(tmp_path, ref):
    con = open_working_file(tmp_path / "w.duckdb")
    try:
        store.load_batch(con, build_batch("run-1", T1, [fetched(1, 6, T1), fetched(2, 7, T1)], {}, ref))
        first = history(con)
        assert all(first[t] for t in ("visits", "activities", "rejections", "tab_counts"))
        # the hashes the first load stored are the ones the replace path and a re-hash compute
        for table, columns in store.HISTORIED.items():
            exprs = store._hash_exprs(con, table, columns)
            assert con.execute(f"select count(*) from core.{table} where row_hash <> hash({', '.join(exprs)})"
                               ).fetchone() == (0,)

        store.load_batch(con, build_batch("run-2", T2, [fetched(1, 6, T2), fetched(2, 7, T2)], {}, ref))
        assert history(con) == first                 # same cells: no version opened or closed

        store.load_batch(con, build_batch("run-3", T2, [fetched(1, 9, T2)], {}, ref))
        closed = con.execute("""select kode_desa, visitors_male, valid_from, valid_to, replaced_run
            from core.visits where valid_to is not null""").fetchall()
        assert closed == [("14.03.02.2001", 6, T1, T2, "run-3")]
        current = con.execute("""select kode_desa, visitors_male, loaded_run from core.visits
            where valid_to is null and month = date '2026-10-01' order by kode_desa""").fetchall()
        assert current == [("14.03.02.2001", 9, "run-3"), ("14.03.02.2002", 7, "run-1")]
    finally:
        con.close()


def busy_village(n: int, when: datetime) -> Fetched:
    """A village with 60 activities of a few kinds: its text columns cross dictionary-encoded."""
    kinds = ["Literasi", "Pelatihan Keterampilan", "TIK"]
    rows = [KEGIATAN] + [[f"{1 + i % 28}/10/2026", f"Kegiatan {i % 7}", kinds[i % 3], 1 + i % 4, 2] for i in range(60)]
    book = {"Kunjungan": [KUNJUNGAN, ["Oktober 2026", n, 3]], "Kegiatan": rows}
    return Fetched(village(n), workbook=Workbook(f"key{n}", book, reads=1, fetched_at=when.timestamp()), reads=1)


def test_a_batch_pickled_as_it_leaves_a_parse_worker_loads_the_same_history(tmp_path, ref):
    import pickle
    from multiprocessing.reduction import ForkingPickler

    def load(path, crossing: bool) -> dict[str, list[tuple]]:
        con = open_working_file(path)
        try:
            for run, when, visitors in (("run-1", T1, 6), ("run-2", T2, 9)):
                batch = build_batch(run, when, [fetched(1, visitors, when), busy_village(2, T1)], {}, ref)
                if crossing:
                    batch = pickle.loads(ForkingPickler.dumps(batch))
                    assert isinstance(batch.tables["activities"]["kode_desa"].type, pa.DictionaryType)
                store.load_batch(con, batch)
            return history(con)
        finally:
            con.close()

    assert load(tmp_path / "crossed.duckdb", True) == load(tmp_path / "direct.duckdb", False)
