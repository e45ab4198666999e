"""The quarterly extract.

First against the hand-made warehouse (tests/small_warehouse.py): file names, scopes, layout,
charts, formula safety, reruns and --as-of. Then the golden tests: the 17 sample villages are
served by the local Sheets server, synced by the real nightly flow, extracted, and every cell
of the village, summary, monthly and strategy tables is checked against values computed here,
in plain Python, from the sample generator's truth (never by running the extract's SQL).
"""
from __future__ import annotations

import csv
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests import small_warehouse as sw
from tpbis.cli.main import app
from tpbis.extract.write import Scope, write_extract
from tpbis.wib import Quarter

Q = Quarter.parse("2022Q4")
SHEETS = ["Ringkasan", "Desa", "Wilayah", "Kunjungan per Bulan", "Kegiatan per Strategi",
          "Kegiatan per Jenis", "Kelengkapan Laporan", "Kelompok", "Mitra", "Dampak",
          "Standar Perpustakaan", "Catatan"]
TABLE_SUFFIXES = ["", "-ringkasan", "-wilayah", "-kunjungan-bulanan", "-kegiatan-strategi",
                  "-kegiatan-jenis", "-kelengkapan", "-kelompok", "-mitra", "-dampak", "-standar"]
SLUGS = ["provinsi-riau", "kab-bengkalis", "kota-dumai"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return sw.build(tmp_path_factory.mktemp("small") / "tpbis.duckdb")


@pytest.fixture(scope="module")
def extract_dir(warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("extract")
    write_extract(warehouse, Q, out)
    return out


def at(out: Path, name: str) -> Path:
    """A file of the extract: each scope has its folder, out/<quarter>/<slug>/<name>."""
    quarter, slug = re.match(r"laporan-triwulan-(\d{4}Q\d)-((?:provinsi|kab|kota)-[a-z]+)", name).groups()
    return out / quarter / slug / name


def files(out: Path) -> dict[str, Path]:
    """Every file written under `out`, by its path relative to `out`."""
    return {str(p.relative_to(out)): p for p in sorted(out.rglob("*")) if p.is_file()}


def workbook(out: Path, slug: str):
    return openpyxl.load_workbook(at(out, f"laporan-triwulan-2022Q4-{slug}.xlsx"))


def sheet_rows(ws, header_row: int = 1) -> list[dict]:
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# --- names and scopes ---------------------------------------------------------------------

def test_files_are_named_for_the_quarter_and_scope(extract_dir):
    """One folder per quarter and scope (issue: the files of a scope together, with an index);
    the file names are the contract's."""
    expected = {f"2022Q4/{slug}/laporan-triwulan-2022Q4-{slug}.xlsx" for slug in SLUGS}
    expected |= {f"2022Q4/{slug}/laporan-triwulan-2022Q4-{slug}{suffix}.{ext}"
                 for slug in SLUGS for suffix in TABLE_SUFFIXES for ext in ("csv", "parquet")}
    expected |= {f"2022Q4/{slug}/BACA-SAYA.txt" for slug in SLUGS}
    assert set(files(extract_dir)) == expected
    index = (extract_dir / "2022Q4" / "kab-bengkalis" / "BACA-SAYA.txt").read_text(encoding="utf-8-sig")
    assert index.startswith("Laporan Triwulan TPBIS 2022Q4 - Kabupaten Bengkalis")
    assert "laporan-triwulan-2022Q4-kab-bengkalis.xlsx: buku kerja lengkap" in index
    assert "laporan-triwulan-2022Q4-kab-bengkalis-mitra.csv / .parquet: Mitra" in index


@pytest.mark.parametrize("name, slug", [("Riau", "provinsi-riau"), ("Bengkalis", "kab-bengkalis"),
                                        ("Kota Pekanbaru", "kota-pekanbaru"),
                                        ("Kepulauan Meranti", "kab-kepulauan-meranti")])
def test_slugs(name, slug):
    scope = Scope("Riau") if name == "Riau" else Scope("Riau", name)
    assert scope.slug == slug


def test_quarters_parse_and_default_to_the_last_full_one():
    assert str(Quarter.parse("2022q4")) == "2022Q4" and Quarter.parse("2023-Q1").number == 1
    assert (Quarter.parse("2022Q4").first_day, Quarter.parse("2022Q4").last_day) == (date(2022, 10, 1), date(2022, 12, 31))
    assert str(Quarter.last_full_before(date(2023, 1, 15))) == "2022Q4"
    assert str(Quarter.last_full_before(date(2023, 7, 1))) == "2023Q2"
    with pytest.raises(ValueError):
        Quarter.parse("2022Q5")


def test_a_kabupaten_file_holds_only_its_villages(extract_dir):
    for slug, villages in (("kab-bengkalis", [sw.ALPHA, sw.BETA]), ("kota-dumai", [sw.GAMMA]),
                           ("provinsi-riau", [sw.ALPHA, sw.BETA, sw.GAMMA])):
        wb = workbook(extract_dir, slug)
        for sheet in ("Desa", "Kelengkapan Laporan", "Standar Perpustakaan"):
            assert sorted(r["Kode Desa"] for r in sheet_rows(wb[sheet])) == villages, (slug, sheet)
        csv_rows = read_csv(at(extract_dir, f"laporan-triwulan-2022Q4-{slug}.csv"))
        assert sorted(r["Kode Desa"] for r in csv_rows) == villages
        parquet = pq.read_table(at(extract_dir, f"laporan-triwulan-2022Q4-{slug}.parquet"))
        assert sorted(parquet.column("kode_desa").to_pylist()) == villages
    dumai = {r["Indikator"]: r["Nilai"] for r in sheet_rows(workbook(extract_dir, "kota-dumai")["Ringkasan"], 5)}
    assert (dumai["Desa terdaftar"], dumai["Desa yang tidak melapor"], dumai["Pengunjung total"]) == (1, 1, 0)


def test_kabupaten_option_writes_only_that_kabupaten(warehouse, tmp_path):
    result = CliRunner().invoke(app, ["extract", "--quarter", "2022Q4", "--kabupaten", "Kota Dumai",
                                      "--out", str(tmp_path), "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert {p.parent == tmp_path / "2022Q4" / "kota-dumai" for p in files(tmp_path).values()} == {True}
    unknown = CliRunner().invoke(app, ["extract", "--quarter", "2022Q4", "--kabupaten", "Siak",
                                       "--out", str(tmp_path / "x"), "--warehouse", str(warehouse)])
    assert unknown.exit_code == 2 and "Siak" in unknown.output
    bad = CliRunner().invoke(app, ["extract", "--quarter", "2022-10", "--warehouse", str(warehouse)])
    assert bad.exit_code == 2 and "2022Q4" in bad.output


# --- what staff see -----------------------------------------------------------------------

def test_workbook_layout_labels_formats_filters_and_charts(extract_dir):
    wb = workbook(extract_dir, "kab-bengkalis")
    assert wb.sheetnames == SHEETS
    summary = wb["Ringkasan"]
    assert summary["A1"].value == "Laporan Triwulan TPBIS — Kabupaten Bengkalis"
    assert summary["A2"].value == "Triwulan IV 2022 (Oktober–Desember 2022)"
    assert str(wb.properties.created) == "2022-12-31 00:00:00"         # fixed: same data, same file
    assert (summary["A5"].value, summary["B5"].value) == ("Indikator", "Nilai")
    charts = summary._charts
    assert [c.tagname for c in charts] == ["barChart", "barChart"]
    assert [c.barDir for c in charts] == ["col", "bar"]             # visits: columns; strategies: bars
    visits, strategies = charts
    assert [s.tx.v for s in visits.series] == ["Laki-laki", "Perempuan"]
    assert [c.title.tx.rich.p[0].r[0].t for c in charts] == ["Pengunjung per Bulan (L/P)", "Kegiatan per Strategi TPBIS"]
    assert [s.val.numRef.f for s in visits.series] == ["'Kunjungan per Bulan'!$C$2:$C$4", "'Kunjungan per Bulan'!$D$2:$D$4"]
    assert visits.series[0].cat.numRef.f == "'Kunjungan per Bulan'!$A$2:$A$4"     # months are real dates
    assert strategies.series[0].val.numRef.f == "'Kegiatan per Strategi'!$B$2:$B$4"
    desa = wb["Desa"]
    header = [c.value for c in desa[1]]
    assert header[:6] == ["Kode Desa", "Desa", "Kecamatan", "Kabupaten/Kota", "Kelompok", "Nama Perpustakaan"]
    assert "Status (ambang lokal)" in header and "Porsi Peserta Perempuan" in header
    assert desa.freeze_panes == "C2" and desa.auto_filter.ref == f"A1:{desa.cell(1, len(header)).column_letter}3"
    alpha = desa[2]
    by_label = dict(zip(header, alpha))
    assert by_label["Pengunjung Total"].number_format == "#,##0"
    assert by_label["Porsi Peserta Perempuan"].number_format == "0.0%"
    assert by_label["Perubahan vs Triwulan Lalu"].number_format == "+0.0%;-0.0%;0.0%"
    for name in SHEETS[1:-1]:
        assert wb[name].freeze_panes in ("A2", "B2", "C2") and wb[name].auto_filter.ref, name


def test_the_numbers_of_one_village(extract_dir):
    rows = {r["Kode Desa"]: r for r in sheet_rows(workbook(extract_dir, "kab-bengkalis")["Desa"])}
    alpha, beta = rows[sw.ALPHA], rows[sw.BETA]
    assert (alpha["Pengunjung Laki-laki"], alpha["Pengunjung Perempuan"], alpha["Pengunjung Total"]) == (60, 100, 160)
    assert alpha["Perubahan vs Triwulan Lalu"] == pytest.approx(64 / 96)
    assert alpha["Perubahan vs Tahun Lalu"] is None
    assert (alpha["Kegiatan"], alpha["Kegiatan Peningkatan Layanan Informasi"],
            alpha["Kegiatan Pelibatan Masyarakat"], alpha["Kegiatan Advokasi"]) == (3, 1, 1, 1)
    assert (alpha["Peserta Total"], alpha["Porsi Peserta Perempuan"]) == (25, pytest.approx(19 / 25))
    assert (alpha["Penerima Manfaat"], alpha["Penerima Manfaat Perempuan"]) == (3, 2)
    assert (alpha["Mitra"], alpha["Mitra dengan MoU"], alpha["Laporan Lengkap"]) == (3, 2, "Ya")
    assert (alpha["Kelompok"], alpha["Memenuhi Standar"], alpha["Status (ambang lokal)"]) == ("Replikasi", "Ya", "kuning")
    assert (beta["Bulan Belum Dilaporkan"], beta["Laporan Lengkap"], beta["Status (ambang lokal)"]) == \
        ("Nov 2022, Des 2022", "Tidak", "merah")
    assert beta["Kekurangan terhadap Standar"].startswith("koleksi kurang 200 judul")


def test_sheet_text_is_never_a_formula_in_xlsx_or_csv(extract_dir):
    for slug in SLUGS:
        path = at(extract_dir, f"laporan-triwulan-2022Q4-{slug}.xlsx")
        with zipfile.ZipFile(path) as z:                           # no formula element anywhere
            assert not [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]
        wb = openpyxl.load_workbook(path)
        assert [(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"] == []
    wb = workbook(extract_dir, "kab-bengkalis")
    beta = next(r for r in wb["Desa"].iter_rows(min_row=2) if r[0].value == sw.BETA)
    library = beta[5]
    assert (library.value, library.data_type) == (sw.FORMULA_LIBRARY, "s")
    product = next(r for r in wb["Dampak"].iter_rows(min_row=2) if r[0].value == "Usaha Baru")[-1]
    assert (product.value, product.data_type) == (sw.FORMULA_PRODUCT, "s")
    rows = read_csv(at(extract_dir, "laporan-triwulan-2022Q4-kab-bengkalis.csv"))
    assert next(r for r in rows if r["Kode Desa"] == sw.BETA)["Nama Perpustakaan"] == "'" + sw.FORMULA_LIBRARY
    impact = read_csv(at(extract_dir, "laporan-triwulan-2022Q4-kab-bengkalis-dampak.csv"))
    assert next(r for r in impact if r["Jenis Dampak"] == "Usaha Baru")["Produk"] == "'" + sw.FORMULA_PRODUCT
    change = next(r for r in read_csv(at(extract_dir, "laporan-triwulan-2022Q4-kab-bengkalis.csv"))
                  if r["Kode Desa"] == sw.ALPHA)["Perubahan vs Triwulan Lalu"]
    assert float(change) == pytest.approx(64 / 96)                 # numbers are not escaped


def test_local_thresholds_are_labelled_local(extract_dir):
    notes = [c.value for row in workbook(extract_dir, "provinsi-riau")["Catatan"].iter_rows() for c in row if c.value]
    assert any("AMBANG LOKAL" in str(v) and "bukan indikator Perpusnas" in str(v) for v in notes)
    # officers read indicator names, not the column names of config/report_thresholds.csv
    assert {"Bulan dilaporkan (dari 3)", "Kegiatan dalam triwulan", "Pengunjung per bulan"} <= set(notes)


# --- reruns and history -------------------------------------------------------------------

def test_same_data_gives_the_same_files(warehouse, extract_dir, tmp_path):
    write_extract(warehouse, Q, tmp_path)
    for name, path in files(extract_dir).items():
        assert (tmp_path / name).read_bytes() == path.read_bytes(), name


def test_as_of_regenerates_what_was_known_then(warehouse, tmp_path):
    result = CliRunner().invoke(app, ["extract", "--quarter", "2022Q4", "--as-of", sw.BETWEEN, "--kabupaten",
                                      "Bengkalis", "--out", str(tmp_path), "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    wb = workbook(tmp_path, "kab-bengkalis")
    alpha = next(r for r in sheet_rows(wb["Desa"]) if r["Kode Desa"] == sw.ALPHA)
    assert (alpha["Pengunjung Laki-laki"], alpha["Pengunjung Total"], alpha["Kegiatan"]) == (55, 155, 4)
    assert wb["Ringkasan"]["A3"].value == \
        "Keadaan data: per 20 Januari 2024, akhir hari WIB (data terakhir berubah 2024-01-05 17:00 WIB)"
    before = tmp_path / "before"        # before anything was loaded: refused, not an empty extract
    result = CliRunner().invoke(app, ["extract", "--quarter", "2022Q4", "--as-of", "2023-06-01", "--out", str(before),
                                      "--warehouse", str(warehouse)])
    assert result.exit_code == 2 and not before.exists()
    assert "--as-of 2023-06-01 is before the first sync of" in result.output


def test_a_quarter_nobody_reported_lists_every_village_as_missing(warehouse, tmp_path):
    write_extract(warehouse, Quarter.parse("2019Q1"), tmp_path)
    wb = openpyxl.load_workbook(at(tmp_path, "laporan-triwulan-2019Q1-provinsi-riau.xlsx"))
    assert [r["Bulan"] for r in sheet_rows(wb["Kunjungan per Bulan"])] == \
        [datetime(2019, 1, 1), datetime(2019, 2, 1), datetime(2019, 3, 1)]          # real dates, shown in Indonesian
    assert [r["Kegiatan"] for r in sheet_rows(wb["Kegiatan per Strategi"])] == [0, 0, 0]
    assert {r["Bulan Belum Dilaporkan"] for r in sheet_rows(wb["Desa"])} == {"Jan 2019, Feb 2019, Mar 2019"}


# === golden: the real sample, synced by the real flow ======================================

import copy                                                          # noqa: E402
import shutil                                                        # noqa: E402

from tpbis.local_sheets import sample  # noqa: E402
from tpbis.settings import CONFIG_DIR                                # noqa: E402
from tpbis.local_sheets.workbook_files import load_workbook, save_workbook        # noqa: E402

GOLDEN_QUARTERS = ["2022Q4", "2025Q4"]
ABBR = "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split()
COHORTS = {"replikasi": "Replikasi", "replikasi_mandiri": "Replikasi Mandiri",
           "calon_replikasi_mandiri": "Calon Replikasi Mandiri"}
PLI, PM, ADV = "Peningkatan Layanan Informasi", "Pelibatan Masyarakat", "Advokasi"
PLANTED_LIBRARY = '=HYPERLINK("http://example.com","klik")'
PLANTED_PRODUCT = "@SUM(1+1)"


def q_of(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def q_shift(quarter: str, back: int) -> str:
    index = int(quarter[:4]) * 4 + int(quarter[-1]) - 1 - back
    return f"{index // 4}Q{index % 4 + 1}"


def plant_formula_text(sheets_dir: Path, truth: dict) -> dict:
    """Type formula-looking text into two sample cells that the extract prints: a library
    name (Profil) and a product (Dampak, 2022Q4). Returns the truth as it now is."""
    truth = copy.deepcopy(truth)
    kode = "14.03.02.2008"                                           # Jangkang
    village = truth["villages"][kode]
    path = sheets_dir / f"{village['spreadsheet_key']}.json"
    wb = load_workbook(path)
    tabs = {t["title"]: t for t in wb["sheets"]}
    row = next(r for r in village["tabs"]["Profil"]["loaded"] if r["field"] == "Nama Perpustakaan")["row"]
    assert tabs["Profil"]["rows"][row - 1][1] == village["tabs"]["Profil"]["record"]["library_name"]
    tabs["Profil"]["rows"][row - 1][1] = PLANTED_LIBRARY
    village["tabs"]["Profil"]["record"]["library_name"] = PLANTED_LIBRARY
    save_workbook(wb, path)
    village, record = next((v, r) for v in truth["villages"].values() for r in v["tabs"]["Dampak"]["loaded"]
                           if q_of(r["month"]) == "2022Q4" and r["product"])
    path = sheets_dir / f"{village['spreadsheet_key']}.json"
    wb = load_workbook(path)
    rows = next(t for t in wb["sheets"] if t["title"] == "Dampak")["rows"]
    col = next(i for i, h in enumerate(rows[village["tabs"]["Dampak"]["header_row"] - 1]) if "produk" in str(h).lower())
    assert rows[record["row"] - 1][col] == record["product"]
    rows[record["row"] - 1][col] = PLANTED_PRODUCT
    record["product"] = PLANTED_PRODUCT
    save_workbook(wb, path)
    return truth


@pytest.fixture(scope="module")
def golden(prefect_harness, sample_files, tmp_path_factory):
    """One real sync of the sample (with planted formula text), then the extract of each
    golden quarter; the truth the expected values come from."""
    from flows.nightly_sync import nightly_sync
    from tpbis.local_sheets.server import SheetsServer
    base = tmp_path_factory.mktemp("golden")
    sheets = base / "sheets"
    shutil.copytree(sample_files, sheets)
    truth = plant_formula_text(sheets, sample.load_truth(sample_files))
    warehouse = base / "wh" / "tpbis.duckdb"
    with SheetsServer(data_dir=sheets) as server, pytest.MonkeyPatch.context() as mp:
        for name, value in {"TPBIS_SHEETS_API_URL": server.url, "TPBIS_DRIVE_API_URL": server.url,
                            "TPBIS_SHEETS_READS_PER_MINUTE": "100000", "TPBIS_BACKOFF_SECONDS": "0.01",
                            "TPBIS_WAREHOUSE": str(warehouse), "TPBIS_REGISTRY": str(CONFIG_DIR / "villages.csv"),
                            "TPBIS_FULL_SWEEP_DAYS": "0"}.items():
            mp.setenv(name, value)
        summary = nightly_sync()
    assert summary["villages_failed"] == 0, summary
    out = base / "out"
    for quarter in GOLDEN_QUARTERS:
        write_extract(warehouse, Quarter.parse(quarter), out)
    return {"warehouse": warehouse, "out": out, "truth": truth,
            "registry": sample.load_registry(CONFIG_DIR / "villages.csv")}


# --- expected values, from the truth -------------------------------------------------------

def thresholds() -> dict:
    with (CONFIG_DIR / "report_thresholds.csv").open(encoding="utf-8") as f:
        return {r["indicator"]: (float(r["hijau_min"]), float(r["kuning_min"])) for r in csv.DictReader(f)}


def first_quarter(truth: dict) -> str:
    """The first quarter anybody reported anything in: comparisons before it are empty."""
    days = [r[key] for v in truth["villages"].values()
            for tab, key in (("Kunjungan", "month"), ("Kegiatan", "activity_date"), ("Dampak", "month"))
            for r in v["tabs"][tab]["loaded"]]
    return q_of(min(days))


def village_facts(v: dict, quarter: str) -> dict:
    visits = [r for r in v["tabs"]["Kunjungan"]["loaded"] if q_of(r["month"]) == quarter]
    acts = [r for r in v["tabs"]["Kegiatan"]["loaded"] if r["quarter"] == quarter]
    bens = [r for r in v["tabs"]["Dampak"]["loaded"] if q_of(r["month"]) == quarter]
    return {
        "months": sorted({r["month"] for r in visits}),
        "male": sum(r["visitors_male"] for r in visits), "female": sum(r["visitors_female"] for r in visits),
        "acts": acts, "bens": bens,
    }


def visitors(v: dict, quarter: str, first: str):
    if quarter < first:
        return None
    f = village_facts(v, quarter)
    return f["male"] + f["female"]


def change(now: int, before):
    return None if not before else (now - before) / before


def standard(record: dict) -> tuple:
    titles, staff, hours = record.get("collection_titles"), record.get("staff_count"), record.get("opening_hours")
    checks = [None if titles is None else titles >= 1000, None if staff is None else staff >= 2,
              None if hours is None else hours >= 6]
    meets = False if False in checks else (None if None in checks else True)
    gaps = []
    if titles is None:
        gaps.append("koleksi judul belum diisi")
    elif titles < 1000:
        gaps.append(f"koleksi kurang {1000 - titles} judul")
    if staff is None:
        gaps.append("jumlah tenaga belum diisi")
    elif staff < 2:
        gaps.append(f"tenaga kurang {2 - staff} orang")
    if hours is None:
        gaps.append("jam buka belum diisi")
    elif hours < 6:
        short = 6 - hours
        gaps.append(f"jam buka kurang {int(short) if short == int(short) else str(short).replace('.', ',')} jam per hari")
    return meets, "; ".join(gaps)


def expected_village_rows(g: dict, quarter: str) -> dict[str, dict]:
    truth, first, limits = g["truth"], first_quarter(g["truth"]), thresholds()
    rows = {}
    for reg in g["registry"]:
        v = truth["villages"][reg["kode_desa"]]
        f = village_facts(v, quarter)
        total = f["male"] + f["female"]
        acts = f["acts"]
        pm, pf = sum(a["participants_male"] for a in acts), sum(a["participants_female"] for a in acts)
        months = len(f["months"])
        quarter_months = [date(int(quarter[:4]), int(quarter[-1]) * 3 - 2 + i, 1) for i in range(3)]
        missing = [f"{ABBR[m.month - 1]} {m.year}" for m in quarter_months if m.isoformat() not in f["months"]]
        partners = v["tabs"]["Mitra"]["loaded"]
        profile = v["tabs"]["Profil"]["record"]
        meets, gaps = standard(profile)
        per_month = total / months if months else 0
        light = ("merah" if any(x < limits[k][1] for k, x in (("months_reported", months), ("activities", len(acts)),
                                                               ("visitors_per_month", per_month)))
                 else "kuning" if any(x < limits[k][0] for k, x in (("months_reported", months),
                                                                    ("activities", len(acts)),
                                                                    ("visitors_per_month", per_month)))
                 else "hijau")
        rows[reg["kode_desa"]] = {
            "Kode Desa": reg["kode_desa"], "Desa": reg["desa"], "Kecamatan": reg["kecamatan"],
            "Kabupaten/Kota": reg["kabupaten"], "Kelompok": COHORTS[reg["kelompok"]],
            "Nama Perpustakaan": profile["library_name"], "Bulan Lapor": months,
            "Pengunjung Laki-laki": f["male"], "Pengunjung Perempuan": f["female"], "Pengunjung Total": total,
            "Perubahan vs Triwulan Lalu": change(total, visitors(v, q_shift(quarter, 1), first)),
            "Perubahan vs Tahun Lalu": change(total, visitors(v, q_shift(quarter, 4), first)),
            "Kegiatan": len(acts),
            "Kegiatan Peningkatan Layanan Informasi": sum(a["strategy"] == PLI for a in acts),
            "Kegiatan Pelibatan Masyarakat": sum(a["strategy"] == PM for a in acts),
            "Kegiatan Advokasi": sum(a["strategy"] == ADV for a in acts),
            "Peserta Laki-laki": pm, "Peserta Perempuan": pf, "Peserta Total": pm + pf,
            "Porsi Peserta Perempuan": pf / (pm + pf) if pm + pf else None,
            "Penerima Manfaat": len(f["bens"]),
            "Penerima Manfaat Perempuan": sum(b["gender"] == "P" for b in f["bens"]),
            "Mitra": len(partners), "Mitra dengan MoU": sum(bool(p["has_mou"]) for p in partners),
            "Laporan Lengkap": "Ya" if months == 3 and acts else "Tidak",
            "Bulan Belum Dilaporkan": ", ".join(missing) or None,
            "Memenuhi Standar": None if meets is None else ("Ya" if meets else "Tidak"),
            "Kekurangan terhadap Standar": gaps or None,
            "Status (ambang lokal)": light,
        }
    return rows


def expected_summary(g: dict, quarter: str) -> dict:
    truth, first = g["truth"], first_quarter(g["truth"])
    villages = [truth["villages"][r["kode_desa"]] for r in g["registry"]]
    rows = expected_village_rows(g, quarter).values()
    facts = [village_facts(v, quarter) for v in villages]
    reported = sum(bool(f["months"] or f["acts"] or f["bens"]) for f in facts)

    def total_in(q):
        return None if q < first else sum(visitors(v, q, first) for v in villages)
    total = sum(r["Pengunjung Total"] for r in rows)
    prev_q, prev_y = total_in(q_shift(quarter, 1)), total_in(q_shift(quarter, 4))
    pm, pf = sum(r["Peserta Laki-laki"] for r in rows), sum(r["Peserta Perempuan"] for r in rows)
    partners = [p for v in villages for p in v["tabs"]["Mitra"]["loaded"]]
    return {
        "Desa terdaftar": len(villages), "Desa yang melapor": reported,
        "Desa dengan laporan lengkap": sum(r["Laporan Lengkap"] == "Ya" for r in rows),
        "Desa yang tidak melapor": len(villages) - reported,
        "Pengunjung laki-laki": sum(r["Pengunjung Laki-laki"] for r in rows),
        "Pengunjung perempuan": sum(r["Pengunjung Perempuan"] for r in rows),
        "Pengunjung total": total,
        "Pengunjung triwulan lalu": prev_q, "Perubahan pengunjung vs triwulan lalu": change(total, prev_q),
        "Pengunjung triwulan yang sama tahun lalu": prev_y, "Perubahan pengunjung vs tahun lalu": change(total, prev_y),
        "Kegiatan": sum(r["Kegiatan"] for r in rows),
        "Kegiatan Peningkatan Layanan Informasi": sum(r["Kegiatan Peningkatan Layanan Informasi"] for r in rows),
        "Kegiatan Pelibatan Masyarakat": sum(r["Kegiatan Pelibatan Masyarakat"] for r in rows),
        "Kegiatan Advokasi": sum(r["Kegiatan Advokasi"] for r in rows),
        "Peserta laki-laki": pm, "Peserta perempuan": pf, "Peserta total": pm + pf,
        "Porsi peserta perempuan": pf / (pm + pf) if pm + pf else None,
        "Penerima manfaat": sum(r["Penerima Manfaat"] for r in rows),
        "Penerima manfaat perempuan": sum(r["Penerima Manfaat Perempuan"] for r in rows),
        "Mitra": len(partners), "Mitra dengan MoU": sum(bool(p["has_mou"]) for p in partners),
        "MoU ditandatangani triwulan ini": sum(bool(p["has_mou"]) and bool(p["mou_date"])
                                               and q_of(p["mou_date"]) == quarter for p in partners),
        "Perpustakaan yang memenuhi standar": sum(r["Memenuhi Standar"] == "Ya" for r in rows),
    }


def same(actual, expected) -> bool:
    if isinstance(expected, float) and actual is not None:
        return actual == pytest.approx(expected, rel=1e-12, abs=1e-12)
    return actual == expected


def diff(actual: dict, expected: dict) -> dict:
    keys = set(actual) | set(expected)
    return {k: (actual.get(k, "<missing>"), expected.get(k, "<missing>"))
            for k in sorted(keys) if not same(actual.get(k, "<missing>"), expected.get(k, "<missing>"))}


# --- golden tests -------------------------------------------------------------------------

@pytest.mark.parametrize("quarter", GOLDEN_QUARTERS)
@pytest.mark.parametrize("slug", ["kab-bengkalis", "provinsi-riau"])
def test_golden_village_sheet_cell_by_cell(golden, quarter, slug):
    wb = openpyxl.load_workbook(at(golden["out"], f"laporan-triwulan-{quarter}-{slug}.xlsx"))
    got = sheet_rows(wb["Desa"])
    expected = expected_village_rows(golden, quarter)
    assert [r["Kode Desa"] for r in got] == sorted(expected)        # every village, in code order
    problems = {r["Kode Desa"]: diff(r, expected[r["Kode Desa"]]) for r in got}
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("quarter", GOLDEN_QUARTERS)
def test_golden_summary_sheet(golden, quarter):
    wb = openpyxl.load_workbook(at(golden["out"], f"laporan-triwulan-{quarter}-kab-bengkalis.xlsx"))
    got = {r["Indikator"]: r["Nilai"] for r in sheet_rows(wb["Ringkasan"], 5)}
    assert diff(got, expected_summary(golden, quarter)) == {}


@pytest.mark.parametrize("quarter", GOLDEN_QUARTERS)
def test_golden_monthly_and_strategy_sheets(golden, quarter):
    wb = openpyxl.load_workbook(at(golden["out"], f"laporan-triwulan-{quarter}-provinsi-riau.xlsx"))
    villages = golden["truth"]["villages"].values()
    months = [date(int(quarter[:4]), int(quarter[-1]) * 3 - 2 + i, 1) for i in range(3)]
    expected = []
    for m in months:
        rows = [r for v in villages for r in v["tabs"]["Kunjungan"]["loaded"] if r["month"] == m.isoformat()]
        male, female = sum(r["visitors_male"] for r in rows), sum(r["visitors_female"] for r in rows)
        expected.append({"Bulan": datetime(m.year, m.month, 1), "Desa Melapor": len(rows),
                         "Laki-laki": male, "Perempuan": female, "Total": male + female})
    assert sheet_rows(wb["Kunjungan per Bulan"]) == expected
    acts = [(kode, a) for kode, v in golden["truth"]["villages"].items()
            for a in v["tabs"]["Kegiatan"]["loaded"] if a["quarter"] == quarter]
    expected = []
    for strategy in (PLI, PM, ADV):
        mine = [(k, a) for k, a in acts if a["strategy"] == strategy]
        pm, pf = sum(a["participants_male"] for _, a in mine), sum(a["participants_female"] for _, a in mine)
        expected.append({"Strategi": strategy, "Kegiatan": len(mine), "Desa Pelaksana": len({k for k, _ in mine}),
                         "Peserta Laki-laki": pm, "Peserta Perempuan": pf, "Peserta Total": pm + pf,
                         "Porsi Peserta Perempuan": pf / (pm + pf) if pm + pf else None})
    got = sheet_rows(wb["Kegiatan per Strategi"])
    assert [diff(g, e) for g, e in zip(got, expected)] == [{}] * 3 and len(got) == 3


def test_golden_csv_and_parquet_hold_the_same_village_table(golden):
    quarter, stem = "2022Q4", at(golden["out"], "laporan-triwulan-2022Q4-kab-bengkalis")
    expected = expected_village_rows(golden, quarter)
    rows = read_csv(stem.with_suffix(".csv"))
    assert [r["Kode Desa"] for r in rows] == sorted(expected)
    for r in rows:
        e = expected[r["Kode Desa"]]
        assert int(r["Pengunjung Total"]) == e["Pengunjung Total"]
        assert r["Status (ambang lokal)"] == e["Status (ambang lokal)"]
        assert r["Nama Perpustakaan"] == ("'" + e["Nama Perpustakaan"] if e["Nama Perpustakaan"].startswith("=")
                                          else e["Nama Perpustakaan"])
    parquet = pq.read_table(stem.with_suffix(".parquet")).to_pylist()
    assert {p["kode_desa"]: p["visitors_total"] for p in parquet} == \
        {k: e["Pengunjung Total"] for k, e in expected.items()}


def test_golden_planted_formulas_stay_text(golden):
    wb = openpyxl.load_workbook(at(golden["out"], "laporan-triwulan-2022Q4-kab-bengkalis.xlsx"))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    library = [c for c in cells if c.value == PLANTED_LIBRARY]
    assert len(library) == 2 and {c.data_type for c in library} == {"s"}   # Desa and Standar sheets
    products = [c for c in cells if isinstance(c.value, str) and PLANTED_PRODUCT in c.value]
    assert products and {c.data_type for c in products} == {"s"}


def test_golden_flow_writes_the_same_files(golden, tmp_path):
    from flows.quarterly_extract import quarterly_extract
    files = quarterly_extract(quarter="2022Q4", out=str(tmp_path), warehouse_path=str(golden["warehouse"]))
    assert len(files) == 2 * (2 + 2 * len(TABLE_SUFFIXES))         # workbook, index, CSV + Parquet per table
    for name in ("laporan-triwulan-2022Q4-kab-bengkalis.xlsx", "laporan-triwulan-2022Q4-provinsi-riau.csv"):
        assert at(tmp_path, name).read_bytes() == at(golden["out"], name).read_bytes()


def test_golden_views_agree_with_quarterly_indicators(golden):
    import duckdb
    con = duckdb.connect(str(golden["warehouse"]), read_only=True)
    try:
        mismatches = con.sql("""
            select i.quarter, i.kode_desa
            from report.quarterly_indicators i
            left join report.quarterly_participants p using (quarter, kode_desa)
            left join report.reporting_completeness c using (quarter, kode_desa)
            left join report.visits_change v using (quarter, kode_desa)
            where p.participants_total is distinct from i.participants_total
               or p.visitors_total is distinct from i.visitors_total
               or p.beneficiaries is distinct from i.beneficiaries
               or c.months_reported is distinct from i.months_reported
               or c.activities is distinct from i.activities
               or v.visitors_total is distinct from i.visitors_total""").fetchall()
        n = con.sql("select count(*) from report.quarterly_indicators").fetchall()[0][0]
        kab = con.sql("""select sum(visitors_total), sum(activities), sum(villages_complete)
                         from report.quarterly_kabupaten""").fetchall()[0]
        by_village = con.sql("""select sum(visitors_total), sum(activities),
                                count(*) filter (months_reported = 3 and activities >= 1)
                                from report.quarterly_indicators""").fetchall()[0]
    finally:
        con.close()
    assert mismatches == [] and n == 17 * 19                       # 2022Q1 .. 2026Q3
    assert kab == by_village


def test_parallel_writing_gives_the_same_files(warehouse, extract_dir, tmp_path, monkeypatch):
    """At province size the workbooks are written by several processes; same bytes either way."""
    import tpbis.extract.write as extract_module
    monkeypatch.setattr(extract_module, "PARALLEL_FROM", 0)
    write_extract(warehouse, Q, tmp_path)
    assert sorted(files(tmp_path)) == sorted(files(extract_dir))
    for name, path in files(extract_dir).items():
        assert (tmp_path / name).read_bytes() == path.read_bytes(), name
