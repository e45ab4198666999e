"""Synthetic villages and workbooks for benchmarks: many of them, clean, and fast to make.

Why separate from `tpbis.sample`: the sample is about realism and exact truth for 17
villages; benchmarks need 20,000 spreadsheets (the province's size) or one sheet with a
million rows, built in seconds. So these workbooks are plain template sheets (numbers as
ints, dates as date cells) where every data row loads: rows read == rows loaded, and the
expected counts follow from the arguments alone (see `expected_rows`).

Speed comes from building each distinct block of rows once (`_blocks`, cached) and giving
each workbook copies of its rows, so a server that writes into one sheet cannot change
another. `big_workbook` goes further and repeats the same row objects: treat it as read-only.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import random
import zlib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from tpbis.wib import TIME_ZONE
from tpbis.local_sheets.librarians.vocabulary import (BENEFIT_TYPES, CATEGORY_STRATEGY, MODIFIED_TIME, PARTNER_TYPES,
                          PROFILE_FIELDS, TEMPLATE_HEADERS, TITLES)

REGISTRY_COLUMNS = ["kode_desa", "desa", "kecamatan", "kabupaten", "provinsi", "kelompok",
                    "tahun_kelompok", "spreadsheet_key"]
KABUPATEN = ["Kampar", "Indragiri Hulu", "Bengkalis", "Indragiri Hilir", "Pelalawan",
             "Rokan Hulu", "Rokan Hilir", "Siak", "Kuantan Singingi", "Kepulauan Meranti",
             "Kota Pekanbaru", "Kota Dumai"]
KABUPATEN_CODES = ["14.01", "14.02", "14.03", "14.04", "14.05", "14.06", "14.07", "14.08", "14.09",
                   "14.10", "14.71", "14.72"]       # of KABUPATEN, as in config/regions.csv
COHORTS = ["replikasi", "replikasi_mandiri", "calon_replikasi_mandiri"]
LAST_MONTH = date(2026, 9, 1)          # the sample's last month; nothing later is generated
FIRST_MONTH = date(2015, 1, 1)         # contract section 5: nothing before 2015 loads
MAX_MONTHS = (LAST_MONTH.year - FIRST_MONTH.year) * 12 + LAST_MONTH.month - FIRST_MONTH.month + 1
VILLAGES_PER_KECAMATAN = 9000
VARIANTS = 8                           # distinct row blocks per shape; villages share them


def synthetic_key(kode_desa: str, seed: int = 1) -> str:
    """A Google-looking spreadsheet id (44 chars, starts with '1'), stable per code and seed."""
    digest = hashlib.sha256(f"tpbis-synthetic:{seed}:{kode_desa}".encode()).digest()
    return "1" + base64.urlsafe_b64encode(digest).decode()[:43]


def synthetic_registry(n: int, seed: int = 1) -> list[dict]:
    """n registry rows with unique codes `14.KK.9X.NNNN`: each village under a real kabupaten
    code named as config/regions.csv names it (the code decides the region), in kecamatan
    codes 90-99 that no real kecamatan uses, so synthetic villages never collide with real
    ones. Kabupaten and cohorts cycle."""
    per_kabupaten = 10 * VILLAGES_PER_KECAMATAN
    if n > len(KABUPATEN) * per_kabupaten:
        raise ValueError(f"at most {len(KABUPATEN) * per_kabupaten} synthetic villages")
    rows = []
    for i in range(n):
        kabupaten, j = i % len(KABUPATEN), i // len(KABUPATEN)
        kecamatan, number = 90 + j // VILLAGES_PER_KECAMATAN, j % VILLAGES_PER_KECAMATAN
        kode = f"{KABUPATEN_CODES[kabupaten]}.{kecamatan}.{1000 + number:04d}"
        rows.append({
            "kode_desa": kode, "desa": f"Sintetis {i + 1:05d}",
            "kecamatan": f"Sintetis {kecamatan}", "kabupaten": KABUPATEN[kabupaten],
            "provinsi": "Riau", "kelompok": COHORTS[i % len(COHORTS)],
            "tahun_kelompok": str(2019 + i % 6), "spreadsheet_key": synthetic_key(kode, seed),
        })
    return rows


def write_registry_csv(rows: Iterable[dict], path: str | Path) -> Path:
    """A registry CSV (contract section 2) from rows such as `synthetic_registry` returns."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, REGISTRY_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _months(count: int) -> list[date]:
    """The `count` months ending with LAST_MONTH, oldest first."""
    if not 0 <= count <= MAX_MONTHS:
        raise ValueError(f"months must be between 0 and {MAX_MONTHS} (2015-01..2026-09)")
    index = LAST_MONTH.year * 12 + LAST_MONTH.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def _month_cell(month: date) -> dict:
    return {"date": month.isoformat(), "fmt": "mmmm yyyy"}


def _day_cell(day: date) -> dict:
    return {"date": day.isoformat(), "fmt": "dd/mm/yyyy"}


@lru_cache(maxsize=256)
def _blocks(months: int, per_month: int, multiplier: int, seed: int, variant: int) -> dict:
    """Data rows (no header) of Kunjungan, Kegiatan, Mitra and Dampak for one shape."""
    rng = random.Random(f"{seed}:{variant}:{months}:{per_month}:{multiplier}")
    categories = list(CATEGORY_STRATEGY)
    visits, activities, benefits = [], [], []
    for month in _months(months):
        male, female = rng.randint(30, 600), rng.randint(30, 600)
        visits.append([_month_cell(month), male, female, rng.randint(0, 25),
                       rng.randint(50, 1500), rng.randint(0, 150), rng.randint(18, 26)])
        for _ in range(per_month * multiplier):
            category = rng.choice(categories)
            activities.append([
                len(activities) + 1, _day_cell(month.replace(day=rng.randint(1, 28))),
                rng.choice(TITLES[category]), category, "", rng.randint(0, 20),
                rng.randint(1, 30), "", ""])
        for _ in range(multiplier):
            before = rng.randrange(0, 31) * 50_000
            benefits.append([_month_cell(month), "S.A.", rng.choice("LP"),
                             rng.choice(BENEFIT_TYPES), "Keripik Nanas", before,
                             before + rng.randrange(5, 41) * 50_000, ""])
    partners = [[f"Mitra {i + 1} ({kind})", kind, "Dana", "Ya", _day_cell(date(2021, 1, 15)),
                 rng.randrange(5, 500) * 100_000]
                for i, kind in enumerate(PARTNER_TYPES[:3] * multiplier)]
    return {"Kunjungan": visits, "Kegiatan": activities, "Mitra": partners, "Dampak": benefits}


def _profile_rows(village: dict) -> list[list]:
    year = village.get("tahun_kelompok", "")
    values = [village["kode_desa"], village["desa"], village.get("kecamatan", ""),
              village.get("kabupaten", ""), f"Perpustakaan Desa {village['desa']}",
              village["kode_desa"].replace(".", ""), "Pengelola", 2,
              int(year) if str(year).isdigit() else "", 1200, 3000, 4, "Ya", 8]
    return [["Isian", "Nilai"], *([name, value] for name, value in zip(PROFILE_FIELDS, values))]


def _workbook(village: dict, tabs: dict[str, list[list]]) -> dict:
    key = village["spreadsheet_key"]
    sheets = [{"title": "Profil", "rows": _profile_rows(village)}]
    sheets += [{"title": t, "rows": [list(TEMPLATE_HEADERS[t]), *tabs[t]]}
               for t in ("Kunjungan", "Kegiatan", "Mitra", "Dampak")]
    return {"spreadsheetId": key, "title": f"Laporan TPBIS Desa {village['desa']}",
            "locale": "in_ID", "timeZone": TIME_ZONE, "modifiedTime": MODIFIED_TIME,
            "sheets": sheets}


def synthetic_workbook(village: dict, months: int = 12, activities_per_month: int = 4,
                       rows_multiplier: int = 1, seed: int = 1) -> dict:
    """A clean template workbook for one registry row (see `expected_rows` for its sizes).

    Kunjungan has one row per month (a month cannot repeat); rows_multiplier multiplies the
    rows of Kegiatan, Mitra and Dampak."""
    variant = zlib.crc32(village["kode_desa"].encode()) % VARIANTS
    blocks = _blocks(months, activities_per_month, rows_multiplier, seed, variant)
    return _workbook(village, {t: [row.copy() for row in rows] for t, rows in blocks.items()})


def expected_rows(months: int = 12, activities_per_month: int = 4, rows_multiplier: int = 1) -> dict:
    """Data rows per tab of a `synthetic_workbook` (all of them load; none is rejected)."""
    return {"Profil": 14, "Kunjungan": months,
            "Kegiatan": months * activities_per_month * rows_multiplier,
            "Mitra": 3 * rows_multiplier, "Dampak": months * rows_multiplier}


def iter_workbooks(registry: Iterable[dict], **options) -> Iterator[dict]:
    """Workbooks one at a time, for directories of 20,000 files without holding them all."""
    for village in registry:
        yield synthetic_workbook(village, **options)


def big_workbook(village: dict, kegiatan_rows: int = 1_000_000, kunjungan_rows: int = 120,
                 seed: int = 1) -> dict:
    """One workbook with `kegiatan_rows` activities, for throughput benchmarks.

    The Kegiatan rows repeat a block of 1,000 distinct rows (the same list objects, so a
    million rows cost a million pointers): writing into one of those rows changes every
    thousandth row of this workbook, so treat it as read-only. Kunjungan has one row per
    month, hence at most MAX_MONTHS rows."""
    small = _blocks(kunjungan_rows, 1, 1, seed, 0)
    tabs = {t: [row.copy() for row in rows] for t, rows in small.items()}
    block = [row.copy() for row in _blocks(MAX_MONTHS, 8, 1, seed, 1)["Kegiatan"][:1000]]
    repeats, rest = divmod(kegiatan_rows, len(block))
    return _workbook(village, {**tabs, "Kegiatan": block * repeats + block[:rest]})


# --- messy workbooks: what librarians really type (contract section 4), a few bad cells --------

MONTH_NAMES = ["Januari", "Pebruari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
               "Oktober", "Nopember", "Desember"]
MONTH_ABBR = ["Jan", "Peb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agt", "Sept", "Okt", "Nop", "Des"]
MESSY_HEADERS = {
    "Kunjungan": ["BULAN", "Pengunjung Laki Laki", "Pengunjung  Perempuan (P)", "Anggota baru", "Buku Dipinjam",
                  "Pengguna Internet", "Hari Buka"],
    "Kegiatan": ["No", "Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Strategi", "Peserta (L)", "Peserta (P)",
                 "Mitra", "Keterangan"],
}
BAD_CELLS = ["banyak", "-5", "kemarin", "31/02/2024", "12,5 orang", "??"]


def _messy_month(rng: random.Random, month: date):
    style = rng.randrange(5)
    if style == 0:
        return _month_cell(month)
    if style == 1:
        return f"{MONTH_NAMES[month.month - 1]} {month.year}"
    if style == 2:
        return f"{MONTH_ABBR[month.month - 1]}-{month.year % 100:02d}"
    if style == 3:
        return f"{month.month}/{month.year}"
    return f"{month.year}-{month.month:02d}"


def _messy_day(rng: random.Random, day: date):
    style = rng.randrange(5)
    if style < 2:
        return _day_cell(day)
    if style == 2:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if style == 3:
        return f"{day.day} {MONTH_ABBR[day.month - 1]} {day.year}"
    return day.isoformat()


def _messy_count(rng: random.Random, n: int):
    style = rng.randrange(10)
    if style < 6:
        return n
    if style < 8:
        return f"{n} orang"
    if style == 8:
        return f"{n:,}".replace(",", ".") if n >= 1000 else str(n)
    return "-" if n == 0 else n


@lru_cache(maxsize=512)
def _messy_blocks(months: int, activities: int, bad: float, seed: int, variant: int) -> dict:
    """Rows (title and header included) of a messy Kunjungan and Kegiatan tab for one shape."""
    rng = random.Random(f"messy:{seed}:{variant}:{months}:{activities}:{bad}")
    spelled = {"Pelatihan Keterampilan": "Pelatihan", "Peer Learning Meeting": "PLM", "TIK": "internet"}
    categories = list(CATEGORY_STRATEGY)
    month_list = _months(months)
    visits = [["LAPORAN KUNJUNGAN PERPUSTAKAAN DESA"], [], MESSY_HEADERS["Kunjungan"]]
    for month in month_list:
        visits.append([_messy_month(rng, month), _messy_count(rng, rng.randint(30, 1600)),
                       _messy_count(rng, rng.randint(30, 1600)), _messy_count(rng, rng.randint(0, 25)),
                       rng.randint(50, 1500), "-" if rng.random() < 0.2 else rng.randint(0, 150),
                       rng.randint(18, 26)])
    visits += [[], ["Jumlah"]]
    activity_rows = [MESSY_HEADERS["Kegiatan"]]
    for i in range(activities):
        month = month_list[i * len(month_list) // max(1, activities)]
        category = rng.choice(categories)
        shown = spelled.get(category, category)
        shown = shown.upper() if rng.random() < 0.1 else shown
        activity_rows.append([i + 1, _messy_day(rng, month.replace(day=rng.randint(1, 28))),
                              rng.choice(TITLES[category]), shown, "",
                              _messy_count(rng, rng.randint(0, 20)), _messy_count(rng, rng.randint(1, 30)),
                              "PKK" if rng.random() < 0.3 else "", ""])
    for rows, columns in ((visits, (0, 1, 2)), (activity_rows, (1, 5, 6))):
        for row in rows:
            if len(row) > 3 and rng.random() < bad and row[0] not in ("No", "BULAN"):
                row[rng.choice(columns)] = rng.choice(BAD_CELLS)
    for row in activity_rows:
        while row and row[-1] == "":
            row.pop()                                        # Sheets trims trailing empties
    return {"Kunjungan": visits, "Kegiatan": activity_rows}


def messy_workbook(village: dict, months: int = 18, activities: int = 480, bad: float = 0.03,
                   seed: int = 1, variants: int = 64) -> dict:
    """A workbook typed the way librarians type (section 4 of the contract): title rows above
    the header, header variants, months and days in several spellings, `12 orang`, `1.234`,
    `-`, category synonyms, a totals row, and a share `bad` of rows with one bad cell (those
    rows are rejected). Profil, Mitra and Dampak are as in `synthetic_workbook`."""
    variant = zlib.crc32(village["kode_desa"].encode()) % variants
    tabs = {t: [row.copy() for row in rows] for t, rows in _messy_blocks(months, activities, bad, seed, variant).items()}
    clean = _blocks(months, 1, 1, seed, variant % VARIANTS)
    workbook = _workbook(village, {"Kunjungan": [], "Kegiatan": [], "Mitra": [r.copy() for r in clean["Mitra"]],
                                   "Dampak": [r.copy() for r in clean["Dampak"]]})
    for sheet in workbook["sheets"]:
        if sheet["title"] in tabs:
            sheet["rows"] = tabs[sheet["title"]]
    return workbook
