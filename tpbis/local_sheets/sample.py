"""Deterministic sample workbooks for the 17 Bengkalis village libraries, with ground truth.

Why: the pipeline is demonstrated and tested without Google, against sheets that look like
what librarians really send (contract section 4: header variants, Indonesian month
spellings, `1.234` typed as text, totals rows...) plus a few rows that must be rejected
(section 5). The truth is generated first, as clean typed records; each record is then
rendered into cells, messily or not. The truth is therefore exact by construction: nothing
in this module parses a cell back.

The habits of each librarian (which mess, which rejects) are fixed per village in `STYLES`,
so every kind of mess appears whatever the seed; the seed only moves the numbers.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tpbis.local_sheets.workbook_format import save_workbook
from tpbis.settings import CONFIG_DIR
from tpbis.wib import TIME_ZONE

SAMPLE_VERSION = "tpbis-sample/1"
DEFAULT_SEED = 20221013          # the Bengkalis Peer Learning Meeting, 13 October 2022
DEFAULT_START = date(2022, 1, 1)
DEFAULT_END = date(2026, 9, 30)
MODIFIED_TIME = "2026-10-01T00:00:00.000Z"
DEFAULT_REGISTRY = CONFIG_DIR / "villages.csv"

REASONS = ("missing_required", "not_a_number", "negative_count", "bad_date", "bad_month",
           "future_date", "before_2015", "no_participants", "duplicate_month")

# Contract section 1: template headers (Indonesian, as librarians read them) and the typed
# field each becomes (English, as in transforms/columns.py).
PROFILE_FIELDS = {
    "Kode Desa": None, "Nama Desa": "desa_name", "Kecamatan": "kecamatan_name",
    "Kabupaten": "kabupaten_name", "Nama Perpustakaan": "library_name", "NPP": "npp",
    "Nama Pengelola": "manager_name", "Jumlah Tenaga": "staff_count",
    "Tahun Bergabung TPBIS": "year_joined", "Koleksi Judul": "collection_titles",
    "Koleksi Eksemplar": "collection_copies", "Jumlah Komputer": "computers",
    "Akses Internet": "internet_access", "Jam Buka per Hari": "opening_hours",
}
FIELDS = {
    "Kunjungan": {"Bulan": "month", "Pengunjung Laki-laki": "visitors_male",
                  "Pengunjung Perempuan": "visitors_female", "Anggota Baru": "new_members",
                  "Buku Dipinjam": "loans", "Pengguna Internet": "internet_users",
                  "Hari Buka": "open_days"},
    "Kegiatan": {"No": "activity_no", "Tanggal": "activity_date", "Nama Kegiatan": "title",
                 "Jenis Kegiatan": "category_raw", "Strategi": "strategy",
                 "Peserta Laki-laki": "participants_male",
                 "Peserta Perempuan": "participants_female", "Mitra": "partner",
                 "Keterangan": "notes"},
    "Mitra": {"Nama Mitra": "partner_name", "Jenis Mitra": "partner_type_raw",
              "Bentuk Dukungan": "support_form", "MoU": "has_mou", "Tanggal MoU": "mou_date",
              "Nilai Dukungan (Rp)": "support_value_rp"},
    "Dampak": {"Bulan": "month", "Inisial Penerima": "initials", "Jenis Kelamin": "gender",
               "Jenis Dampak": "benefit_type_raw", "Produk": "product",
               "Pendapatan Sebelum (Rp/bulan)": "income_before",
               "Pendapatan Sesudah (Rp/bulan)": "income_after", "Kisah Sukses": "story"},
}
TEMPLATE_HEADERS = {"Profil": ["Isian", "Nilai"], **{t: list(f) for t, f in FIELDS.items()}}
TABS = list(TEMPLATE_HEADERS)

PLI, PM, ADV = "Peningkatan Layanan Informasi", "Pelibatan Masyarakat", "Advokasi"
CATEGORY_STRATEGY = {
    "Pelatihan Keterampilan": PM, "Literasi": PM, "TIK": PM, "Bimbingan Belajar": PM,
    "Kesehatan": PM, "Sosialisasi": PM, "Rapat Pemangku Kepentingan": ADV, "Advokasi": ADV,
    "Peer Learning Meeting": PLI, "Pengembangan Layanan": PLI, "Lainnya": PM,
}
CATEGORY_WEIGHTS = [14, 16, 12, 12, 6, 7, 4, 3, 3, 5, 2]
SYNONYMS = {"Pelatihan Keterampilan": "Pelatihan", "Peer Learning Meeting": "PLM", "TIK": "Internet"}
TITLES = {
    "Pelatihan Keterampilan": ["Pelatihan Membuat Kerupuk Ikan", "Pelatihan Menjahit",
                               "Pelatihan Anyaman Pandan", "Pelatihan Budidaya Jamur Tiram",
                               "Pelatihan Olahan Nanas", "Pelatihan Membuat Sabun Cair"],
    "Literasi": ["Dongeng untuk Anak", "Membaca Bersama", "Bedah Buku", "Lomba Bercerita",
                 "Kelas Menulis Pantun Melayu"],
    "TIK": ["Kelas Komputer Dasar", "Pemasaran Online untuk UMKM", "Belajar Internet Sehat",
            "Membuat Email dan Akun Marketplace"],
    "Bimbingan Belajar": ["Bimbel Matematika SD", "Les Bahasa Inggris", "Belajar Bersama PR"],
    "Kesehatan": ["Penyuluhan Gizi Balita", "Senam Sehat Lansia", "Penyuluhan Stunting"],
    "Sosialisasi": ["Sosialisasi Perpustakaan ke Sekolah", "Sosialisasi Layanan Perpustakaan"],
    "Rapat Pemangku Kepentingan": ["Rapat Koordinasi dengan Pemdes", "Musyawarah Desa"],
    "Advokasi": ["Audiensi dengan Kepala Desa", "Advokasi Dana Desa untuk Perpustakaan"],
    "Peer Learning Meeting": ["Peer Learning Meeting Kabupaten", "Peer Learning Meeting Kecamatan"],
    "Pengembangan Layanan": ["Penataan Koleksi", "Perpustakaan Keliling", "Pojok Baca Posyandu"],
    "Lainnya": ["Peringatan HUT RI", "Gotong Royong Perpustakaan"],
}
PARTNER_TYPES = ["Pemerintah Desa", "BUMDes", "PKK", "Sekolah", "Dinas/OPD", "Swasta/CSR",
                 "Komunitas", "Perguruan Tinggi", "Lainnya"]
BENEFIT_TYPES = ["Pendapatan Naik", "Dapat Kerja", "Usaha Baru", "Produk Baru", "Lainnya"]
PRODUCTS = ["Kerupuk Ikan", "Keripik Nanas", "Tas Anyaman Pandan", "Kue Bangkit", "Sabun Cair",
            "Terasi Udang", "Jamur Tiram", "Dodol Nanas", "Bolu Kemojo", "Jahitan Baju Kurung"]
SUPPORT_FORMS = ["Dana", "Buku", "Narasumber pelatihan", "Tempat kegiatan", "Peralatan komputer",
                 "Alokasi Dana Desa"]
MANAGERS = ["Siti Aminah", "Nurhayati", "Rahmawati", "Zulkifli", "Syafrizal", "Juliana",
            "Erni Susanti", "Fitriani", "Hasnah", "Yusnidar", "Rosmawati", "Azhar", "Marlina"]
LIBRARY_NAMES = ["Cahaya Ilmu", "Tunas Bangsa", "Lancang Kuning", "Gemilang", "Pelita Hati",
                 "Jendela Dunia", "Bintang Laut", "Sri Bunga Tanjung", "Mutiara Ilmu"]
NOTES = ["Dokumentasi di grup WA", "Bersama kader PKK", "Di balai desa", "Hujan, peserta sedikit"]
STORIES = {
    "Pendapatan Naik": "Belajar pemasaran online di perpustakaan, pesanan datang dari Pekanbaru.",
    "Dapat Kerja": "Diterima bekerja setelah ikut kelas komputer di perpustakaan.",
    "Usaha Baru": "Setelah pelatihan, membuka usaha sendiri dan menjual ke warung sekitar.",
    "Produk Baru": "Membuat produk baru dari resep yang dipelajari di perpustakaan.",
    "Lainnya": "Aktif menjadi relawan perpustakaan desa.",
}

ID_MONTHS = ("Januari Februari Maret April Mei Juni Juli Agustus September Oktober November "
             "Desember").split()
ID_ABBR = "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split()
OLD_SPELLING = {"Februari": "Pebruari", "November": "Nopember", "Feb": "Peb", "Nov": "Nop",
                "Agu": "Agt"}
EN_MONTHS = ("January February March April May June July August September October November "
             "December").split()


# --- the registry ------------------------------------------------------------------------

def sample_key(kode_desa: str) -> str:
    """A Google-looking spreadsheet id (44 chars, starts with '1'), stable for a village code.

    Derived, not random, so config/villages.csv and the sample files always agree."""
    digest = hashlib.sha256(f"tpbis-sample:{kode_desa}".encode()).digest()
    return "1" + base64.urlsafe_b64encode(digest).decode()[:43]


def load_registry(path: str | Path = DEFAULT_REGISTRY) -> list[dict]:
    """The registry rows as dicts of text (a code like 14.03.02.2008 is never a number)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


# --- librarians' habits --------------------------------------------------------------------

@dataclass(frozen=True)
class Style:
    """How one librarian fills the template: which of contract section 4's habits they have,
    and which section 5 mistakes they made (`rejects`: (tab, kind) pairs)."""
    locale: str = "in_ID"
    desa_typed: str | None = None
    kabupaten_typed: str = "Bengkalis"
    headers: str = "template"                  # see header_text()
    visit_order: tuple[str, ...] | None = None
    activity_order: tuple[str, ...] | None = None
    catatan: bool = False                      # extra column Catatan in Kunjungan
    visit_title: bool = False                  # title row + blank row above the header
    activity_title: bool = False
    missing: tuple[str, ...] = ()              # "Tab:Header" absent (older template)
    month_forms: tuple[str, ...] = ("cell_mmmm",)
    day_forms: tuple[str, ...] = ("cell",)
    count_forms: tuple[str, ...] = ("int",)
    money_forms: tuple[str, ...] = ("int",)
    zero_forms: tuple[str, ...] = ("int",)     # a 0 in an optional count: 0, "-" or blank
    old_spelling: bool = False
    blank_rows: float = 0.0                    # chance of a blank row after a data row
    totals: str | None = None                  # "end" (Jumlah) or "yearly" (Total)
    category_mess: float = 0.02                # chance of a synonym / case variant
    unknown_category: str | None = None
    strategy_fill: float = 0.04
    first_month: date | None = None
    skipped_months: int = 0
    rejects: tuple[tuple[str, str], ...] = ()


STYLES: dict[str, Style] = {
    "14.03.01.2020": Style(  # Wonosari: a title row, shouting headers, a Jumlah row
        desa_typed="WONOSARI", headers="upper", visit_title=True, totals="end",
        month_forms=("full", "abbr", "cell_mmm"), old_spelling=True, zero_forms=("-", "int"),
        count_forms=("int", "text"), money_forms=("rp", "int"),
        rejects=(("Kunjungan", "negative_count"), ("Kegiatan", "no_participants"))),
    "14.03.01.2021": Style(day_forms=("cell", "slash")),  # Kuala Alam
    "14.03.02.2008": Style(  # Jangkang: reordered columns, every month and day form
        desa_typed="Ds. Jangkang", headers="laki_laki", catatan=True,
        visit_order=("Bulan", "Pengunjung Perempuan", "Pengunjung Laki-laki", "Buku Dipinjam",
                     "Anggota Baru", "Hari Buka", "Pengguna Internet"),
        month_forms=("cell_mmm", "abbr_yy", "slash", "iso", "abbr"),
        day_forms=("cell", "dash", "long", "short", "iso", "slash", "cell_long"),
        count_forms=("int", "text", "orang"), money_forms=("rp", "fmt"), category_mess=0.25,
        rejects=(("Kunjungan", "duplicate_month"), ("Kegiatan", "missing_date"),
                 ("Kegiatan", "future_date"))),
    "14.03.02.2010": Style(  # Resam Lapis: blank rows, a Total row per year, no Strategi
        desa_typed="Desa Resam Lapis", blank_rows=0.12, totals="yearly",
        missing=("Kegiatan:Strategi",), zero_forms=("", "int"),
        rejects=(("Kegiatan", "before_2015"), ("Kegiatan", "not_a_number"))),
    "14.03.02.2012": Style(  # Ulu Pulau: an en_US spreadsheet
        locale="en_US", month_forms=("cell_mmmm", "english"), count_forms=("int", "comma"),
        rejects=(("Kunjungan", "bad_month"),)),
    "14.03.09.2011": Style(  # Harapan Baru: lower-case spaced headers, #,##0 numbers
        headers="spaced", catatan=True, missing=("Kunjungan:Hari Buka",),
        activity_order=("No", "Tanggal", "Jenis Kegiatan", "Nama Kegiatan", "Peserta Perempuan",
                        "Peserta Laki-laki", "Strategi", "Mitra", "Keterangan"),
        month_forms=("cell_mmmm", "cell_in_month"), count_forms=("fmt", "int"),
        zero_forms=("-", "int"), money_forms=("fmt", "rp"),
        rejects=(("Kunjungan", "not_a_number"), ("Kegiatan", "negative_count"),
                 ("Kegiatan", "bad_date"))),
    "14.03.13.2003": Style(  # Balai Pungut
        desa_typed="Balai Punggut", unknown_category="Lomba Mewarnai",
        rejects=(("Kegiatan", "missing_title"), ("Dampak", "missing_month"))),
    "14.03.01.2029": Style(desa_typed="Desa Damai", first_month=date(2022, 6, 1)),
    "14.03.01.2012": Style(  # Sungai Alam
        desa_typed="Sei Alam", first_month=date(2022, 3, 1), skipped_months=2,
        rejects=(("Kunjungan", "missing_month"), ("Kunjungan", "before_2015"))),
    "14.03.01.2025": Style(first_month=date(2022, 10, 1)),
    "14.03.01.2026": Style(first_month=date(2022, 5, 1), skipped_months=1,
                           day_forms=("cell", "slash")),
    "14.03.02.2009": Style(locale="en_US", desa_typed="  Muntai ", month_forms=("cell_mmm",)),
    "14.03.02.2001": Style(first_month=date(2022, 4, 1), kabupaten_typed="Kab. Bengkalis"),
    "14.03.02.2011": Style(activity_title=True, strategy_fill=0.6, skipped_months=1),
    "14.03.03.2016": Style(first_month=date(2023, 1, 1)),
    "14.03.03.2005": Style(first_month=date(2022, 7, 1), unknown_category="Lomba Mewarnai",
                           month_forms=("cell_mmm",)),
    "14.03.12.2004": Style(first_month=date(2022, 2, 1), kabupaten_typed="Kabupaten Bengkalis"),
}


def header_text(variant: str, header: str) -> str:
    """A template header as a librarian retyped it."""
    if variant == "upper":
        return header.upper().replace(" LAKI-LAKI", " (L)").replace(" PEREMPUAN", " (P)")
    if variant == "laki_laki":
        return header.replace("Laki-laki", "Laki-Laki")
    if variant == "spaced":
        text = header.lower().replace("laki-laki", "laki laki").replace(" perempuan", "  perempuan")
        return "  bulan" if text == "bulan" else text
    return header


class _Picker:
    """Chooses a form per cell: each listed form once first (so every habit shows up), then
    the first form most of the time (a usual way of typing, with occasional slips)."""

    def __init__(self, rng: random.Random, forms: tuple[str, ...], usual: float = 0.7):
        self.rng, self.forms, self.usual, self.used = rng, forms, usual, 0

    def __call__(self) -> str:
        self.used += 1
        if self.used <= len(self.forms):
            return self.forms[self.used - 1]
        if len(self.forms) == 1 or self.rng.random() < self.usual:
            return self.forms[0]
        return self.rng.choice(self.forms[1:])


# --- cells ---------------------------------------------------------------------------------

def month_cell(day: date, form: str, old_spelling: bool = False) -> Any:
    """A month as typed: `Oktober 2022`, `Okt-22`, `10/2022`, a date cell..."""
    y, m = day.year, day.month
    full, abbr = ID_MONTHS[m - 1], ID_ABBR[m - 1]
    if old_spelling:
        full, abbr = OLD_SPELLING.get(full, full), OLD_SPELLING.get(abbr, abbr)
    first = date(y, m, 1).isoformat()
    return {
        "cell_mmmm": lambda: {"date": first, "fmt": "mmmm yyyy"},
        "cell_mmm": lambda: {"date": first, "fmt": "mmm yyyy"},
        "cell_in_month": lambda: {"date": date(y, m, 15).isoformat(), "fmt": "dd/mm/yyyy"},
        "full": lambda: f"{full} {y}",
        "abbr": lambda: f"{abbr} {y}",
        "abbr_yy": lambda: f"{abbr}-{y % 100:02d}",
        "slash": lambda: f"{m:02d}/{y}",
        "iso": lambda: f"{y}-{m:02d}",
        "english": lambda: f"{EN_MONTHS[m - 1]} {y}",
    }[form]()


def day_cell(day: date, form: str) -> Any:
    """A day as typed: `13/10/2022`, `13 Okt 2022`, `2022-10-13`, a date cell..."""
    name, abbr = ID_MONTHS[day.month - 1], ID_ABBR[day.month - 1]
    return {
        "cell": lambda: {"date": day.isoformat(), "fmt": "dd/mm/yyyy"},
        "cell_long": lambda: {"date": day.isoformat(), "fmt": "d mmmm yyyy"},
        "slash": lambda: day.strftime("%d/%m/%Y"),
        "dash": lambda: day.strftime("%d-%m-%Y"),
        "long": lambda: f"{day.day} {name} {day.year}",
        "short": lambda: f"{day.day} {abbr} {day.year}",
        "iso": lambda: day.isoformat(),
    }[form]()


def read_back(text: str) -> str:
    """Text as the truth records it: outer spaces removed, runs of spaces collapsed."""
    return " ".join(text.split())


def dotted(value: int) -> str:
    """Indonesian thousands grouping: 1234 -> '1.234'."""
    return f"{value:,}".replace(",", ".")


def count_cell(value: int, form: str, people: bool = True) -> Any:
    """A count as typed: 1234, '1.234', '1,234', a #,##0 number, '12 orang'."""
    if form == "fmt":
        return {"n": value, "fmt": "#,##0"}
    if form == "text":
        return dotted(value)
    if form == "comma":
        return f"{value:,}"
    if form == "orang" and people:
        return f"{value} orang"
    return value


def money_cell(value: int, form: str) -> Any:
    """Rupiah as typed: 'Rp 5.000.000', 5000000, or a #,##0 number."""
    if form == "rp":
        return f"Rp {dotted(value)}"
    return count_cell(value, form, people=False)


def zero_cell(form: str) -> Any:
    """A zero in an optional count: 0, '-' or blank (all mean 0, contract section 4)."""
    return {"int": 0, "-": "-", "": ""}[form]


# --- one tab being written -----------------------------------------------------------------

class _Tab:
    """Rows of one sheet plus its truth, kept in step: each row's number is known as it is
    written, so the truth's row numbers are those a librarian sees."""

    def __init__(self, title: str):
        self.title, self.rows, self.loaded, self.rejected = title, [], [], []
        self.header_row, self.rows_read = None, 0
        self.extra: dict = {}            # tab-specific truth, e.g. Profil's typed record

    def add(self, cells: list) -> int:
        while cells and cells[-1] in (None, ""):
            cells = cells[:-1]
        self.rows.append(cells)
        return len(self.rows)

    def header(self, cells: list) -> None:
        self.header_row = self.add(cells)

    def record(self, cells: list, truth: dict) -> int:
        row = self.add(cells)
        self.loaded.append({"row": row, **truth})
        self.rows_read += 1
        return row

    def reject(self, cells: list, problems: list[tuple[str, str, Any]]) -> int:
        row = self.add(cells)
        for reason, column, value in problems:
            self.rejected.append({"row": row, "reason": reason, "column": column,
                                  "value": "" if value is None else str(value)})
        self.rows_read += 1
        return row

    def totals(self, label: str, columns: list[str], summed: set[str], first: int) -> None:
        """A `Jumlah`/`Total` row of SUM formulas over rows first..last, as Sheets computes
        them (text cells such as '1.234' are not summed, exactly as in Google Sheets)."""
        last = len(self.rows)
        cells: list = [label]
        for i, column in enumerate(columns[1:], start=1):
            if column not in summed:
                cells.append("")
                continue
            letter = chr(ord("A") + i)
            total = sum(_numeric(r[i]) for r in self.rows[first - 1:last] if len(r) > i)
            cells.append({"formula": f"=SUM({letter}{first}:{letter}{last})", "value": total})
        self.add(cells)

    def truth(self) -> dict:
        assert self.rows_read == len(self.loaded) + len({r["row"] for r in self.rejected})
        return {"header_row": self.header_row, "rows_read": self.rows_read,
                "loaded": self.loaded, "rejected": self.rejected, **self.extra}


def _numeric(cell: Any) -> int | float:
    if isinstance(cell, bool) or cell is None or isinstance(cell, str):
        return 0
    if isinstance(cell, (int, float)):
        return cell
    return cell.get("n", 0) if isinstance(cell, dict) else 0


def _month_range(first: date, last: date) -> list[date]:
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


@dataclass
class Sample:
    """Sample workbooks by spreadsheet key, and the truth about them (JSON-serialisable)."""
    workbooks: dict[str, dict]
    truth: dict
    registry: list[dict] = field(default_factory=list)


def registry_fingerprint(registry_rows: list[dict]) -> str:
    """A hash of the registry, so a sample made from another registry is seen as stale."""
    text = json.dumps(registry_rows, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- one village -----------------------------------------------------------------------------

class _Village:
    """One village's workbook and its truth, from its registry row, style and random stream.

    Each tab is built the same way: clean typed records first, then a few of them turned into
    section 5 mistakes (`slots`, `reject_*`), then all rendered row by row into a `_Tab`."""

    def __init__(self, village: dict, style: Style, rng: random.Random, start: date, end: date):
        self.v, self.style, self.rng, self.end = village, style, rng, end
        months = _month_range(max(start, style.first_month or start), end)
        if style.skipped_months and len(months) > 4:
            for month in rng.sample(months[1:-1], style.skipped_months):
                months.remove(month)
        self.months = months
        self.pick_month = _Picker(rng, style.month_forms)
        self.pick_day = _Picker(rng, style.day_forms)
        self.pick_count = _Picker(rng, style.count_forms)
        self.pick_money = _Picker(rng, style.money_forms)
        self.pick_zero = _Picker(rng, style.zero_forms)
        self.has_internet = rng.random() < 0.85
        self.partner_names: list[str] = []

    def columns(self, tab: str, order: tuple[str, ...] | None = None) -> list[str]:
        return [h for h in (order or TEMPLATE_HEADERS[tab]) if f"{tab}:{h}" not in self.style.missing]

    def month(self, day: date) -> Any:
        if self.style.old_spelling and day.month in (2, 11):
            return month_cell(day, "full", old_spelling=True)   # Pebruari, Nopember
        return month_cell(day, self.pick_month(), self.style.old_spelling)

    def count(self, value: int, people: bool = True, optional: bool = False) -> Any:
        if value == 0 and optional:
            return zero_cell(self.pick_zero())
        if value == 0:
            return "-" if "-" in self.style.zero_forms else 0
        return count_cell(value, self.pick_count(), people)

    def slots(self, entries: list, tab: str, taken: set[int], prefer=None) -> list[tuple[str, int]]:
        """Which entries become this tab's declared mistakes (never the first or last), as
        (kind, index) pairs, last index first so that an inserted row shifts none of them."""
        chosen = []
        for t, kind in self.style.rejects:
            if t != tab:
                continue
            free = [i for i in range(1, len(entries) - 1) if i not in taken]
            good = [i for i in free if prefer and prefer(kind, entries[i])] or free
            chosen.append((kind, self.rng.choice(good)))
            taken.add(chosen[-1][1])
        return sorted(chosen, key=lambda pair: -pair[1])

    # Profil ------------------------------------------------------------------------------
    def profile(self) -> _Tab:
        rng, v, s = self.rng, self.v, self.style
        titles = rng.randint(600, 3500)
        year = v.get("tahun_kelompok", "")
        typed = {
            "Kode Desa": v["kode_desa"], "Nama Desa": s.desa_typed or v["desa"],
            "Kecamatan": v["kecamatan"], "Kabupaten": s.kabupaten_typed,
            "Nama Perpustakaan": f"Perpustakaan Desa {rng.choice(LIBRARY_NAMES)}",
            "NPP": v["kode_desa"].replace(".", "")[:6] + f"2D1{rng.randint(1, 99999):05d}",
            "Nama Pengelola": rng.choice(MANAGERS), "Jumlah Tenaga": rng.randint(1, 4),
            "Tahun Bergabung TPBIS": int(year) if str(year).isdigit() else None,
            "Koleksi Judul": titles, "Koleksi Eksemplar": titles * rng.randint(2, 4),
            "Jumlah Komputer": rng.randint(2, 8), "Akses Internet": self.has_internet,
            "Jam Buka per Hari": float(rng.choice([6, 7, 7.5, 8])),
        }
        tab = _Tab("Profil")
        tab.header(["Isian", "Nilai"])
        record = {}
        for name, value in typed.items():
            if name in ("Koleksi Judul", "Koleksi Eksemplar"):
                cell = count_cell(value, self.pick_count(), people=False)
            elif name == "Akses Internet":
                cell = "Ya" if value else "Tidak"
            elif isinstance(value, float) and value.is_integer():
                cell = int(value)            # typed "8", read as 8.0 hours
            else:
                cell = "" if value is None else value
            value = read_back(value) if isinstance(value, str) else value
            tab.record([name, cell], {"field": name, "value": value})
            if PROFILE_FIELDS[name]:
                record[PROFILE_FIELDS[name]] = value
        tab.extra["record"] = record
        return tab

    # Kunjungan ---------------------------------------------------------------------------
    def visit_records(self) -> list[dict]:
        rng = self.rng
        base_m, base_f = rng.randint(40, 260), rng.randint(60, 340)
        loans_rate = rng.uniform(0.6, 1.6)
        records = []
        for i, month in enumerate(self.months):
            growth = 1 + 0.01 * i
            male = min(600, max(30, int(base_m * growth * rng.uniform(0.75, 1.25))))
            female = min(600, max(30, int(base_f * growth * rng.uniform(0.75, 1.25))))
            records.append({
                "month": month, "visitors_male": male, "visitors_female": female,
                "new_members": 0 if rng.random() < 0.15 else rng.randint(1, 25),
                "loans": int((male + female) * loans_rate * rng.uniform(0.8, 1.2)),
                "internet_users": rng.randint(10, 150) if self.has_internet and rng.random() > 0.05 else 0,
                "open_days": rng.randint(18, 26),
            })
        return records

    def visits(self) -> _Tab:
        s, rng = self.style, self.rng
        columns = self.columns("Kunjungan", s.visit_order) + (["Catatan"] if s.catatan else [])
        entries = [{"rec": r, "cells": {}, "problems": []} for r in self.visit_records()]
        for kind, i in self.slots(entries, "Kunjungan", set(), prefer=self.visit_slot_ok):
            self.reject_visit(entries, i, kind)
        tab = _Tab("Kunjungan")
        if s.visit_title:
            tab.add([f"LAPORAN KUNJUNGAN PERPUSTAKAAN DESA {self.v['desa'].upper()}"])
            tab.add([])
        tab.header([header_text(s.headers, h) for h in columns])
        summed = set(columns) - {"Bulan", "Catatan"}
        first_row = year_row = len(tab.rows) + 1
        for i, entry in enumerate(entries):
            rec, cells = entry["rec"], []
            for h in columns:
                if h in entry["cells"]:
                    cells.append(entry["cells"][h])
                elif h == "Bulan":
                    cells.append(self.month(rec["month"]))
                elif h == "Catatan":
                    cells.append(rng.choice(["Libur Idul Fitri", "Listrik padam", "Rekap manual"])
                                 if rng.random() < 0.08 else "")
                else:
                    people = h not in ("Buku Dipinjam", "Hari Buka")
                    optional = h not in ("Pengunjung Laki-laki", "Pengunjung Perempuan")
                    cells.append(self.count(rec[FIELDS["Kunjungan"][h]], people, optional))
            if entry["problems"]:
                tab.reject(cells, entry["problems"])
            else:
                truth = {f: rec[f] if h in columns else None for h, f in FIELDS["Kunjungan"].items()}
                tab.record(cells, {**truth, "month": rec["month"].isoformat()})
            following = entries[i + 1]["rec"]["month"] if i + 1 < len(entries) else None
            if s.totals == "yearly" and (following is None or following.year != rec["month"].year):
                tab.totals("Total", columns, summed, year_row)
                if following is not None:
                    tab.add([])
                year_row = len(tab.rows) + 1
            elif following is not None and rng.random() < s.blank_rows:
                tab.add([])
        if s.totals == "end":
            tab.totals("Jumlah", columns, summed, first_row)
        return tab

    @staticmethod
    def visit_slot_ok(kind: str, entry: dict) -> bool:
        """`13/2023` reads as a typo for December; a month typed twice stays within its year."""
        month = entry["rec"]["month"].month
        return month == 12 if kind == "bad_month" else kind != "duplicate_month" or month < 11

    def reject_visit(self, entries: list, i: int, kind: str) -> None:
        entry, rec = entries[i], entries[i]["rec"]
        month = rec["month"]
        if kind == "negative_count":
            entry["cells"]["Pengunjung Perempuan"] = -rec["visitors_female"]
            entry["problems"] = [(kind, "Pengunjung Perempuan", -rec["visitors_female"])]
        elif kind == "not_a_number":
            entry["cells"]["Pengunjung Laki-laki"] = "banyak"
            entry["problems"] = [(kind, "Pengunjung Laki-laki", "banyak")]
        elif kind == "missing_month":
            entry["cells"]["Bulan"] = ""
            entry["problems"] = [("missing_required", "Bulan", "")]
        elif kind == "bad_month":            # a typo for 12/yyyy
            entry["cells"]["Bulan"] = f"13/{month.year}"
            entry["problems"] = [(kind, "Bulan", f"13/{month.year}")]
        elif kind == "before_2015":          # a typo in the year
            text = f"{ID_MONTHS[month.month - 1]} {min(month.year - 10, 2014)}"
            entry["cells"]["Bulan"] = text
            entry["problems"] = [(kind, "Bulan", text)]
        elif kind == "duplicate_month":      # the same month typed again a row later
            again = {**rec, "visitors_male": rec["visitors_male"] + self.rng.randint(1, 9),
                     "loans": rec["loans"] + self.rng.randint(1, 30)}
            problem = [(kind, "Bulan", month.isoformat()[:7])]
            entry["problems"] = problem
            entries.insert(i + 2, {"rec": again, "cells": {"Bulan": month_cell(month, "full")},
                                   "problems": problem})
        else:
            raise ValueError(f"unknown Kunjungan mistake {kind!r}")

    # Kegiatan ----------------------------------------------------------------------------
    def participants(self, category: str) -> tuple[int, int]:
        rng = self.rng
        if category in ("Pelatihan Keterampilan", "Kesehatan"):   # mostly PKK mothers
            return (0 if rng.random() < 0.4 else rng.randint(1, 8)), rng.randint(8, 30)
        if category in ("Peer Learning Meeting", "Rapat Pemangku Kepentingan", "Advokasi"):
            return rng.randint(2, 12), rng.randint(2, 12)
        if category in ("Literasi", "Bimbingan Belajar"):          # children
            return rng.randint(5, 25), rng.randint(5, 30)
        return rng.randint(3, 20), rng.randint(2, 20)

    def category_typed(self, category: str) -> str:
        """The canonical name, or (at the style's rate) a synonym or a case/spacing variant."""
        rng = self.rng
        if rng.random() >= self.style.category_mess:
            return category
        if category in SYNONYMS and rng.random() < 0.6:
            return SYNONYMS[category]
        return rng.choice([category.lower(), category.upper(), category + " ",
                           category.replace(" ", "  ")])

    def activity_records(self) -> list[dict]:
        rng, s = self.rng, self.style
        categories = list(CATEGORY_STRATEGY)
        has_strategy = "Kegiatan:Strategi" not in s.missing
        records = []
        for m, month in enumerate(self.months):
            last = 28 if (month.year, month.month) != (self.end.year, self.end.month) else min(28, self.end.day)
            count = rng.choices([2, 3, 4, 5, 6], weights=[1, 1, 2, 4, 6])[0]
            for j, day in enumerate(sorted(rng.randint(1, last) for _ in range(count))):
                category = rng.choices(categories, CATEGORY_WEIGHTS)[0]
                title = rng.choice(TITLES[category])
                typed = self.category_typed(category)
                if s.unknown_category and ((m, j) == (4, 0) or rng.random() < 0.02):
                    category, typed = "Lainnya", s.unknown_category
                    title = f"{s.unknown_category} Anak PAUD"
                strategy, strategy_typed = CATEGORY_STRATEGY[category], ""
                if has_strategy and rng.random() < s.strategy_fill:
                    strategy = strategy if rng.random() < 0.7 else rng.choice([PLI, PM, ADV])
                    strategy_typed = strategy if rng.random() < 0.8 else strategy.lower()
                male, female = self.participants(category)
                records.append({
                    "activity_date": date(month.year, month.month, day), "title": title,
                    "category": category, "category_raw": typed, "strategy": strategy,
                    "strategy_typed": strategy_typed, "participants_male": male,
                    "participants_female": female,
                    "partner": rng.choice(self.partner_names) if rng.random() < 0.35 else None,
                    "notes": rng.choice(NOTES) if rng.random() < 0.1 else None,
                })
        return records

    def activities(self) -> _Tab:
        s, rng = self.style, self.rng
        columns = self.columns("Kegiatan", s.activity_order)
        entries = [{"rec": r, "cells": {}, "problems": []} for r in self.activity_records()]
        unknown = {i for i, e in enumerate(entries) if e["rec"]["category_raw"] == s.unknown_category}
        for kind, i in self.slots(entries, "Kegiatan", unknown):
            self.reject_activity(entries[i], kind)
        tab = _Tab("Kegiatan")
        if s.activity_title:
            tab.add([f"DAFTAR KEGIATAN PERPUSTAKAAN DESA {self.v['desa'].upper()}"])
            tab.add([])
        tab.header([header_text(s.headers, h) for h in columns])
        for no, entry in enumerate(entries, start=1):
            rec = entry["rec"]
            typed = {"No": no, "Tanggal": None, "Nama Kegiatan": rec["title"],
                     "Jenis Kegiatan": rec["category_raw"], "Strategi": rec["strategy_typed"],
                     "Mitra": rec["partner"] or "", "Keterangan": rec["notes"] or ""}
            cells = []
            for h in columns:
                if h in entry["cells"]:
                    cells.append(entry["cells"][h])
                elif h == "Tanggal":
                    cells.append(day_cell(rec["activity_date"], self.pick_day()))
                elif h.startswith("Peserta"):
                    cells.append(self.count(rec[FIELDS["Kegiatan"][h]]))
                else:
                    cells.append(typed[h])
            if entry["problems"]:
                tab.reject(cells, entry["problems"])
            else:
                day = rec["activity_date"]
                tab.record(cells, {
                    "activity_no": str(no), "activity_date": day.isoformat(), "quarter": _quarter(day),
                    "title": rec["title"], "category": rec["category"],
                    "category_raw": read_back(rec["category_raw"]), "strategy": rec["strategy"],
                    "participants_male": rec["participants_male"],
                    "participants_female": rec["participants_female"],
                    "partner": rec["partner"], "notes": rec["notes"]})
            following = entries[no]["rec"]["activity_date"] if no < len(entries) else None
            if following and following.month != rec["activity_date"].month and rng.random() < s.blank_rows:
                tab.add([])
        return tab

    def reject_activity(self, entry: dict, kind: str) -> None:
        rec, cells = entry["rec"], entry["cells"]
        day = rec["activity_date"]
        if kind == "missing_date":
            cells["Tanggal"] = ""
            entry["problems"] = [("missing_required", "Tanggal", "")]
        elif kind == "missing_title":
            cells["Nama Kegiatan"] = ""
            entry["problems"] = [("missing_required", "Nama Kegiatan", "")]
        elif kind == "future_date":          # a typo in the year, after the end of the sample
            typo = date(self.end.year + 1, day.month, day.day)
            cells["Tanggal"] = {"date": typo.isoformat(), "fmt": "dd/mm/yyyy"}
            entry["problems"] = [(kind, "Tanggal", typo.isoformat())]
        elif kind == "before_2015":
            typo = date(2013, day.month, day.day)
            cells["Tanggal"] = day_cell(typo, "slash")
            entry["problems"] = [(kind, "Tanggal", cells["Tanggal"])]
        elif kind == "bad_date":
            cells["Tanggal"] = f"31/02/{day.year}"
            entry["problems"] = [(kind, "Tanggal", cells["Tanggal"])]
        elif kind == "no_participants":
            cells["Peserta Laki-laki"] = cells["Peserta Perempuan"] = 0
            entry["problems"] = [(kind, "Peserta Laki-laki", 0)]
        elif kind == "not_a_number":
            cells["Peserta Perempuan"] = "banyak"
            entry["problems"] = [(kind, "Peserta Perempuan", "banyak")]
        elif kind == "negative_count":
            value = -(rec["participants_male"] or 5)
            cells["Peserta Laki-laki"] = value
            entry["problems"] = [(kind, "Peserta Laki-laki", value)]
        else:
            raise ValueError(f"unknown Kegiatan mistake {kind!r}")

    # Mitra -------------------------------------------------------------------------------
    def partner_name(self, kind: str) -> str:
        rng, desa = self.rng, self.v["desa"]
        return {
            "Pemerintah Desa": f"Pemerintah Desa {desa}",
            "BUMDes": f"BUMDes {rng.choice(['Maju Bersama', 'Sejahtera', 'Berkah Mandiri'])}",
            "PKK": f"TP PKK Desa {desa}",
            "Sekolah": f"SD Negeri {rng.randint(1, 40)} {self.v['kecamatan']}",
            "Dinas/OPD": f"Dinas Perpustakaan dan Kearsipan Kab. {self.v['kabupaten']}",
            "Swasta/CSR": "CSR PT Sinar Riau Lestari",
            "Komunitas": f"Komunitas Literasi {desa}",
            "Perguruan Tinggi": "Tim KKN Mahasiswa",
        }[kind]

    def partners(self) -> _Tab:
        rng, s = self.rng, self.style
        kinds = ["Pemerintah Desa"] + rng.sample(PARTNER_TYPES[1:8], rng.randint(1, 5))
        tab = _Tab("Mitra")
        columns = self.columns("Mitra")
        tab.header([header_text(s.headers, h) for h in columns])
        first_mou = date(2019, 6, 1).toordinal()
        for kind in kinds:
            name = self.partner_name(kind)
            self.partner_names.append(name)
            has_mou = rng.random() < (0.9 if kind == "Pemerintah Desa" else 0.5)
            mou = date.fromordinal(rng.randint(first_mou, self.end.toordinal())) if has_mou else None
            if mou and rng.random() < 0.1:
                mou = None                   # "Ya", but the date was never filled in
            value = rng.randrange(5, 500) * 100_000
            form = rng.choice(SUPPORT_FORMS)
            typed = kind if rng.random() >= s.category_mess * 2 else kind.upper()
            mou_text = "Ya" if has_mou else "Tidak"
            cells = {"Nama Mitra": name, "Jenis Mitra": typed, "Bentuk Dukungan": form,
                     "MoU": mou_text.upper() if s.headers == "upper" else mou_text,
                     "Tanggal MoU": day_cell(mou, self.pick_day()) if mou else "",
                     "Nilai Dukungan (Rp)": money_cell(value, self.pick_money())}
            tab.record([cells[h] for h in columns], {
                "partner_name": name, "partner_type": kind, "partner_type_raw": read_back(typed),
                "support_form": form, "has_mou": has_mou,
                "mou_date": mou.isoformat() if mou else None, "support_value_rp": value})
        return tab

    # Dampak ------------------------------------------------------------------------------
    def benefit_records(self) -> list[dict]:
        rng = self.rng
        by_quarter: dict[str, list[date]] = {}
        for month in self.months:
            by_quarter.setdefault(_quarter(month), []).append(month)
        letters = "SNRAMHYFZWDEJLIKTU"
        records = []
        for months in by_quarter.values():
            for month in sorted(rng.choice(months) for _ in range(rng.choices([0, 1, 2, 3], [3, 4, 3, 2])[0])):
                kind = rng.choices(BENEFIT_TYPES, [5, 2, 3, 3, 1])[0]
                before = 0 if kind == "Dapat Kerja" and rng.random() < 0.5 else rng.randrange(0, 31) * 50_000
                records.append({
                    "month": month, "initials": f"{rng.choice(letters)}.{rng.choice(letters)}.",
                    "gender": "P" if rng.random() < 0.65 else "L", "benefit_type": kind,
                    "benefit_type_raw": kind if rng.random() >= self.style.category_mess else kind.lower(),
                    "product": rng.choice(PRODUCTS) if kind in ("Pendapatan Naik", "Usaha Baru", "Produk Baru") else None,
                    "income_before": before, "income_after": before + rng.randrange(5, 41) * 50_000,
                    "story": STORIES[kind] if rng.random() < 0.25 else None,
                })
        return records

    def benefits(self) -> _Tab:
        s = self.style
        entries = [{"rec": r, "cells": {}, "problems": []} for r in self.benefit_records()]
        for kind, i in self.slots(entries, "Dampak", set()):
            if kind != "missing_month":
                raise ValueError(f"unknown Dampak mistake {kind!r}")
            entries[i]["cells"]["Bulan"] = ""
            entries[i]["problems"] = [("missing_required", "Bulan", "")]
        tab = _Tab("Dampak")
        columns = self.columns("Dampak")
        tab.header([header_text(s.headers, h) for h in columns])
        for entry in entries:
            rec = entry["rec"]
            cells = {"Bulan": self.month(rec["month"]), "Inisial Penerima": rec["initials"],
                     "Jenis Kelamin": rec["gender"], "Jenis Dampak": rec["benefit_type_raw"],
                     "Produk": rec["product"] or "",
                     "Pendapatan Sebelum (Rp/bulan)": money_cell(rec["income_before"], self.pick_money()),
                     "Pendapatan Sesudah (Rp/bulan)": money_cell(rec["income_after"], self.pick_money()),
                     "Kisah Sukses": rec["story"] or "", **entry["cells"]}
            row = [cells[h] for h in columns]
            if entry["problems"]:
                tab.reject(row, entry["problems"])
            else:
                tab.record(row, {**rec, "month": rec["month"].isoformat()})
        return tab

    # the whole workbook ------------------------------------------------------------------
    def build(self, key: str) -> tuple[dict, dict]:
        profile = self.profile()
        partners = self.partners()          # before Kegiatan, whose Mitra column names them
        tabs = {"Profil": profile, "Kunjungan": self.visits(), "Kegiatan": self.activities(),
                "Mitra": partners, "Dampak": self.benefits()}
        workbook = {
            "spreadsheetId": key, "title": f"Laporan TPBIS Desa {self.v['desa']}",
            "locale": self.style.locale, "timeZone": TIME_ZONE, "modifiedTime": MODIFIED_TIME,
            "sheets": [{"title": title, "rows": tabs[title].rows} for title in TABS],
        }
        truth = {
            "kode_desa": self.v["kode_desa"], "desa": self.v["desa"], "spreadsheet_key": key,
            "locale": self.style.locale,
            "months_reported": [r["month"] for r in tabs["Kunjungan"].loaded],
            "tabs": {title: tab.truth() for title, tab in tabs.items()},
        }
        return workbook, truth


# --- the public API --------------------------------------------------------------------------

def _stamp(registry_rows: list[dict], seed: int, start: date, end: date) -> dict:
    return {"version": SAMPLE_VERSION, "seed": seed, "start": start.isoformat(),
            "end": end.isoformat(), "registry": registry_fingerprint(registry_rows),
            "modified_time": MODIFIED_TIME}


def generate_sample(registry_rows: list[dict], *, start: date = DEFAULT_START,
                    end: date = DEFAULT_END, seed: int = DEFAULT_SEED) -> Sample:
    """One workbook per registry row (all five tabs), and the truth about each.

    A village's random stream depends only on the seed and its code, so adding a village
    to the registry does not change the others."""
    workbooks, villages = {}, {}
    for row in registry_rows:
        kode = row["kode_desa"]
        key = row.get("spreadsheet_key") or sample_key(kode)
        rng = random.Random(f"{seed}:{kode}")
        workbook, truth = _Village(row, STYLES.get(kode, Style()), rng, start, end).build(key)
        workbooks[key], villages[kode] = workbook, truth
    totals = {}
    for tab in TABS:
        counts = [v["tabs"][tab] for v in villages.values()]
        totals[tab] = {"rows_read": sum(c["rows_read"] for c in counts),
                       "loaded": sum(len(c["loaded"]) for c in counts),
                       "rejected_rows": sum(len({r["row"] for r in c["rejected"]}) for c in counts)}
    truth = {"generator": _stamp(registry_rows, seed, start, end), "reasons": list(REASONS),
             "totals": totals, "villages": villages}
    return Sample(workbooks=workbooks, truth=truth, registry=list(registry_rows))


TRUTH_FILE = Path("truth") / "truth.json"


def truth_path(directory: str | Path) -> Path:
    """Where `write_sample` puts the truth: in a subfolder, because the Sheets server and
    the demo take every `*.json` file directly in the directory for a workbook."""
    return Path(directory) / TRUTH_FILE


def load_truth(directory: str | Path) -> dict:
    """The truth written next to a sample's workbooks."""
    return json.loads(truth_path(directory).read_text(encoding="utf-8"))


def write_sample(sample: Sample, directory: str | Path) -> Path:
    """`<key>.json` per workbook, then `truth/truth.json` last (so a half-written directory
    is seen as stale). Workbooks of an earlier sample that are no longer in it are removed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = truth_path(directory)
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            old_keys = {v["spreadsheet_key"] for v in old.get("villages", {}).values()}
        except (ValueError, KeyError, AttributeError, TypeError):
            old_keys = set()
        for key in old_keys - set(sample.workbooks):
            (directory / f"{key}.json").unlink(missing_ok=True)
        path.unlink()
    for key, workbook in sample.workbooks.items():
        save_workbook(workbook, directory / f"{key}.json")
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(sample.truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return directory


def sample_dir(directory: str | Path, *, registry: str | Path | None = None,
               seed: int = DEFAULT_SEED) -> Path:
    """The sample directory, (re)generated only when missing or stale (another version,
    seed or registry), so the demo can call it on every start."""
    directory = Path(directory)
    rows = load_registry(registry or DEFAULT_REGISTRY)
    stamp = _stamp(rows, seed, DEFAULT_START, DEFAULT_END)
    try:
        truth = load_truth(directory)
        fresh = truth.get("generator") == stamp and all(
            (directory / f"{v['spreadsheet_key']}.json").exists() for v in truth["villages"].values())
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        fresh = False
    if not fresh:
        write_sample(generate_sample(rows, seed=seed), directory)
    return directory
