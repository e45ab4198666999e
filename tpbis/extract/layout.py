"""What the quarterly extract contains: its tables, their Indonesian labels and number formats.

Why a separate module: the layout is what province staff read and what the golden tests
check cell by cell, so it is declared once, as data, and used by the xlsx and CSV writers
alike. Column names are the English names of sql/extract/*.sql; labels are Indonesian.
"""
from __future__ import annotations

from dataclasses import dataclass

# Value formats: how a value is shown (xlsx number format, or a text mapping for CSV too).
NUMBER_FORMATS = {
    "int": "#,##0",
    "rp": "#,##0",                     # Rupiah, whole
    "decimal": "#,##0.0",
    "decimal2": "#,##0.00",
    "share": "0.0%",                   # a ratio 0..1 shown as a percentage
    "change": "+0.0%;-0.0%;0.0%",      # a ratio of change, signed
    "month": "[$-421]mmmm yyyy",       # a real date, shown as 'Oktober 2022' (421: Indonesian)
}
# The local traffic light as cell colours (text, fill) in the workbook.
STATUS_COLOURS = {"hijau": ("#006100", "#C6EFCE"), "kuning": ("#7F6000", "#FFEB9C"),
                  "merah": ("#9C0006", "#FFC7CE")}
TEXT_FORMATS = ("text", "yesno", "cohort")

COHORT_LABELS = {
    "replikasi": "Replikasi",
    "replikasi_mandiri": "Replikasi Mandiri",
    "calon_replikasi_mandiri": "Calon Replikasi Mandiri",
}


@dataclass(frozen=True)
class Col:
    name: str          # column of the SQL result
    label: str         # Indonesian header staff read
    fmt: str = "int"   # a key of NUMBER_FORMATS or one of TEXT_FORMATS
    xlsx: tuple[str, str] | None = None   # (column, fmt) the workbook shows instead (a real date)


@dataclass(frozen=True)
class Table:
    name: str                  # sql/extract/<name>.sql
    sheet: str                 # worksheet name (at most 31 characters)
    suffix: str                # file name suffix of its CSV/Parquet ('' = the main file)
    columns: tuple[Col, ...]
    per_scope: bool            # rows are pre-summed per scope: kabupaten NULL = the province
    freeze_columns: int = 0    # columns kept in view when scrolling right (and repeated on every printed page)


def _cols(*specs) -> tuple[Col, ...]:
    return tuple(Col(*s) for s in specs)


VILLAGE_KEYS = (("kode_desa", "Kode Desa", "text"), ("desa", "Desa", "text"),
                ("kecamatan", "Kecamatan", "text"), ("kabupaten", "Kabupaten/Kota", "text"))
PARTICIPANTS = (("participants_male", "Peserta Laki-laki"), ("participants_female", "Peserta Perempuan"),
                ("participants_total", "Peserta Total"),
                ("participants_female_share", "Porsi Peserta Perempuan", "share"))

SUMMARY = Table("summary", "Ringkasan", "-ringkasan", _cols(
    ("villages", "Desa terdaftar"),
    ("villages_reported", "Desa yang melapor"),
    ("villages_complete", "Desa dengan laporan lengkap"),
    ("villages_not_reported", "Desa yang tidak melapor"),
    ("visitors_male", "Pengunjung laki-laki"),
    ("visitors_female", "Pengunjung perempuan"),
    ("visitors_total", "Pengunjung total"),
    ("visitors_total_prev_quarter", "Pengunjung triwulan lalu"),
    ("visitors_change_qoq", "Perubahan pengunjung vs triwulan lalu", "change"),
    ("visitors_total_prev_year", "Pengunjung triwulan yang sama tahun lalu"),
    ("visitors_change_yoy", "Perubahan pengunjung vs tahun lalu", "change"),
    ("activities", "Kegiatan"),
    ("activities_pli", "Kegiatan Peningkatan Layanan Informasi"),
    ("activities_pm", "Kegiatan Pelibatan Masyarakat"),
    ("activities_adv", "Kegiatan Advokasi"),
    ("participants_male", "Peserta laki-laki"),
    ("participants_female", "Peserta perempuan"),
    ("participants_total", "Peserta total"),
    ("participants_female_share", "Porsi peserta perempuan", "share"),
    ("beneficiaries", "Penerima manfaat"),
    ("beneficiaries_female", "Penerima manfaat perempuan"),
    ("partners", "Mitra"),
    ("partners_with_mou", "Mitra dengan MoU"),
    ("mous_signed", "MoU ditandatangani triwulan ini"),
    ("libraries_meeting_standard", "Perpustakaan yang memenuhi standar"),
), per_scope=True)

VILLAGES = Table("villages", "Desa", "", _cols(
    *VILLAGE_KEYS,
    ("cohort", "Kelompok", "cohort"),
    ("library_name", "Nama Perpustakaan", "text"),
    ("months_reported", "Bulan Lapor"),
    ("visitors_male", "Pengunjung Laki-laki"),
    ("visitors_female", "Pengunjung Perempuan"),
    ("visitors_total", "Pengunjung Total"),
    ("visitors_change_qoq", "Perubahan vs Triwulan Lalu", "change"),
    ("visitors_change_yoy", "Perubahan vs Tahun Lalu", "change"),
    ("activities", "Kegiatan"),
    ("activities_pli", "Kegiatan Peningkatan Layanan Informasi"),
    ("activities_pm", "Kegiatan Pelibatan Masyarakat"),
    ("activities_adv", "Kegiatan Advokasi"),
    *PARTICIPANTS,
    ("beneficiaries", "Penerima Manfaat"),
    ("beneficiaries_female", "Penerima Manfaat Perempuan"),
    ("partners", "Mitra"),
    ("partners_with_mou", "Mitra dengan MoU"),
    ("complete", "Laporan Lengkap", "yesno"),
    ("missing_months", "Bulan Belum Dilaporkan", "text"),
    ("meets_standard", "Memenuhi Standar", "yesno"),
    ("standard_gaps", "Kekurangan terhadap Standar", "text"),
    ("status_local", "Status (ambang lokal)", "text"),
), per_scope=False, freeze_columns=2)

REGIONS = Table("regions", "Wilayah", "-wilayah", _cols(
    ("region", "Wilayah", "text"),
    ("villages", "Desa terdaftar"),
    ("villages_reported", "Desa Melapor"),
    ("villages_complete", "Desa Lapor Lengkap"),
    ("visitors_male", "Pengunjung Laki-laki"),
    ("visitors_female", "Pengunjung Perempuan"),
    ("visitors_total", "Pengunjung Total"),
    ("activities", "Kegiatan"),
    *PARTICIPANTS,
    ("beneficiaries", "Penerima Manfaat"),
), per_scope=True, freeze_columns=1)

MONTHLY = Table("monthly", "Kunjungan per Bulan", "-kunjungan-bulanan", _cols(
    ("month_label", "Bulan", "text", ("month", "month")),
    ("villages_reported", "Desa Melapor"),
    ("visitors_male", "Laki-laki"),
    ("visitors_female", "Perempuan"),
    ("visitors_total", "Total"),
), per_scope=True)

STRATEGIES = Table("strategies", "Kegiatan per Strategi", "-kegiatan-strategi", _cols(
    ("strategy", "Strategi", "text"),
    ("activities", "Kegiatan"),
    ("villages", "Desa Pelaksana"),
    *PARTICIPANTS,
), per_scope=True)

CATEGORIES = Table("categories", "Kegiatan per Jenis", "-kegiatan-jenis", _cols(
    ("category", "Jenis Kegiatan", "text"),
    ("activities", "Kegiatan"),
    ("villages", "Desa Pelaksana"),
    *PARTICIPANTS,
), per_scope=True)

COMPLETENESS = Table("completeness", "Kelengkapan Laporan", "-kelengkapan", _cols(
    *VILLAGE_KEYS,
    ("cohort", "Kelompok", "cohort"),
    ("status", "Status Laporan", "text"),
    ("months_reported", "Bulan Kunjungan Dilaporkan"),
    ("missing_months", "Bulan Belum Dilaporkan", "text"),
    ("activities", "Kegiatan"),
    ("complete", "Lengkap", "yesno"),
), per_scope=False, freeze_columns=2)

COHORTS = Table("cohorts", "Kelompok", "-kelompok", _cols(
    ("month_label", "Bulan", "text", ("month", "month")),
    ("cohort", "Kelompok", "cohort"),
    ("libraries", "Perpustakaan Terdaftar"),
    ("libraries_reported", "Perpustakaan Melapor"),
    ("visitors_per_library", "Pengunjung per Perpustakaan", "decimal"),
    ("activities_per_library", "Kegiatan per Perpustakaan", "decimal2"),
    ("participants_per_library", "Peserta per Perpustakaan", "decimal"),
    ("beneficiaries_per_library", "Penerima Manfaat per Perpustakaan", "decimal2"),
    ("visitors_total", "Pengunjung Total"),
    ("activities", "Kegiatan"),
    ("participants_total", "Peserta Total"),
    ("beneficiaries", "Penerima Manfaat"),
), per_scope=True)

PARTNERS = Table("partners", "Mitra", "-mitra", _cols(
    ("partner_type", "Jenis Mitra", "text"),
    ("villages", "Desa"),
    ("partners", "Mitra"),
    ("partners_with_mou", "Mitra dengan MoU"),
    ("mous_signed", "MoU Ditandatangani Triwulan Ini"),
    ("support_value_rp", "Nilai Dukungan (Rp)", "rp"),
), per_scope=True)

IMPACT = Table("impact", "Dampak", "-dampak", _cols(
    ("benefit_type", "Jenis Dampak", "text"),
    ("beneficiaries", "Penerima Manfaat"),
    ("beneficiaries_female", "Perempuan"),
    ("beneficiaries_female_share", "Porsi Perempuan", "share"),
    ("villages", "Desa"),
    ("with_income", "Dengan Data Pendapatan"),
    ("income_before_avg", "Rata-rata Pendapatan Sebelum (Rp/bulan)", "rp"),
    ("income_after_avg", "Rata-rata Pendapatan Sesudah (Rp/bulan)", "rp"),
    ("income_change_avg", "Rata-rata Kenaikan Pendapatan (Rp/bulan)", "rp"),
    ("products", "Produk", "text"),
), per_scope=True)

STANDARD = Table("standard", "Standar Perpustakaan", "-standar", _cols(
    *VILLAGE_KEYS,
    ("library_name", "Nama Perpustakaan", "text"),
    ("collection_titles", "Koleksi (judul)"),
    ("staff_count", "Jumlah Tenaga"),
    ("opening_hours", "Jam Buka per Hari", "decimal"),
    ("meets_titles", "Koleksi minimal 1.000 judul", "yesno"),
    ("meets_staff", "Tenaga minimal 2 orang", "yesno"),
    ("meets_hours", "Buka minimal 6 jam per hari", "yesno"),
    ("meets_standard", "Memenuhi Standar", "yesno"),
    ("gaps", "Kekurangan", "text"),
), per_scope=False, freeze_columns=2)

# Sheet order of the workbook: the summary first, then one row per village, then the rest.
TABLES: tuple[Table, ...] = (SUMMARY, VILLAGES, REGIONS, MONTHLY, STRATEGIES, CATEGORIES,
                             COMPLETENESS, COHORTS, PARTNERS, IMPACT, STANDARD)
NOTES_SHEET = "Catatan"


def display(value, fmt: str):
    """A value as staff read it: text mappings for yes/no and cohorts, numbers unchanged."""
    if value is None:
        return None
    if fmt == "yesno":
        return "Ya" if value else "Tidak"
    if fmt == "cohort":
        return COHORT_LABELS.get(value, value)
    return value
