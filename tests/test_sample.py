"""The sample workbooks and their truth: deterministic, realistic, and exactly right.

Pipeline tests compare warehouse views with `sample.truth`, so these tests check the truth
against the cells themselves (data rows counted independently, every kind of mess of
contract section 4 present, no future date outside the declared rejects), not against the
generator's own bookkeeping.
"""
from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest

from tpbis.local_sheets import sample as S
from tpbis.local_sheets.librarians import vocabulary as V
from tpbis.local_sheets import synthetic
from tpbis.local_sheets.workbook_files import load_workbook

CONFIG = Path(__file__).resolve().parents[1] / "config"
KEY = re.compile(r"^1[A-Za-z0-9_-]{43}$")
ID_MONTHS = "Januari|Februari|Pebruari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Nopember|Desember"
ID_ABBR = "Jan|Feb|Peb|Mar|Apr|Mei|Jun|Jul|Agu|Agt|Sep|Okt|Nov|Nop|Des"


@pytest.fixture(scope="module")
def registry() -> list[dict]:
    return S.load_registry(CONFIG / "villages.csv")


@pytest.fixture(scope="module")
def smp(registry) -> S.Sample:
    return S.generate_sample(registry)


def sheets(smp):
    """(village truth, locale, tab title, rows) for every sheet of the sample."""
    for village in smp.truth["villages"].values():
        workbook = smp.workbooks[village["spreadsheet_key"]]
        for sheet in workbook["sheets"]:
            yield village, workbook["locale"], sheet["title"], sheet["rows"]


def data_cells(smp, tabs=("Kunjungan", "Kegiatan", "Mitra", "Dampak")):
    """(village, tab, row number, cell) below each header, title and Profil rows excluded."""
    for village, _, title, rows in sheets(smp):
        if title in tabs:
            start = village["tabs"][title]["header_row"]
            for number, row in enumerate(rows[start:], start=start + 1):
                for cell in row:
                    yield village, title, number, cell


def normalise_header(text: str) -> str:
    text = " ".join(str(text).lower().split())
    text = text.replace("(l)", "laki-laki").replace("(p)", "perempuan").replace("laki laki", "laki-laki")
    return text


# --- the registry and reference data -------------------------------------------------------

def test_registry_is_the_17_bengkalis_villages_with_derived_keys(registry):
    assert len(registry) == 17
    assert list(registry[0]) == ["kode_desa", "desa", "kecamatan", "kabupaten", "provinsi",
                                 "kelompok", "tahun_kelompok", "spreadsheet_key"]
    assert len({r["kode_desa"] for r in registry}) == 17
    for row in registry:
        assert KEY.match(row["spreadsheet_key"]), row
        assert row["spreadsheet_key"] == S.sample_key(row["kode_desa"])
        assert (row["kabupaten"], row["provinsi"]) == ("Bengkalis", "Riau")
        assert re.fullmatch(r"14\.03\.\d{2}\.\d{4}", row["kode_desa"])
    cohorts = [r["kelompok"] for r in registry]
    assert cohorts.count("replikasi") == 7 and cohorts.count("calon_replikasi_mandiri") == 10
    assert {r["tahun_kelompok"] for r in registry if r["kelompok"] == "calon_replikasi_mandiri"} == {"2022"}
    assert {r["desa"]: r["kode_desa"] for r in registry}["Jangkang"] == "14.03.02.2008"


def test_regions_name_every_registered_kecamatan(registry):
    with (CONFIG / "regions.csv").open(encoding="utf-8") as handle:
        regions = {r["kode"]: r for r in csv.DictReader(handle)}
    assert regions["14"]["level"] == "provinsi" and regions["14.03"]["nama"] == "Bengkalis"
    assert regions["14.71"]["nama"] == "Kota Pekanbaru"
    assert sum(r["level"] == "kabupaten" for r in regions.values()) == 12
    for code, region in regions.items():
        assert region["parent"] == (code.rsplit(".", 1)[0] if "." in code else "")
    for row in registry:
        assert regions[row["kode_desa"][:8]]["nama"] == row["kecamatan"]


# --- determinism, format --------------------------------------------------------------------

def test_same_seed_same_sample_other_seed_other_numbers(registry, smp):
    again = S.generate_sample(registry)
    assert json.dumps(again.workbooks, sort_keys=True) == json.dumps(smp.workbooks, sort_keys=True)
    assert json.dumps(again.truth, sort_keys=True) == json.dumps(smp.truth, sort_keys=True)
    other = S.generate_sample(registry, seed=1)
    assert json.dumps(other.workbooks, sort_keys=True) != json.dumps(smp.workbooks, sort_keys=True)


def test_workbooks_have_the_five_tabs_and_recognisable_template_headers(smp):
    assert len(smp.workbooks) == 17
    for key, workbook in smp.workbooks.items():
        assert workbook["spreadsheetId"] == key
        assert workbook["modifiedTime"] == V.MODIFIED_TIME
        assert [s["title"] for s in workbook["sheets"]] == V.TABS
    for village, _, title, rows in sheets(smp):
        header = rows[village["tabs"][title]["header_row"] - 1]
        found = {normalise_header(h) for h in header}
        wanted = {normalise_header(h) for h in V.TEMPLATE_HEADERS[title]}
        assert len(found & wanted) >= len(wanted) - 1, (village["desa"], title, header)
        if title == "Profil":
            assert [r[0] for r in rows[1:]] == list(V.PROFILE_FIELDS)
    required = {"Kunjungan": ["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"],
                "Kegiatan": ["Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Peserta Laki-laki",
                             "Peserta Perempuan"], "Mitra": ["Nama Mitra"], "Dampak": ["Bulan", "Jenis Dampak"]}
    for village, _, title, rows in sheets(smp):
        header = {normalise_header(h) for h in rows[village["tabs"][title]["header_row"] - 1]}
        assert {normalise_header(h) for h in required.get(title, [])} <= header


def test_write_sample_and_sample_dir_regenerate_only_when_stale(tmp_path, registry, smp):
    directory = S.sample_dir(tmp_path / "sheets")
    files = sorted(p.name for p in directory.glob("*.json"))
    assert files == sorted(f"{k}.json" for k in smp.workbooks)     # only workbooks: the server loads *.json
    assert S.load_truth(directory) == json.loads(json.dumps(smp.truth))
    for key, workbook in smp.workbooks.items():
        assert load_workbook(directory / f"{key}.json") == workbook
    stamp = S.truth_path(directory).stat().st_mtime_ns
    S.sample_dir(directory)
    assert S.truth_path(directory).stat().st_mtime_ns == stamp      # fresh: not rewritten
    S.sample_dir(directory, seed=7)
    assert S.load_truth(directory)["generator"]["seed"] == 7
    smaller = tmp_path / "two.csv"
    synthetic.write_registry_csv(registry[:2], smaller)
    S.sample_dir(directory, registry=smaller)
    assert len(list(directory.glob("*.json"))) == 2                # old workbooks removed


# --- the truth agrees with the cells -------------------------------------------------------------

def test_rows_read_are_the_data_rows_of_each_sheet(smp):
    """Counted from the cells: below the header, not blank, not a Jumlah/Total row."""
    for village, _, title, rows in sheets(smp):
        tab = village["tabs"][title]
        data = [n for n, row in enumerate(rows, start=1)
                if n > tab["header_row"] and any(c not in (None, "") for c in row)
                and str(row[0]).strip().lower() not in ("jumlah", "total")]
        loaded = [r["row"] for r in tab["loaded"]]
        rejected = {r["row"] for r in tab["rejected"]}
        assert tab["rows_read"] == len(data) == len(loaded) + len(rejected), (village["desa"], title)
        assert sorted(loaded + sorted(rejected)) == data
    totals = smp.truth["totals"]
    for title in V.TABS:
        assert totals[title]["rows_read"] == totals[title]["loaded"] + totals[title]["rejected_rows"]


def test_rejects_are_few_and_cover_every_reason(smp):
    rejected = [(v["kode_desa"], t, r) for v in smp.truth["villages"].values()
                for t, tab in v["tabs"].items() for r in tab["rejected"]]
    assert {r["reason"] for _, _, r in rejected} == set(V.REASONS) == set(smp.truth["reasons"])
    assert 10 <= len({(k, t, r["row"]) for k, t, r in rejected}) <= 20
    duplicates = [(k, t, r["value"]) for k, t, r in rejected if r["reason"] == "duplicate_month"]
    assert len(duplicates) == 2 and len(set(duplicates)) == 1          # both rows of one month


def test_loaded_records_are_clean_and_typed(smp):
    for village in smp.truth["villages"].values():
        tabs = village["tabs"]
        months = [r["month"] for r in tabs["Kunjungan"]["loaded"]]
        assert months == sorted(set(months)) == village["months_reported"]
        for r in tabs["Kunjungan"]["loaded"]:
            assert 30 <= r["visitors_male"] <= 600 and 30 <= r["visitors_female"] <= 600
            assert all(isinstance(r[f], int) for f in ("new_members", "loans", "internet_users"))
        for r in tabs["Kegiatan"]["loaded"]:
            assert r["category"] in V.CATEGORY_STRATEGY
            assert r["strategy"] in (V.PLI, V.PM, V.ADV)
            assert r["participants_male"] + r["participants_female"] > 0
            assert r["quarter"] == f"{r['activity_date'][:4]}Q{(int(r['activity_date'][5:7]) - 1) // 3 + 1}"
        for r in tabs["Mitra"]["loaded"]:
            assert r["partner_type"] in V.PARTNER_TYPES and r["support_value_rp"] > 0
        for r in tabs["Dampak"]["loaded"]:
            assert r["benefit_type"] in V.BENEFIT_TYPES and r["gender"] in ("L", "P")
            assert r["income_after"] > r["income_before"] >= 0
        record = tabs["Profil"]["record"]
        assert isinstance(record["internet_access"], bool) and isinstance(record["opening_hours"], float)


def test_sizes_are_realistic(smp):
    totals = smp.truth["totals"]
    assert 850 <= totals["Kunjungan"]["rows_read"] <= 1100
    assert 4000 <= totals["Kegiatan"]["rows_read"] <= 6000
    for village in smp.truth["villages"].values():
        per_month: dict[str, int] = {}
        for r in village["tabs"]["Kegiatan"]["loaded"]:
            per_month[r["activity_date"][:7]] = per_month.get(r["activity_date"][:7], 0) + 1
        assert max(per_month.values()) <= 6
        assert 2 <= len(village["tabs"]["Mitra"]["loaded"]) <= 6


def test_no_date_outside_2015_to_end_except_declared_rejects(smp):
    end = date.fromisoformat(smp.truth["generator"]["end"])
    start = date.fromisoformat(smp.truth["generator"]["start"])
    rejects = {(v["kode_desa"], t, r["row"]) for v in smp.truth["villages"].values()
               for t, tab in v["tabs"].items() for r in tab["rejected"]}
    outside = set()
    for village, title, number, cell in data_cells(smp):
        if isinstance(cell, dict) and "date" in cell:
            years = [date.fromisoformat(cell["date"])]
        elif isinstance(cell, str):
            years = [date(int(y), 1, 1) for y in re.findall(r"(?<!\d)(20\d\d|19\d\d)(?!\d)", cell)]
        else:
            continue
        if any(d > end or d.year < 2015 for d in years):
            outside.add((village["kode_desa"], title, number))
    assert outside and outside <= rejects
    for village in smp.truth["villages"].values():
        for title, field in (("Kunjungan", "month"), ("Kegiatan", "activity_date"), ("Dampak", "month")):
            for r in village["tabs"][title]["loaded"]:
                assert start <= date.fromisoformat(r[field]) <= end


# --- every kind of mess of contract section 4 is there --------------------------------------

def _texts(smp):
    return [c for *_, c in data_cells(smp) if isinstance(c, str)]


def _dicts(smp):
    return [c for *_, c in data_cells(smp) if isinstance(c, dict)]


def _headers(smp):
    return [h for v, _, t, rows in sheets(smp) for h in rows[v["tabs"][t]["header_row"] - 1]]


def _any_text(pattern):
    return lambda smp: any(re.fullmatch(pattern, t) for t in _texts(smp))


MESS = {
    "header Pengunjung Laki-Laki": lambda smp: "Pengunjung Laki-Laki" in _headers(smp),
    "header PENGUNJUNG (L)": lambda smp: "PENGUNJUNG (L)" in _headers(smp),
    "header pengunjung  perempuan": lambda smp: "pengunjung  perempuan" in _headers(smp),
    "extra column Catatan": lambda smp: any(h.strip().lower() == "catatan" for h in _headers(smp)),
    "columns in another order": lambda smp: any(
        t == "Kunjungan" and [normalise_header(h) for h in rows[v["tabs"][t]["header_row"] - 1]][:3]
        != [normalise_header(h) for h in V.TEMPLATE_HEADERS[t][:3]] for v, _, t, rows in sheets(smp)),
    "title row and blank row above the header": lambda smp: any(
        v["tabs"][t]["header_row"] == 3 and rows[0][0].startswith("LAPORAN KUNJUNGAN PERPUSTAKAAN DESA")
        and rows[1] == [] for v, _, t, rows in sheets(smp)),
    "month Oktober 2022": _any_text(rf"({ID_MONTHS}) 20\d\d"),
    "month Okt 2022": _any_text(rf"({ID_ABBR}) 20\d\d"),
    "month Okt-22": _any_text(rf"({ID_ABBR})-\d\d"),
    "month 10/2022": _any_text(r"\d\d/20\d\d"),
    "month 2022-10": _any_text(r"20\d\d-\d\d"),
    "month as a date cell mmm yyyy": lambda smp: any(c.get("fmt") == "mmm yyyy" for c in _dicts(smp)),
    "month Pebruari": _any_text(r"Pebruari 20\d\d"),
    "month Nopember": _any_text(r"Nopember 20\d\d"),
    "month in English": _any_text(r"(January|February|March|May|June|July|August|October|December) 20\d\d"),
    "day 13/10/2022": _any_text(r"\d\d/\d\d/20\d\d"),
    "day 13-10-2022": _any_text(r"\d\d-\d\d-20\d\d"),
    "day 13 Oktober 2022": _any_text(rf"\d{{1,2}} ({ID_MONTHS}) 20\d\d"),
    "day 13 Okt 2022": _any_text(rf"\d{{1,2}} ({ID_ABBR}) 20\d\d"),
    "day 2022-10-13": _any_text(r"20\d\d-\d\d-\d\d"),
    "day as a date cell dd/mm/yyyy": lambda smp: any(c.get("fmt") == "dd/mm/yyyy" for c in _dicts(smp)),
    "number 1.234 as text": lambda smp: any(
        re.fullmatch(r"\d{1,3}(\.\d{3})+", str(c)) for v, _, t, rows in sheets(smp) for r in rows for c in r),
    "number formatted #,##0": lambda smp: any(c.get("fmt") == "#,##0" for c in _dicts(smp)),
    "count 12 orang": _any_text(r"\d+ orang"),
    "count -": lambda smp: "-" in _texts(smp),
    "money Rp 5.000.000": _any_text(r"Rp \d{1,3}(\.\d{3})+"),
    "plain int": lambda smp: any(type(c) is int for *_, c in data_cells(smp)),
    "blank rows between months": lambda smp: any(
        t == "Kunjungan" and [] in rows[v["tabs"][t]["header_row"]:-2] for v, _, t, rows in sheets(smp)),
    "Jumlah row with formulas": lambda smp: any(
        r and r[0] == "Jumlah" and isinstance(r[1], dict) and r[1]["formula"].startswith("=SUM(")
        for v, _, t, rows in sheets(smp) for r in rows),
    "Total row per year, rows below still read": lambda smp: any(
        r and r[0] == "Total" and i < v["tabs"][t]["loaded"][-1]["row"]
        for v, _, t, rows in sheets(smp) for i, r in enumerate(rows, start=1)),
    "unknown Jenis Kegiatan loads as Lainnya": lambda smp: any(
        r["category_raw"] == "Lomba Mewarnai" and r["category"] == "Lainnya"
        for v in smp.truth["villages"].values() for r in v["tabs"]["Kegiatan"]["loaded"]),
    "synonyms Pelatihan, PLM, Internet": lambda smp: {"Pelatihan", "PLM", "Internet"} <= {
        r["category_raw"] for v in smp.truth["villages"].values() for r in v["tabs"]["Kegiatan"]["loaded"]},
    "category case variant": lambda smp: any(
        r["category_raw"] != r["category"] and r["category_raw"].lower() == r["category"].lower()
        for v in smp.truth["villages"].values() for r in v["tabs"]["Kegiatan"]["loaded"]),
    "Strategi filled sometimes": lambda smp: any(
        t == "Kegiatan" and len(r) > 4 and r[4] for v, _, t, rows in sheets(smp) for r in rows[1:]),
    "Nama Desa typed differently": lambda smp: {"WONOSARI", "Ds. Jangkang", "Sei Alam", "Balai Punggut"} <= {
        v["tabs"]["Profil"]["record"]["desa_name"] for v in smp.truth["villages"].values()},
    "an en_US spreadsheet": lambda smp: any(w["locale"] == "en_US" for w in smp.workbooks.values()),
    "a column missing (older template)": lambda smp: any(
        r["open_days"] is None for v in smp.truth["villages"].values() for r in v["tabs"]["Kunjungan"]["loaded"]),
    "villages starting later or skipping months": lambda smp: len(
        {len(v["months_reported"]) for v in smp.truth["villages"].values()}) > 3,
}


@pytest.mark.parametrize("mess", list(MESS))
def test_mess_is_present(smp, mess):
    assert MESS[mess](smp)


def test_mess_is_concentrated_in_some_villages(smp):
    """Most cells are clean: half the villages type no text where a number or date belongs."""
    clean = 0
    for village in smp.truth["villages"].values():
        key = village["spreadsheet_key"]
        rows = [r for s in smp.workbooks[key]["sheets"] if s["title"] == "Kunjungan" for r in s["rows"][1:]]
        if all(not isinstance(c, str) for r in rows for c in r):
            clean += 1
    assert clean >= 7


# --- synthetic villages for benchmarks ----------------------------------------------------------

def test_synthetic_registry_is_unique_and_cycles(tmp_path):
    rows = synthetic.synthetic_registry(20_000)
    assert len({r["kode_desa"] for r in rows}) == len({r["spreadsheet_key"] for r in rows}) == 20_000
    assert all(KEY.match(r["spreadsheet_key"]) for r in rows[:100])
    assert all(re.fullmatch(r"14\.\d\d\.9\d\.\d{4}", r["kode_desa"]) for r in rows)
    assert {r["kabupaten"] for r in rows} == set(synthetic.KABUPATEN)
    assert {r["kelompok"] for r in rows} == {"replikasi", "replikasi_mandiri", "calon_replikasi_mandiri"}
    assert synthetic.synthetic_registry(3) == rows[:3]                 # deterministic
    path = synthetic.write_registry_csv(rows[:50], tmp_path / "villages.csv")
    assert S.load_registry(path) == rows[:50]


def test_synthetic_workbooks_have_the_expected_sizes():
    rows = synthetic.synthetic_registry(2_000)
    books = [synthetic.synthetic_workbook(v, months=12, activities_per_month=4) for v in rows]
    expected = synthetic.expected_rows(12, 4)
    for book in books[:20]:
        assert [s["title"] for s in book["sheets"]] == V.TABS
        for sheet in book["sheets"]:
            assert sheet["rows"][0] == V.TEMPLATE_HEADERS[sheet["title"]]
            assert len(sheet["rows"]) - 1 == expected[sheet["title"]]
    wide = synthetic.synthetic_workbook(rows[0], months=24, activities_per_month=5, rows_multiplier=3)
    sizes = {s["title"]: len(s["rows"]) - 1 for s in wide["sheets"]}
    assert sizes == synthetic.expected_rows(24, 5, 3)
    months = [r[0]["date"] for r in wide["sheets"][1]["rows"][1:]]
    assert len(set(months)) == 24 and max(months) <= "2026-09-01"
    books[0]["sheets"][1]["rows"][1][1] = -1                            # one server write...
    assert synthetic.synthetic_workbook(rows[0])["sheets"][1]["rows"][1][1] != -1   # ...stays there
    with pytest.raises(ValueError):
        synthetic.synthetic_workbook(rows[0], months=200)               # would reach before 2015


def test_big_workbook_has_a_million_activities_quickly():
    village = synthetic.synthetic_registry(1)[0]
    book = synthetic.big_workbook(village, kegiatan_rows=1_000_000, kunjungan_rows=120)
    sizes = {s["title"]: len(s["rows"]) - 1 for s in book["sheets"]}
    assert sizes["Kegiatan"] == 1_000_000 and sizes["Kunjungan"] == 120
    dates = {r[1]["date"] for r in book["sheets"][2]["rows"][1:1001]}
    assert len(dates) > 300 and min(dates) >= "2015-01-01" and max(dates) <= "2026-09-30"
