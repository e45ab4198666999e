"""raw.fetches keeps every fetch; raw.payloads each distinct payload once, whether it repeats
inside a chunk (two villages' identical sheets), across chunks and nights (a sheet back to an
earlier content), or was landed long ago (found through the primary key's index:
sql/load/landed_payloads.sql). Real DuckDB files, workbooks built here."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from tpbis.google.fetched import Workbook
from tpbis.sync.batches import Fetched, build_batch
from tpbis.warehouse import store
from tpbis.warehouse.workfile import open_working_file
from transforms.reference import load_reference

T1 = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 11, 21, 18, 0, tzinfo=timezone.utc)


def fetched(n: int, visitors: int, when: datetime) -> Fetched:
    village = {"kode_desa": f"14.03.02.200{n}", "spreadsheet_key": f"key{n}", "desa": f"Desa {n}",
               "kecamatan": "Bantan", "kabupaten": "Bengkalis", "modified_time": None}
    book = {"Kunjungan": [["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"], ["Oktober 2026", visitors, 3]],
            "Kegiatan": [["Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Peserta Laki-laki", "Peserta Perempuan"],
                         ["13/10/2026", "Dongeng", "Literasi", 2, 3]]}
    return Fetched(village, workbook=Workbook(f"key{n}", book, reads=1, fetched_at=when.timestamp()), reads=1)


def landed(con) -> tuple[int, list[tuple]]:
    fetches = con.execute("select count(*) from raw.fetches").fetchall()[0][0]
    payloads = con.execute("select content_hash, count(*) from raw.payloads group by all order by all").fetchall()
    return fetches, payloads


def test_each_distinct_payload_lands_once_and_every_fetch_is_logged(tmp_path):
    ref = load_reference()
    con = open_working_file(tmp_path / "w.duckdb")
    try:
        first = build_batch("run-1", T1, [fetched(1, 6, T1), fetched(2, 6, T1)], {}, ref)   # identical sheets
        assert first.fetches["content_hash"].nunique() == 1
        store.load_batch(con, first)
        fetches, payloads = landed(con)
        assert fetches == 2 and [n for _, n in payloads] == [1]
        old = payloads[0][0]

        # the next night: village 1 edited, village 3 typed what 1 and 2 had (landed already),
        # village 2 back to it as well, in two chunks
        store.load_batch(con, build_batch("run-2", T2, [fetched(1, 9, T2), fetched(3, 6, T2)], {}, ref))
        store.load_batch(con, build_batch("run-2", T2, [fetched(2, 6, T2)], {}, ref))
        fetches, payloads = landed(con)
        assert fetches == 5 and len(payloads) == 2 and all(n == 1 for _, n in payloads)
        assert old in {h for h, _ in payloads}
        assert con.execute("select count(distinct content_hash) from raw.fetches").fetchall() == [(2,)]
        assert con.execute("""select count(*) from raw.fetches f anti join raw.payloads p using (content_hash)"""
                           ).fetchall() == [(0,)]      # every fetch's cells can be replayed
    finally:
        con.close()


@pytest.mark.parametrize("odd", ["it's", "a\\b", "'); drop table raw.payloads; --"])
def test_a_hash_is_looked_up_as_a_value_whatever_it_holds(tmp_path, odd):
    """Hashes are the sync's own SHA-256 hex digests, but the look-up quotes them as values."""
    con = open_working_file(tmp_path / "w.duckdb")
    try:
        def batch(run_id: str) -> store.Batch:
            fetches = pd.DataFrame({"run_id": [run_id], "run_started_at": [T1], "spreadsheet_key": ["key1"],
                                    "kode_desa": ["14.03.02.2001"], "fetched_at": [T1], "modified_time": [None],
                                    "content_hash": [odd], "sheets_reads": [1], "payload": ['{"Kunjungan":[]}']})
            return store.Batch(run_id=run_id, now=T1, fetches=fetches, villages=[], tables={},
                               state=pd.DataFrame(), village_runs=pd.DataFrame())
        store.load_batch(con, batch("run-1"))
        store.load_batch(con, batch("run-2"))           # the same hash again: looked up, not landed twice
        assert landed(con) == (2, [(odd, 1)])
    finally:
        con.close()
