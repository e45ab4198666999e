"""A tiny warehouse written row by row, so every number a report view shows can be worked
out by hand (the expected values in tests/test_reports.py are written that way).

Three villages in two kabupaten: Alpha reports everything, Beta one month, Gamma (a kota)
nothing. Two loads: T1, then T2 corrects one Kunjungan month of Alpha and deletes one of its
activities, so `as_of` between them shows the old state. Sheet text that looks like a formula
(`=HYPERLINK(...)`, `@SUM(...)`, `+62...`, `-...`) is planted where the extract prints it.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from tpbis.warehouse.store import apply_schema

T1 = datetime(2024, 1, 5, 10, 0, tzinfo=timezone.utc)
T2 = datetime(2024, 2, 1, 10, 0, tzinfo=timezone.utc)
BETWEEN = "2024-01-20"          # --as-of: after T1, before T2

ALPHA, BETA, GAMMA = "14.03.01.2001", "14.03.02.2002", "14.72.01.1003"
FORMULA_LIBRARY = '=HYPERLINK("http://example.com","klik")'
FORMULA_PRODUCT = "@SUM(1+1)"

VILLAGES = [
    (ALPHA, "Alpha", "Bengkalis", "Bengkalis", "Riau", "replikasi", 2019),
    (BETA, "Beta", "Bantan", "Bengkalis", "Riau", "calon_replikasi_mandiri", 2022),
    (GAMMA, "Gamma", "Dumai Barat", "Kota Dumai", "Riau", "replikasi_mandiri", 2021),
]

VISITS = [  # kode, month, male, female
    (ALPHA, date(2022, 7, 1), 10, 20), (ALPHA, date(2022, 8, 1), 11, 21), (ALPHA, date(2022, 9, 1), 12, 22),
    (ALPHA, date(2022, 11, 1), 20, 30), (ALPHA, date(2022, 12, 1), 20, 40),
    (ALPHA, date(2023, 10, 1), 30, 30), (ALPHA, date(2023, 11, 1), 30, 30),
    (BETA, date(2022, 10, 1), 5, 5),
]
VISIT_OLD = (ALPHA, date(2022, 10, 1), 15, 30)      # valid T1..T2
VISIT_NEW = (ALPHA, date(2022, 10, 1), 20, 30)      # valid from T2

ACTIVITIES = [  # kode, day, title, category, strategy, male, female
    (ALPHA, date(2022, 8, 5), "Dongeng", "Literasi", "Pelibatan Masyarakat", 5, 10),
    (ALPHA, date(2022, 10, 10), "Audiensi Kades", "Advokasi", "Advokasi", 2, 3),
    (ALPHA, date(2022, 11, 11), "PLM Kabupaten", "Peer Learning Meeting", "Peningkatan Layanan Informasi", 4, 4),
    (ALPHA, date(2022, 12, 1), "Pelatihan Sabun", "Pelatihan Keterampilan", "Pelibatan Masyarakat", 0, 12),
    (ALPHA, date(2023, 10, 2), "Membaca Bersama", "Literasi", "Pelibatan Masyarakat", 3, 3),
    (BETA, date(2023, 1, 15), "Sosialisasi", "Sosialisasi", "Pelibatan Masyarakat", 1, 1),
]
ACTIVITY_DELETED = (ALPHA, date(2022, 12, 20), "Senam", "Kesehatan", "Pelibatan Masyarakat", 1, 1)  # T1..T2

BENEFITS = [  # kode, month, gender, type, product, before, after
    (ALPHA, date(2022, 11, 1), "P", "Pendapatan Naik", "Kerupuk", 100_000, 300_000),
    (ALPHA, date(2022, 12, 1), "L", "Usaha Baru", FORMULA_PRODUCT, 0, 500_000),
    (ALPHA, date(2022, 12, 1), "P", "Dapat Kerja", None, None, None),
]

PARTNERS = [  # kode, name, type, has_mou, mou_date, value
    (ALPHA, "Pemerintah Desa Alpha", "Pemerintah Desa", True, date(2022, 11, 20), 1_000_000),
    (ALPHA, "+62 812 PKK", "Sekolah", False, None, 500_000),
    (ALPHA, "-PKK Alpha", "PKK", True, None, None),
]

PROFILES = [  # kode, library, titles, staff, hours
    (ALPHA, "Perpustakaan Desa Alpha", 1200, 2, 6.0),
    (BETA, FORMULA_LIBRARY, 800, 1, 5.5),
]


def _insert(con, table: str, columns: list[str], rows: list[tuple], valid_from, valid_to=None) -> None:
    names = columns + ["row_hash", "valid_from", "valid_to", "loaded_run"]
    marks = ", ".join("?" for _ in names)
    for row in rows:
        con.execute(f"insert into core.{table} ({', '.join(names)}) values ({marks})",
                    [*row, 0, valid_from, valid_to, "run-1"])


def build(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    apply_schema(con)
    for v in VILLAGES:
        con.execute("insert into core.villages values (?, ?, ?, ?, ?, ?, ?, ?)", [*v, f"key-{v[0]}"])
    visit_cols = ["kode_desa", "month", "visitors_male", "visitors_female"]
    _insert(con, "visits", visit_cols, VISITS, T1)
    _insert(con, "visits", visit_cols, [VISIT_OLD], T1, T2)
    _insert(con, "visits", visit_cols, [VISIT_NEW], T2)
    act_cols = ["kode_desa", "activity_date", "title", "category", "strategy", "participants_male",
                "participants_female"]
    _insert(con, "activities", act_cols, ACTIVITIES, T1)
    _insert(con, "activities", act_cols, [ACTIVITY_DELETED], T1, T2)
    _insert(con, "benefits", ["kode_desa", "month", "gender", "benefit_type", "product", "income_before",
                              "income_after"], BENEFITS, T1)
    _insert(con, "partners", ["kode_desa", "partner_name", "partner_type", "has_mou", "mou_date",
                              "support_value_rp"], PARTNERS, T1)
    _insert(con, "profile", ["kode_desa", "library_name", "collection_titles", "staff_count",
                             "opening_hours"], PROFILES, T1)
    con.execute("insert into core.sheet_state values (?, ?, null, null, ?)", [f"key-{ALPHA}", ALPHA, T2])
    con.execute("checkpoint")
    con.close()
    return path
