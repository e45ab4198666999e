"""CSV and Parquet copies of the extract tables, for tools and for people who prefer them.

Why CSV needs care: a spreadsheet program opening a CSV turns any cell starting with `=`, `+`,
`-` or `@` (or a tab / carriage return) into a formula. Text typed by librarians is not
trusted that far, so such a value is written with a leading apostrophe (OWASP's advice),
which spreadsheet programs show as the text itself. Numbers are written as numbers (a
negative change stays -0.12). CSV columns carry the Indonesian labels of the workbook;
Parquet keeps the English column names and types, for BI tools.

`--csv-locale id` writes CSV as Excel set to Indonesian opens it by double-click: `;` between
fields and a decimal comma (0,25), still UTF-8 with a BOM. Text never carries control
characters (a NUL breaks readers) and never exceeds Excel's 32,767 characters in a cell (cut
visibly, ending `… [dipotong]`).
"""
from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tpbis.extract.layout import Table, display
from transforms.text import cut_visibly, printable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


CSV_LOCALES = {None: ",", "id": ";"}     # field separator by --csv-locale
INDEX_NAME = "BACA-SAYA.txt"


def check_csv_locale(locale: str | None) -> None:
    if locale not in CSV_LOCALES:
        raise ValueError(f"--csv-locale must be 'id' (Indonesian Excel: ';' and decimal comma) or left out, "
                         f"got {locale!r}")


def safe_text(value: str) -> str:
    """Text as a spreadsheet will show it, never run it: '=1+2' -> "'=1+2"; no control
    characters; at most Excel's 32,767 characters, cut visibly."""
    value = cut_visibly(printable(value))
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def csv_value(value, fmt: str, locale: str | None = None):
    value = display(value, fmt)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, float) and value.is_integer() and fmt in ("int", "rp"):
        return int(value)
    if locale == "id" and isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


def write_csv(path: Path, table: Table, data: pa.Table, locale: str | None = None) -> Path:
    """UTF-8 with BOM (so Excel reads the labels right), labels as header; comma-separated,
    or for `locale` 'id' semicolon-separated with a decimal comma."""
    check_csv_locale(locale)
    columns = [data.column(c.name).to_pylist() for c in table.columns]
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=CSV_LOCALES[locale], lineterminator="\n")
        writer.writerow([c.label for c in table.columns])
        for i in range(data.num_rows):
            writer.writerow([csv_value(values[i], c.fmt, locale) for c, values in zip(table.columns, columns)])
    return path


def write_index(path: Path, meta, stem: str, csv_locale: str | None = None) -> Path:
    """BACA-SAYA.txt: what each file of the folder holds, in Indonesian, for the officer who
    opens the folder (`meta` is the workbook's WorkbookMeta)."""
    from tpbis.extract.layout import TABLES
    separator = ("titik koma (;) dan koma desimal, untuk Excel berbahasa Indonesia" if csv_locale == "id"
                 else "koma (,) dan titik desimal")
    lines = [
        f"Laporan Triwulan TPBIS {meta.quarter_code} - {meta.title}",
        meta.quarter_title,
        f"Keadaan data: {meta.data_state}.",
        "",
        "Isi folder ini:",
        f"- {stem}.xlsx: buku kerja lengkap untuk dibaca dan dicetak (A4). Mulai dari sheet Ringkasan;",
        "  sheet Catatan menjelaskan cara membacanya.",
        f"- File .csv: satu tabel per file, dengan judul kolom yang sama seperti di buku kerja;",
        f"  dipisah {separator}, UTF-8.",
        "- File .parquet: tabel yang sama untuk aplikasi analisis data (nama kolom bahasa Inggris).",
        "",
        "Tabel:",
    ]
    for table in TABLES:
        lines.append(f"- {stem}{table.suffix}.csv / .parquet: {table.sheet}")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def write_parquet(path: Path, table: Table, data: pa.Table) -> Path:
    """The table's columns in layout order, English names, types as the warehouse has them."""
    pq.write_table(data.select([c.name for c in table.columns]), path, compression="zstd")
    return path
