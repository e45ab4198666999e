"""The portal's test warehouse: tests/small_warehouse.py (two villages of Kabupaten
Bengkalis 14.03, one of Kota Dumai 14.72) plus what the portal shows beyond the report
views' own tests: Dumai's data, sync runs (Beta keeps failing; Gamma failed last night),
rejected rows with Indonesian messages, per-tab counts and sync state.

Every text that belongs to Kota Dumai carries a marker from OTHER_KABUPATEN_MARKERS, so a
test can prove that a Bengkalis user never sees any of it.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from tests import small_warehouse as sw

BENGKALIS, DUMAI = "14.03", "14.72"
ALPHA, BETA, GAMMA = sw.ALPHA, sw.BETA, sw.GAMMA
R1 = datetime(2024, 1, 5, 10, 0, tzinfo=timezone.utc)
R2 = datetime(2024, 2, 1, 10, 0, tzinfo=timezone.utc)
# What only Kota Dumai's village shows: its code, names, sheet key, partner, messages, files.
OTHER_KABUPATEN_MARKERS = [GAMMA, "Gamma", "Dumai", f"key-{GAMMA}", "Mitra Gamma", "kota-dumai", "GMX"]
PROVINCE_FILE_MARKER = "provinsi-riau"


def _rows(con, table: str, columns: list[str], rows: list[tuple], run: str = "run-1") -> None:
    names = columns + ["row_hash", "valid_from", "valid_to", "loaded_run"]
    marks = ", ".join("?" for _ in names)
    for row in rows:
        con.execute(f"insert into core.{table} ({', '.join(names)}) values ({marks})", [*row, 0, sw.T1, None, run])


def build(path: Path) -> Path:
    sw.build(path)
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    _rows(con, "visits", ["kode_desa", "month", "visitors_male", "visitors_female"], [
        (GAMMA, date(2023, 10, 1), 7, 9), (GAMMA, date(2023, 11, 1), 8, 9), (GAMMA, date(2023, 12, 1), 9, 9),
        (GAMMA, date(2022, 10, 1), 3, 4)])
    _rows(con, "activities", ["kode_desa", "activity_date", "title", "category", "strategy",
                              "participants_male", "participants_female", "partner"], [
        (GAMMA, date(2023, 11, 3), "Kelas GMX Dumai", "TIK", "Pelibatan Masyarakat", 6, 8, "Mitra Gamma"),
        (ALPHA, date(2023, 12, 5), "Rapat Desa Alpha", "Advokasi", "Advokasi", 4, 2, None)])
    _rows(con, "benefits", ["kode_desa", "month", "initials", "gender", "benefit_type", "product"], [
        (GAMMA, date(2023, 11, 1), "G.M.X.", "P", "Usaha Baru", "Keripik Gamma"),
        (ALPHA, date(2023, 11, 1), "A.B.", "L", "Dapat Kerja", None)])
    _rows(con, "partners", ["kode_desa", "partner_name", "partner_type", "has_mou"], [
        (GAMMA, "Mitra Gamma Dumai", "Swasta/CSR", True)])
    _rows(con, "rejections", ["kode_desa", "spreadsheet_key", "tab", "row_number", '"column"', "value", "reason", "message"], [
        (ALPHA, f"key-{ALPHA}", "Kunjungan", 14, "Pengunjung Perempuan", "-5", "negative_count",
         "Baris 14, kolom Pengunjung Perempuan: '-5' bukan jumlah yang sah (tidak boleh negatif)."),
        (ALPHA, f"key-{ALPHA}", "Kegiatan", 9, "Tanggal", "31/02/2023", "bad_date",
         "Baris 9, kolom Tanggal: '31/02/2023' bukan tanggal yang bisa dibaca."),
        (GAMMA, f"key-{GAMMA}", "Kunjungan", 7, "Bulan", "GMX-13", "bad_month",
         "Baris 7, kolom Bulan: 'GMX-13' bukan bulan yang bisa dibaca (Gamma).")])
    _rows(con, "tab_counts", ["kode_desa", "spreadsheet_key", "tab", "rows_read", "rows_loaded", "rows_rejected"], [
        (ALPHA, f"key-{ALPHA}", "Kunjungan", 9, 8, 1), (ALPHA, f"key-{ALPHA}", "Kegiatan", 7, 6, 1),
        (GAMMA, f"key-{GAMMA}", "Kunjungan", 5, 4, 1)])
    con.execute("insert into core.sheet_state values (?, ?, null, null, ?)", [f"key-{GAMMA}", GAMMA, R1])
    con.execute("insert into core.runs values ('run-1', ?, ?, 'partial', true, 2, 0, 1, 100, 3, 3, 0, null)",
                [R1, R1])
    con.execute("insert into core.runs values ('run-2', ?, ?, 'partial', false, 1, 0, 2, 10, 0, 2, 0, null)",
                [R2, R2])
    for run, kode, status, message in (
            ("run-1", ALPHA, "loaded", None), ("run-1", BETA, "failed", "Lembar Beta tidak dibagikan (403)."),
            ("run-1", GAMMA, "loaded", None),
            ("run-2", ALPHA, "loaded", None), ("run-2", BETA, "failed", "Lembar Beta tidak dibagikan (403)."),
            ("run-2", GAMMA, "failed", "Lembar GMX Gamma terhapus (404).")):
        con.execute("insert into core.village_runs (run_id, kode_desa, spreadsheet_key, status, message) "
                    "values (?, ?, ?, ?, ?)", [run, kode, f"key-{kode}", status, message])
    con.execute("checkpoint")
    con.close()
    return path
