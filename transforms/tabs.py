"""Parsing one data tab's rows into typed columns, with every problem found: the tab driver.

`parse_table_tab` finds the header, splits the rows into factorised columns and keeps the
data rows (tab_rows.py), reads each column's distinct values once (column_reading.py), maps
the results back to the rows with numpy `take`, applies the row checks and builds the typed
output columns. Only the problems, usually few, are handled row by row. The key/value
`Profil` tab is read in workbook.py with the same cell readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from transforms.column_reading import Reading, quick_reader, read_column, reader  # noqa: F401 (also imported from here)
from transforms.columns import TABLE_COLUMNS
from transforms.headers import UnreadableSheet, find_header
from transforms.reference import Reference
from transforms.rules import Found
from transforms.tab_rows import Field, emit, extract, row_checks, row_kinds, totals_mismatch
from transforms.text import clean_text


@dataclass
class TabResult:
    """Typed columns of the rows that loaded (output column -> array), their sheet rows, and
    the problems: `rejections` kept a row out, `warnings` did not."""

    tab: str
    columns: dict[str, object]
    source_rows: np.ndarray
    rejections: list[Found]
    warnings: list[Found]
    rows_read: int
    rows_loaded: int


_UNIX_ORDINAL = date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min


def typed_array(dtype: str, values: list, index: np.ndarray):
    """A pandas array of `dtype` holding values[index] (values: one per distinct cell)."""
    index = np.asarray(index, dtype=np.int64)
    if dtype == "string":
        distinct = pa.array([None if v is None else str(v) for v in values], type=pa.large_string())
        return pd.arrays.ArrowStringArray(distinct.take(pa.array(index)))
    if dtype.startswith("datetime64"):
        days = np.array([_NAT if v is None else v.toordinal() - _UNIX_ORDINAL for v in values], dtype=np.int64)
        return days.view("datetime64[D]").astype("datetime64[us]")[index]
    missing = np.array([v is None for v in values], dtype=bool)[index]
    if dtype == "Int64":
        return pd.arrays.IntegerArray(np.array([0 if v is None else v for v in values], np.int64)[index], missing)
    if dtype == "Float64":
        return pd.arrays.FloatingArray(np.array([0.0 if v is None else v for v in values], np.float64)[index], missing)
    if dtype == "boolean":
        return pd.arrays.BooleanArray(np.array([bool(v) for v in values], bool)[index], missing)
    raise ValueError(f"unsupported dtype {dtype}")


def parse_table_tab(rows: list, tab: str, table: str, ref: Reference, today: date) -> TabResult:
    """Typed columns, problems and counts for one data tab (Kunjungan, Kegiatan, Mitra, Dampak)."""
    specs = {s.field: s for s in ref.columns[tab]}
    match = find_header(rows, ref.header_lookup[tab])
    missing = [s.header for s in specs.values() if s.required and (match is None or s.field not in match.columns)]
    if missing:
        raise UnreadableSheet(tab, missing)
    data = rows[match.row + 1:]
    first_row = match.row + 2                       # sheet row number of data[0]
    width = max(match.width, *(j + 1 for j in match.columns.values()))
    columns = extract(data, width)
    content = [j for f, j in match.columns.items() if not specs[f].prefilled]
    is_data, totals = row_kinds(columns, content, {j: match.labels[f] for f, j in match.columns.items()}, len(data))
    sel = np.flatnonzero(is_data)
    sheet_rows, everyone = sel + first_row, np.arange(len(sel))
    rejections, warnings, fields = [], [], {}
    rejected = np.zeros(len(sel), dtype=bool)
    for order, (name, j) in enumerate(sorted(match.columns.items(), key=lambda item: item[1])):
        column = columns[j]
        field = Field(specs[name], match.labels[name], order, column,
                      read_column(column.uniques, tab, specs[name], ref, today), column.codes[sel])
        ids = field.reading.reasons[field.codes]
        emit(rejections, tab, field, ids, everyone, sheet_rows)
        rejected |= ids > 0
        fields[name] = field
    rejected |= row_checks(rejections, tab, fields, sheet_rows)
    loaded = np.flatnonzero(~rejected)
    for field in fields.values():
        if field.reading.warnings.any():
            emit(warnings, tab, field, field.reading.warnings[field.codes[loaded]], loaded, sheet_rows, masked=True)
    warnings += totals_mismatch(tab, fields, is_data, totals, first_row)
    return TabResult(tab, output_columns(table, ref, fields, loaded), sheet_rows[loaded], rejections, warnings,
                     len(sel), len(loaded))


def output_columns(table: str, ref: Reference, fields: dict[str, Field], loaded: np.ndarray) -> dict:
    """Typed output columns for the loaded rows; columns absent from the sheet are NULL (one
    workbook's tab, or a chunk's: transforms.chunk_tab hands in its fields the same way)."""
    out = {}
    for name, dtype in TABLE_COLUMNS[table].items():
        source = fields.get(name) or fields.get(name.removesuffix("_raw"))
        if source is None:
            out[name] = typed_array(dtype, [None], np.zeros(len(loaded), dtype=np.int64))
        elif name in fields:
            out[name] = typed_array(dtype, source.reading.values, source.codes[loaded])
        else:                                   # `<field>_raw`: the text the librarian typed
            raw = [None if v is None else clean_text(u) for v, u in zip(source.reading.values, source.column.uniques)]
            out[name] = typed_array(dtype, raw, source.codes[loaded])
    if "strategy" in TABLE_COLUMNS[table] and "category" in fields:
        category = fields["category"]
        default = [ref.default_strategy.get(v) for v in category.reading.values]
        codes = category.codes[loaded]
        if "strategy" not in fields:
            out["strategy"] = typed_array("string", default, codes)
        else:                                   # the strategy typed, else the category's: per distinct pair
            chosen = fields["strategy"]
            pairs, distinct = pd.factorize(codes * len(chosen.reading.values) + chosen.codes[loaded])
            own = [chosen.reading.values[p % len(chosen.reading.values)] for p in distinct.tolist()]
            values = [default[p // len(chosen.reading.values)] if pd.isna(v) else v
                      for p, v in zip(distinct.tolist(), own)]
            out["strategy"] = typed_array("string", values, pairs)
    return out
