"""`build_batch` without Prefect, Google or DuckDB: what one transaction of a sync writes for a
fetched workbook, a re-read unchanged one, a failed fetch and an unreadable sheet."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from tpbis.google.fetched import FetchError, Workbook
from tpbis.sync.batches import Fetched, build_batch
from transforms.reference import load_reference

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
FETCHED_AT = datetime(2026, 11, 20, 18, 5, tzinfo=timezone.utc).timestamp()
KUNJUNGAN = ["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"]
KEGIATAN = ["Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Peserta Laki-laki", "Peserta Perempuan"]


def village(n: int) -> dict:
    return {"kode_desa": f"14.03.02.200{n}", "spreadsheet_key": f"key{n}", "desa": f"Desa {n}",
            "kecamatan": "Bantan", "kabupaten": "Bengkalis", "modified_time": "2026-11-20T10:00:00.000Z"}


def workbook(key: str, visitors: int) -> Workbook:
    return Workbook(key, {"Kunjungan": [KUNJUNGAN, ["Oktober 2026", visitors, 3], ["November 2026", 4, 5]],
                          "Kegiatan": [KEGIATAN, ["13/10/2026", "Dongeng", "Literasi", 2, 3]]},
                    reads=1, fetched_at=FETCHED_AT)


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def test_each_kind_of_fetch_lands_in_the_batch_as_the_province_reads_it(ref):
    loaded, unchanged, failed, unreadable, skipped = (village(n) for n in range(1, 6))
    same = workbook("key2", 7)
    fetched = [
        Fetched(loaded, workbook=workbook("key1", 6), reads=1),
        Fetched(unchanged, workbook=same, reads=1),
        Fetched(failed, error=FetchError("not_shared", "Spreadsheet belum dibagikan", 403), reads=1),
        Fetched(unreadable, workbook=Workbook("key4", {"Kegiatan": [KEGIATAN]}, reads=1, fetched_at=FETCHED_AT),
                reads=1),
    ]
    state = {"key2": ("2026-11-19T10:00:00.000Z", same.content_hash)}   # loaded before, same cells

    batch = build_batch("run-1", NOW, fetched, state, ref, skipped=[skipped])

    runs = batch.village_runs.set_index("kode_desa")
    assert runs["status"].to_dict() == {loaded["kode_desa"]: "loaded", unchanged["kode_desa"]: "unchanged",
                                        failed["kode_desa"]: "failed", unreadable["kode_desa"]: "failed",
                                        skipped["kode_desa"]: "skipped"}
    assert runs.loc[failed["kode_desa"], "reason"] == "not_shared"
    assert runs.loc[failed["kode_desa"], "message"] == "Spreadsheet belum dibagikan"
    assert runs.loc[unreadable["kode_desa"], "reason"] == "unreadable_sheet"
    assert "Kunjungan" in runs.loc[unreadable["kode_desa"], "message"]
    assert runs.loc[loaded["kode_desa"], ["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [3, 3, 0]
    assert set(runs["run_id"]) == {"run-1"}

    # only the changed village's rows are replaced
    assert batch.villages == [loaded["kode_desa"]]
    visits = batch.tables["visits"]
    assert set(visits["kode_desa"]) == {loaded["kode_desa"]}
    assert sorted(visits["visitors_male"].tolist()) == [4, 6]
    assert batch.tables["activities"]["kode_desa"].tolist() == [loaded["kode_desa"]]

    # landed: every sheet that came back (the unchanged one without its cells again), not the failed fetch
    fetches = batch.fetches.set_index("kode_desa")
    assert sorted(fetches.index) == sorted([loaded["kode_desa"], unchanged["kode_desa"], unreadable["kode_desa"]])
    assert pd.isna(fetches.loc[unchanged["kode_desa"], "payload"])
    assert "Dongeng" in fetches.loc[loaded["kode_desa"], "payload"]
    # sheet state moves on for what was read whole; an unreadable sheet is read again next night
    assert sorted(batch.state["spreadsheet_key"]) == ["key1", "key2"]


def test_a_chunk_where_every_fetch_failed_writes_only_the_failures(ref):
    v = village(1)
    batch = build_batch("run-2", NOW, [Fetched(v, error=FetchError("not_found", "tidak ditemukan", 404))], {}, ref)
    assert batch.village_runs[["kode_desa", "status", "reason"]].values.tolist() == [[v["kode_desa"], "failed", "not_found"]]
    assert batch.villages == [] and batch.fetches.empty and batch.state.empty
    assert all(t.empty for t in batch.tables.values())


def test_when_the_chunk_pass_fails_each_workbook_is_parsed_alone_with_the_same_result(ref, monkeypatch):
    from tpbis.sync import batches
    fetched = [Fetched(village(n), workbook=workbook(f"key{n}", n), reads=1) for n in range(1, 4)]
    fetched.append(Fetched(village(4), workbook=Workbook("key4", {"Kegiatan": [KEGIATAN]}, reads=1,
                                                         fetched_at=FETCHED_AT), reads=1))
    together = build_batch("run-3", NOW, fetched, {}, ref)

    def a_bug(books, ref):
        raise RuntimeError("a bug in the chunk pass")
    monkeypatch.setattr(batches, "parse_chunk", a_bug)
    alone = build_batch("run-3", NOW, fetched, {}, ref)

    assert set(alone.tables) == set(together.tables)
    for name, frame in together.tables.items():
        pd.testing.assert_frame_equal(alone.tables[name], frame, check_exact=True, obj=name)
    pd.testing.assert_frame_equal(alone.village_runs, together.village_runs)
    pd.testing.assert_frame_equal(alone.fetches, together.fetches)
    assert alone.villages == together.villages == [village(n)["kode_desa"] for n in range(1, 4)]
    assert together.village_runs["status"].tolist() == ["loaded", "loaded", "loaded", "failed"]
