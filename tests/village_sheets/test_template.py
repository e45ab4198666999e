"""`tpbis template create|check`: a new village's sheet made from the template through gspread
(or offline as .xlsx), synced once filled; drift of existing sheets reported."""
from __future__ import annotations

import csv
import json
import shutil
from datetime import date

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from flows.nightly_sync import nightly_sync
from tpbis.local_sheets.librarians import vocabulary
from tpbis.google import sheets
from tpbis.cli.main import app
from tpbis.settings import CONFIG_DIR, Settings
from tpbis.google.sheets import connect
from tpbis.village_sheets.drift import drift, read_for_check
from tpbis.village_sheets.new_village import village_for
from tpbis.village_sheets.template import build_template, create_sheet
from tpbis.village_sheets.validasi.layout import NOTHING_REJECTED, VALIDASI
from tpbis.local_sheets.workbook_format import date_to_serial
from transforms.reference import load_reference

NEW = "14.03.02.2099"          # not a real desa: a new village of Kecamatan Bantan
REF = load_reference(CONFIG_DIR)
runner = CliRunner()


@pytest.fixture
def env(sync_env, tmp_path, monkeypatch):
    """The local server (as for a sync), and a registry that starts with the header only."""
    monkeypatch.setenv("TPBIS_SHEETS_WRITES_PER_MINUTE", "100000")
    registry = tmp_path / "villages.csv"
    registry.write_text((CONFIG_DIR / "villages.csv").read_text().splitlines()[0] + "\n")
    monkeypatch.setenv("TPBIS_REGISTRY", str(registry))
    return registry


def registry_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_template_headers_are_the_contract_headers():
    tabs = {t.title: t for t in build_template({"kode_desa": NEW, "desa": "X", "kecamatan": "Bantan",
                                                 "kabupaten": "Bengkalis"}, REF, 2025)}
    assert tabs.pop("Petunjuk").rows                                    # instructions first, then the data tabs
    assert {t: tab.headers for t, tab in tabs.items()} == vocabulary.TEMPLATE_HEADERS
    assert [row[0] for row in tabs["Profil"].rows] == list(vocabulary.PROFILE_FIELDS)
    lists = {tabs[t].headers[r.column]: r.choices for t in tabs for r in tabs[t].rules if r.choices}
    assert lists["Jenis Kegiatan"][-1] == "Lainnya" and len(lists["Jenis Kegiatan"]) == 11
    assert lists["Strategi"] == ("Peningkatan Layanan Informasi", "Pelibatan Masyarakat", "Advokasi")
    assert lists["MoU"] == ("Ya", "Tidak") and lists["Jenis Kelamin"] == ("L", "P")
    assert {"Jenis Mitra", "Jenis Dampak", "Nilai"} <= set(lists)        # Nilai: Akses Internet in Profil


def test_create_through_gspread_adds_the_village_to_the_registry(env, sheets_server):
    result = runner.invoke(app, ["template", "create", "--kode-desa", NEW, "--desa", "Teluk Contoh", "--tahun", "2025"])
    assert result.exit_code == 0, result.output
    [row] = registry_rows(env)
    assert row == {"kode_desa": NEW, "desa": "Teluk Contoh", "kecamatan": "Bantan", "kabupaten": "Bengkalis",
                   "provinsi": "Riau", "kelompok": "calon_replikasi_mandiri", "tahun_kelompok": "2025",
                   "spreadsheet_key": row["spreadsheet_key"]}
    key = row["spreadsheet_key"]
    assert key in result.output
    book = sheets_server.get_workbook(key)
    assert (book["title"], book["locale"], book["timeZone"]) == ("Laporan TPBIS Desa Teluk Contoh", "in_ID", "Asia/Jakarta")
    assert [s["title"] for s in book["sheets"]] == ["Petunjuk", "Profil", "Kunjungan", "Kegiatan", "Mitra", "Dampak"]
    assert all(s.get("frozenRowCount") == 1 for s in book["sheets"])
    _assert_sheets_guards({s["title"]: s for s in book["sheets"]})
    # what a librarian sees, through gspread
    spreadsheet = sheets.connect(Settings.from_env()).client.open_by_key(key)
    profil = spreadsheet.worksheet("Profil").get_all_values()
    assert profil[:5] == [["Isian", "Nilai"], ["Kode Desa", NEW], ["Nama Desa", "Teluk Contoh"],
                          ["Kecamatan", "Bantan"], ["Kabupaten", "Bengkalis"]]
    months = spreadsheet.worksheet("Kunjungan").col_values(1)
    assert months[:3] == ["Bulan", "Januari 2025", "Februari 2025"] and len(months) == 13
    # the same village again: refused before anything is created
    creates = sheets_server.counters.total("drive.files.create")
    again = runner.invoke(app, ["template", "create", "--kode-desa", NEW])
    assert again.exit_code == 2 and "--replace-key" in again.output
    assert sheets_server.counters.total("drive.files.create") == creates


def _rules_by_column(sheet: dict) -> dict[int, dict]:
    return {v["range"]["startColumnIndex"]: v["rule"] for v in sheet.get("dataValidation", [])
            if v["range"].get("endRowIndex", 0) > 2}


def _assert_sheets_guards(tabs: dict) -> None:
    """What the local server stored of the template's batchUpdate: validations with Indonesian
    hints, warning-only protected header rows, highlighted empty required cells."""
    this_year = date.today().year
    visits = _rules_by_column(tabs["Kunjungan"])
    assert sorted(visits) == list(range(7))                           # Bulan and every count
    assert visits[0]["condition"] == {"type": "DATE_BETWEEN", "values": [
        {"userEnteredValue": "2015-01-01"}, {"userEnteredValue": f"{max(2025, this_year)}-12-31"}]}
    assert visits[1]["condition"] == {"type": "CUSTOM_FORMULA",
                                      "values": [{"userEnteredValue": "=AND(ISNUMBER(B2);B2=INT(B2);B2>=0)"}]}
    assert visits[1]["strict"] is True and "bilangan bulat 0 atau lebih" in visits[1]["inputMessage"]
    activities = _rules_by_column(tabs["Kegiatan"])
    assert activities[1]["condition"]["type"] == "DATE_BETWEEN" and "hari/bulan/tahun" in activities[1]["inputMessage"]
    category = activities[3]
    assert category["condition"]["type"] == "ONE_OF_LIST" and category["strict"] is False
    assert category["inputMessage"].startswith("Pilih dari daftar: Pelatihan Keterampilan")
    assert {v["rule"]["condition"]["type"] for v in tabs["Profil"]["dataValidation"]} == \
        {"CUSTOM_FORMULA", "NUMBER_BETWEEN", "ONE_OF_LIST"}
    for title in ("Profil", "Kunjungan", "Kegiatan", "Mitra", "Dampak"):
        header = tabs[title]["protectedRanges"][0]
        assert header["range"] == {"sheetId": tabs[title]["sheetId"], "startRowIndex": 0, "endRowIndex": 1}
        assert header["warningOnly"] is True and "jangan diubah" in header["description"]
    assert tabs["Petunjuk"]["protectedRanges"][0]["range"] == {"sheetId": tabs["Petunjuk"]["sheetId"], "startRowIndex": 0}
    highlighted = {r["ranges"][0]["startColumnIndex"]: r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
                   for r in tabs["Kegiatan"]["conditionalFormats"]}
    assert sorted(highlighted) == [1, 2, 3, 5, 6]                      # Tanggal, Nama, Jenis, both Peserta
    assert highlighted[2] == "=AND(COUNTA($B2;$C2;$D2;$E2;$F2;$G2;$H2;$I2)>0;ISBLANK(C2))"   # No is prefilled
    assert "Kunjungan" in {row[0] for row in tabs["Petunjuk"]["rows"] if row}


def test_create_appends_to_a_full_registry_and_keeps_every_row(env, sheets_server):
    shutil.copyfile(CONFIG_DIR / "villages.csv", env)
    before = registry_rows(env)
    result = runner.invoke(app, ["template", "create", "--kode-desa", NEW, "--desa", "Teluk Contoh"])
    assert result.exit_code == 0, result.output
    after = registry_rows(env)
    assert after[:-1] == before and after[-1]["kode_desa"] == NEW
    # a registered village keeps its names; --replace-key points it at the new sheet
    jangkang = next(r for r in before if r["kode_desa"] == "14.03.02.2008")
    result = runner.invoke(app, ["template", "create", "--kode-desa", "14.03.02.2008", "--replace-key"])
    assert result.exit_code == 0, result.output
    now = next(r for r in registry_rows(env) if r["kode_desa"] == "14.03.02.2008")
    assert now["spreadsheet_key"] != jangkang["spreadsheet_key"]
    assert {k: v for k, v in now.items() if k != "spreadsheet_key"} == \
        {k: v for k, v in jangkang.items() if k != "spreadsheet_key"}
    assert sheets_server.get_workbook(now["spreadsheet_key"])["title"] == "Laporan TPBIS Desa Jangkang"


def _fill_with_valid_data(key: str) -> dict:
    """What a careful librarian types (USER_ENTERED, as in the Sheets UI); returns rows per tab."""
    conn = sheets.connect(Settings.from_env(), write=True)
    profil = [["Perpustakaan Desa Cahaya Ilmu"], ["1403022D100001"], ["Siti Aminah"], [2], [2025],
              [1200], [3400], [4], ["Ya"], [7.5]]
    visits = [[40 + m, 55 + m, m, 120 + m, 20, 22] for m in range(1, 13)]
    activities = [[1, "13/10/2025", "Pelatihan Membuat Kerupuk Ikan", "Pelatihan Keterampilan", "", 5, 12, "PKK", ""],
                  [2, "20/10/2025", "Dongeng untuk Anak", "Literasi", "Pelibatan Masyarakat", 8, 9, "", "Di balai desa"],
                  [3, "5/11/2025", "Rapat Koordinasi dengan Pemdes", "Rapat Pemangku Kepentingan", "", 4, 3,
                   "Pemerintah Desa", ""]]
    partners = [["TP PKK Desa", "PKK", "Narasumber pelatihan", "Ya", "02/01/2025", "Rp 1.500.000"],
                ["Pemerintah Desa Teluk Contoh", "Pemerintah Desa", "Dana", "Tidak", "", 5000000]]
    benefits = [["November 2025", "S.A.", "P", "Pendapatan Naik", "Kerupuk Ikan", 500000, 900000,
                 "Pesanan datang dari Pekanbaru."]]
    conn.http.values_batch_update(key, body={"valueInputOption": "USER_ENTERED", "data": [
        {"range": "'Profil'!B6:B15", "values": profil},
        {"range": "'Kunjungan'!B2", "values": visits},
        {"range": "'Kegiatan'!A2", "values": activities},
        {"range": "'Mitra'!A2", "values": partners},
        {"range": "'Dampak'!A2", "values": benefits}]})
    return {"Profil": 14, "Kunjungan": 12, "Kegiatan": 3, "Mitra": 2, "Dampak": 1}


@pytest.mark.usefixtures("prefect_harness")
def test_new_sheet_from_the_template_syncs_cleanly_once_filled(env, sheets_server, tmp_path):
    result = runner.invoke(app, ["template", "create", "--kode-desa", NEW, "--desa", "Teluk Contoh", "--tahun", "2025"])
    assert result.exit_code == 0, result.output
    key = registry_rows(env)[0]["spreadsheet_key"]
    expected = _fill_with_valid_data(key)
    summary = nightly_sync(write_back=True)
    assert (summary["villages_loaded"], summary["villages_failed"], summary["rows_rejected"]) == (1, 0, 0)
    warehouse = tmp_path / "wh" / "tpbis.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from report.rejected_rows").fetchone()[0] == 0
        assert con.execute("select count(*) from report.row_warnings").fetchone()[0] == 0
        counts = dict(con.execute("select tab, rows_loaded from core.tab_counts where valid_to is null").fetchall())
        assert counts == expected
        assert con.execute("select sum(visitors_total) from report.monthly_visits").fetchone()[0] == \
            sum(40 + m + 55 + m for m in range(1, 13))
        assert con.execute("select category, participants_total from report.activities order by activity_date"
                           ).fetchall() == [("Pelatihan Keterampilan", 17), ("Literasi", 17),
                                            ("Rapat Pemangku Kepentingan", 7)]
        assert con.execute("select library_name from report.villages").fetchone()[0] == "Perpustakaan Desa Cahaya Ilmu"
    finally:
        con.close()
    validasi = sheets.connect(Settings.from_env()).client.open_by_key(key).worksheet(VALIDASI).get_all_values()
    assert validasi[1][0].startswith("SEMUA BARIS DITERIMA")                 # the green status line
    assert [NOTHING_REJECTED] in [[c for c in row if c] for row in validasi]
    # and the sheet, Validasi tab included, has not drifted from the template
    check = runner.invoke(app, ["template", "check", "--kode-desa", NEW])
    assert check.exit_code == 0 and "tidak ada perbedaan" in check.output


def test_xlsx_offline_has_the_same_content(env, tmp_path):
    path = tmp_path / "out" / "template.xlsx"
    result = runner.invoke(app, ["template", "create", "--kode-desa", NEW, "--desa", "Teluk Contoh",
                                 "--tahun", "2025", "--xlsx", str(path)])
    assert result.exit_code == 0, result.output
    assert registry_rows(env) == []                   # no key yet: the registry waits for the upload
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Petunjuk", "Profil", "Kunjungan", "Kegiatan", "Mitra", "Dampak"]
    for title, headers in vocabulary.TEMPLATE_HEADERS.items():
        sheet = book[title]
        assert [c.value for c in sheet[1]] == headers
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold
    assert [[c.value for c in row] for row in book["Profil"].iter_rows(min_row=2, max_row=4)] == \
        [["Kode Desa", NEW], ["Nama Desa", "Teluk Contoh"], ["Kecamatan", "Bantan"]]
    assert book["Profil"]["B2"].number_format == "@"
    assert book["Kunjungan"]["A2"].value.strftime("%Y-%m") == "2025-01"
    assert book["Kunjungan"]["A2"].number_format == "mmmm yyyy"
    rules = {f"{s.title}!{dv.sqref}": dv for s in book for dv in s.data_validations.dataValidation}
    lists = {k: dv.formula1 for k, dv in rules.items() if dv.type == "list"}
    assert len(lists) == 7
    assert lists["Kegiatan!D2:D1000"].startswith('"Pelatihan Keterampilan,Literasi,')
    assert lists["Profil!B14"] == '"Ya,Tidak"'                                # Akses Internet
    assert rules["Kegiatan!D2:D1000"].errorStyle == "warning"                 # synonyms still load
    visitors = rules["Kunjungan!B2:B1000"]
    assert (visitors.type, visitors.operator, visitors.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert visitors.errorStyle in (None, "stop")                             # OOXML's default: refuse
    assert "bilangan bulat 0 atau lebih" in visitors.prompt and "bukan teks" in visitors.error
    day = rules["Kegiatan!B2:B1000"]
    last_year = max(2025, date.today().year)
    assert (day.type, day.operator or "between", day.formula1) == ("date", "between", "42005")  # 1 January 2015
    assert day.formula2 == str(date_to_serial(date(last_year, 12, 31)))
    assert f"31/12/{last_year}" in day.error and day.promptTitle == "Tanggal"
    assert rules["Kunjungan!A2:A1000"].type == "date" and "Oktober" in rules["Kunjungan!A2:A1000"].prompt
    counts = [k for k, dv in rules.items() if dv.type == "whole"]
    assert len(counts) == 6 + 2 + 1 + 2 + 5          # counts of Kunjungan, Kegiatan, Mitra, Dampak; Profil numbers
    for sheet in book:
        assert sheet.protection.sheet, sheet.title                           # protected, no password
        assert sheet["A1"].protection.locked
    assert not book["Kunjungan"]["A2"].protection.locked                      # typed cells stay open
    assert not book["Profil"]["B3"].protection.locked and book["Profil"]["A3"].protection.locked
    highlighted = {str(r.sqref): r.rules[0].formula[0] for r in book["Kunjungan"].conditional_formatting}
    assert highlighted["B2:B1000"] == "AND(COUNTA($B2,$C2,$D2,$E2,$F2,$G2)>0,ISBLANK(B2))"
    assert set(highlighted) == {"A2:A1000", "B2:B1000", "C2:C1000"}
    assert "NIK" in " ".join(str(c.value) for row in book["Petunjuk"].iter_rows() for c in row)


def test_check_reports_drift(env, sheets_server):
    village, _ = village_for(NEW, env, CONFIG_DIR, desa="Teluk Contoh")
    conn = connect(Settings.from_env(), create=True)
    key = create_sheet(conn, village, REF, 2025)
    titles, values = read_for_check(conn, key, REF)
    assert drift(titles, values, REF) == []
    book = sheets_server.get_workbook(key)
    tabs = {s["title"]: s for s in book["sheets"]}
    kunjungan = tabs["Kunjungan"]["rows"]
    kunjungan[0] = ["Bulan", "Pengunjung Pria", "Pengunjung Perempuan", "Anggota Baru", "Buku Dipinjam",
                    "Pengguna Internet", "Catatan"]                      # renamed, Hari Buka gone, extra column
    tabs["Kunjungan"]["rows"] = [["Laporan Kunjungan 2025"], [], *kunjungan]
    tabs["Kegiatan"]["rows"][0] = ["No", "Tanggal", "Jenis Kegiatan", "Peserta L", "Peserta P"]  # no Nama Kegiatan
    book["sheets"] = [s for s in book["sheets"] if s["title"] != "Mitra"] + [{"title": "Catatan", "rows": []}]
    tabs["Dampak"]["title"] = "dampak"
    sheets_server.put_workbook(book)
    titles, values = read_for_check(conn, key, REF)
    found = {(f.severity, f.code, f.tab): f.message for f in drift(titles, values, REF)}
    assert set(found) >= {
        ("info", "header_moved", "Kunjungan"), ("info", "renamed_column", "Kunjungan"),
        ("warning", "missing_column", "Kunjungan"), ("info", "extra_column", "Kunjungan"),
        ("error", "missing_column", "Kegiatan"), ("warning", "missing_tab", "Mitra"),
        ("info", "extra_tab", "Catatan"), ("info", "renamed_tab", "Dampak")}
    assert "Pengunjung Pria" in found[("info", "renamed_column", "Kunjungan")]
    assert "Nama Kegiatan" in found[("error", "missing_column", "Kegiatan")]
    result = runner.invoke(app, ["template", "check", "--key", key])
    assert result.exit_code == 1 and "[missing_column]" in result.output


def test_check_of_a_sample_village_finds_its_older_template(env, sheets_server):
    shutil.copyfile(CONFIG_DIR / "villages.csv", env)
    result = runner.invoke(app, ["template", "check", "--kode-desa", "14.03.02.2010", "--json"])
    assert result.exit_code == 1, result.output               # Resam Lapis: an older template without Strategi
    assert '"missing_column"' in result.output and "Strategi" in result.output
    missing = runner.invoke(app, ["template", "check", "--kode-desa", "14.99.99.9999"])
    assert missing.exit_code == 2


def test_check_all_reports_every_registered_village(env, sheets_server):
    shutil.copyfile(CONFIG_DIR / "villages.csv", env)
    rows = registry_rows(env)
    refused = rows[0]
    sheets_server.faults.status(refused["spreadsheet_key"], 403)
    sheets_server.counters.reset()
    table = runner.invoke(app, ["template", "check", "--all"])
    assert table.exit_code == 1, table.output
    lines = table.output.strip().splitlines()
    assert lines[0].startswith("Kode Desa") and len(lines) == len(rows) + 2
    line = {l.split()[0]: l for l in lines[1:-1]}
    assert "tidak_terbaca" in line[refused["kode_desa"]] and "403" in line[refused["kode_desa"]]
    assert "berbeda" in line["14.03.02.2010"] and "Strategi" in line["14.03.02.2010"]   # the older template
    assert lines[-1].startswith(f"{len(rows)} desa diperiksa")
    # two reads a village (tab list, top rows), through the sync's paced connection
    assert sheets_server.counters.total("sheets.batchGet") == len(rows) - 1
    as_json = runner.invoke(app, ["template", "check", "--all", "--json"])
    checks = {c["kode_desa"]: c for c in json.loads(as_json.output)}
    assert set(checks) == {r["kode_desa"] for r in rows}
    assert checks[refused["kode_desa"]]["status"] == "tidak_terbaca"
    assert any(f["code"] == "missing_column" for f in checks["14.03.02.2010"]["findings"])
    assert {c["status"] for c in checks.values()} <= {"sesuai", "berbeda", "tidak_terbaca"}
