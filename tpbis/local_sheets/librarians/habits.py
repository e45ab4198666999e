"""Librarians' habits: how each village's librarian writes headers, months, days, counts
and money (contract section 4), and which section 5 mistakes they make (`STYLES`)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any
from tpbis.local_sheets.librarians.vocabulary import EN_MONTHS, ID_ABBR, ID_MONTHS, OLD_SPELLING



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


class Picker:
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
