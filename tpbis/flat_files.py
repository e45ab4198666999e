"""CSV and Parquet copies of the extract tables, for tools and for people who prefer them.

Why CSV needs care: a spreadsheet program opening a CSV turns any cell starting with `=`, `+`,
`-` or `@` (or a tab / carriage return) into a formula. Text typed by librarians is not
trusted that far, so such a value is written with a leading apostrophe (OWASP's advice),
which spreadsheet programs show as the text itself. Numbers are written as numbers (a
negative change stays -0.12). CSV columns carry the Indonesian labels of the workbook;
Parquet keeps the English column names and types, for BI tools.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tpbis.extract_layout import Table, display

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text as a spreadsheet will show it, never run it: '=1+2' -> "'=1+2"."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def csv_value(value, fmt: str):
    value = display(value, fmt)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, float) and value.is_integer() and fmt in ("int", "rp"):
        return int(value)
    return value


def write_csv(path: Path, table: Table, data: pa.Table) -> Path:
    """UTF-8 with BOM (so Excel reads the labels right), comma-separated, labels as header."""
    columns = [data.column(c.name).to_pylist() for c in table.columns]
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([c.label for c in table.columns])
        for i in range(data.num_rows):
            writer.writerow([csv_value(values[i], c.fmt) for c, values in zip(table.columns, columns)])
    return path


def write_parquet(path: Path, table: Table, data: pa.Table) -> Path:
    """The table's columns in layout order, English names, types as the warehouse has them."""
    pq.write_table(data.select([c.name for c in table.columns]), path, compression="zstd")
    return path
