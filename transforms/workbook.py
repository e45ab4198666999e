"""One village's workbook (the cells of its tabs) -> typed tables, problems and counts.

This is the entry point the sync calls after fetching a spreadsheet with `values:batchGet`
(UNFORMATTED_VALUE, SERIAL_NUMBER). It finds the template tabs, parses each (the data tabs in
tabs.py; the key/value Profil tab here, because it is checked against the village registry),
adds lineage (which village, spreadsheet, tab, sheet row and fetch the row came from), and
checks the row-count invariant of contract section 3 before returning: a row read is either
loaded or rejected, never lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa

from transforms.cells import normalise_value_ranges
from transforms.column_reading import read_column
from transforms.columns import TAB_COUNT_COLUMNS, TABLE_COLUMNS, TABLE_TABS, all_columns
from transforms.frames import constant_strings, frame, integers, strings
from transforms.headers import HEADER_SCAN_ROWS, UnreadableSheet, header_keys
from transforms.reference import Reference
from transforms.rules import CODES, Found, problems_frame
from transforms.tabs import TabResult, parse_table_tab, typed_array
from transforms.text import cell_text, is_blank, normalise_place_name

__all__ = ["ParsedWorkbook", "ParsedParts", "UnreadableSheet", "parse_workbook", "parse_workbook_parts", "join_parts",
           "find_tabs"]

REQUIRED_TABS = ("Kunjungan", "Kegiatan")
FETCHED_AT_DTYPE = pd.DatetimeTZDtype("us", "UTC")


@dataclass
class ParsedWorkbook:
    """`tables`: profile, visits, activities, partners, benefits (columns of
    `transforms.columns.all_columns`); `rejections` and `warnings`: PROBLEM_COLUMNS;
    `tab_counts`: TAB_COUNT_COLUMNS, one row per template tab present."""

    tables: dict[str, pd.DataFrame]
    rejections: pd.DataFrame
    warnings: pd.DataFrame
    tab_counts: pd.DataFrame


@dataclass
class ParsedParts:
    """A parsed workbook before its tables become DataFrames: per table, the typed data
    columns (TABLE_COLUMNS order) and the sheet rows they came from; the lineage values are
    one per workbook. The sync joins the parts of a whole chunk with `join_parts`: one frame
    per table per chunk instead of one per table per workbook (pandas' fixed cost per frame
    and per concatenated frame was most of the work on an ordinary workbook)."""

    tables: dict[str, tuple[dict[str, object], np.ndarray]]
    tab_names: dict[str, str]
    rejections: pd.DataFrame
    warnings: pd.DataFrame
    tab_counts: pd.DataFrame
    kode_desa: str
    spreadsheet_key: str
    fetched_at: pd.Timestamp            # UTC

    def to_workbook(self) -> ParsedWorkbook:
        tables = {table: _frame(table, TabResult(self.tab_names[table], columns, rows, [], [], 0, 0),
                                self.kode_desa, self.spreadsheet_key, self.fetched_at)
                  for table, (columns, rows) in self.tables.items()}
        return ParsedWorkbook(tables=tables, rejections=self.rejections, warnings=self.warnings,
                              tab_counts=self.tab_counts)


def find_tabs(value_ranges: Mapping[str, list]) -> dict[str, list]:
    """Template tab name -> rows, matching titles case- and space-insensitively (first wins)."""
    wanted = {tab.casefold(): tab for tab in TABLE_TABS.values()}
    found: dict[str, list] = {}
    for title, rows in value_ranges.items():
        tab = wanted.get(" ".join(str(title).split()).casefold())
        if tab and tab not in found:
            found[tab] = rows or []
    return found


PROFILE_REGISTRY_FIELDS = {"kode_desa": "kode_desa", "desa_name": "desa", "kecamatan_name": "kecamatan",
                           "kabupaten_name": "kabupaten"}


def _profile_layout(rows: list, lookup) -> tuple[int, int, int, str]:
    """(key column, value column, first data row index, key header text): the `Isian`/`Nilai`
    header if there is one in the first rows; else, from the top, the column that names the
    most known fields (a `No` column may come first) and the column to its right."""
    hits: dict[int, int] = {}
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = {}
        for j, cell in enumerate(row):
            field = lookup.get(header_keys(cell)[0]) if not is_blank(cell) else None
            found.setdefault(field, (j, cell_text(cell).strip()))
            if field and not field.startswith("_"):
                hits[j] = hits.get(j, 0) + 1
        if "_key" in found and "_value" in found:
            return found["_key"][0], found["_value"][0], r + 1, found["_key"][1]
    key = max(hits, key=lambda j: (hits[j], -j)) if hits else 0
    return key, key + 1, 0, "Isian"


def _digits(value) -> str:
    return "".join(ch for ch in cell_text(value) if ch.isdigit())


def _differs(field: str, typed: object, village: Mapping, variants: Mapping) -> str | None:
    """The registry's value when a Profil place field names another village, else None.
    Codes compare by their digits (`14.03.02.2008` = `1403022008`), names by place-name form."""
    expected = village.get(PROFILE_REGISTRY_FIELDS[field])
    if typed is None or expected is None or str(expected).strip() == "":
        return None
    if field == "kode_desa":
        same = _digits(typed) == _digits(expected)
    else:
        same = normalise_place_name(typed, variants) == normalise_place_name(expected, variants)
    return None if same else str(expected)


def parse_profile_tab(rows: list, ref: Reference, village: Mapping, today: date) -> TabResult:
    """The Profil tab as at most one row. Each filled field line is a data row: it loads, or is
    rejected (unreadable value, unknown or repeated field). Place fields that name another
    village than the registry's are loaded and warned about (`profile_other_village`)."""
    tab, lookup = "Profil", ref.header_lookup["Profil"]
    specs = {s.field: s for s in ref.columns[tab] if not s.field.startswith("_")}
    key_col, value_col, start, key_label = _profile_layout(rows, lookup)
    values: dict[str, object] = {}
    seen: dict[str, int] = {}
    rejected, warned, loaded_rows, read = [], [], [], 0

    def problem(into, reason, row, column, value, detail=""):
        into.append(Found(tab, reason, np.array([row]), column, [value], [detail], len(into)))

    for r in range(start, len(rows)):
        row, sheet_row = rows[r], r + 1
        key = row[key_col] if len(row) > key_col else None
        value = row[value_col] if len(row) > value_col else None
        field = None if is_blank(key) else next((lookup[k] for k in header_keys(key) if k in lookup), None)
        field = field if field in specs else None
        if is_blank(value) and (is_blank(key) or field is None):
            continue                        # blank line, title or section heading
        read += 1
        label = " ".join(cell_text(key).split()) if field else key_label
        if field is None:
            problem(rejected, "unknown_field", sheet_row, key_label, cell_text(key if not is_blank(key) else value))
            continue
        if field in seen:
            problem(rejected, "duplicate_field", sheet_row, label, label, str(seen[field]))
            continue
        reading = read_column([value], tab, specs[field], ref, today)
        if reading.reasons[0]:
            note = reading.notes.get(0)
            problem(rejected, CODES[reading.reasons[0]], sheet_row, label, cell_text(value), note.detail if note else "")
            continue
        seen[field] = sheet_row
        values[field] = reading.values[0]
        loaded_rows.append(sheet_row)
        if field in PROFILE_REGISTRY_FIELDS and (expected := _differs(field, values[field], village, ref.name_variants)):
            problem(warned, "profile_other_village", sheet_row, label, cell_text(value), expected)
    one = np.zeros(1 if loaded_rows else 0, dtype=np.int64)
    out = {name: typed_array(dtype, [values.get(name)], one) for name, dtype in TABLE_COLUMNS["profile"].items()}
    return TabResult(tab, out, np.array(loaded_rows[:1], dtype=np.int64), rejected, warned, read, len(loaded_rows))


def _frame(table: str, result: TabResult, kode_desa: str, key: str, fetched_at: pd.Timestamp) -> pd.DataFrame:
    n = len(result.source_rows)
    stamp = np.full(n, fetched_at.tz_convert(None).to_datetime64(), dtype="datetime64[us]")
    columns = dict(result.columns)
    columns["kode_desa"] = constant_strings(kode_desa, n)
    columns["spreadsheet_key"] = constant_strings(key, n)
    columns["tab"] = constant_strings(result.tab, n)
    columns["source_row"] = integers(result.source_rows)
    columns["fetched_at"] = pd.array(stamp, dtype=FETCHED_AT_DTYPE)
    return frame({name: columns[name] for name in all_columns(table)}, n)


def _empty_result(tab: str, table: str, ref: Reference) -> TabResult:
    none = np.zeros(0, dtype=np.int64)
    columns = {name: typed_array(dtype, [None], none) for name, dtype in TABLE_COLUMNS[table].items()}
    return TabResult(tab, columns, none, [], [], 0, 0)


def _rejected_rows_per_tab(rejections: pd.DataFrame) -> dict[str, int]:
    """Distinct rejected row numbers per tab (a row rejected for two reasons counts once)."""
    if not len(rejections):
        return {}
    tab_codes, tab_names = pd.factorize(rejections["tab"])
    rows = rejections["row_number"].to_numpy(dtype=np.int64, na_value=-1)
    distinct_pairs = np.unique(np.stack([tab_codes, rows]), axis=1)
    codes, counts = np.unique(distinct_pairs[0], return_counts=True)
    return {tab_names[code]: count for code, count in zip(codes.tolist(), counts.tolist())}


def _check_invariant(results: dict[str, TabResult], tables: dict[str, pd.DataFrame], rejections: pd.DataFrame) -> None:
    """Contract section 3: rows read = rows loaded + distinct rejected row numbers, per tab."""
    per_tab = _rejected_rows_per_tab(rejections)
    for table, result in results.items():
        distinct = per_tab.get(result.tab, 0)
        table_rows = min(result.rows_loaded, 1) if table == "profile" else result.rows_loaded
        if result.rows_read != result.rows_loaded + distinct or len(tables[table]) != table_rows:
            raise AssertionError(
                f"tab {result.tab}: rows_read={result.rows_read}, rows_loaded={result.rows_loaded}, "
                f"distinct rejected rows={distinct}, table rows={len(tables[table])}"
            )


def parse_workbook(value_ranges: Mapping[str, list], village: Mapping, **keywords) -> ParsedWorkbook:
    """Parse every template tab of one village's workbook into one frame per table: the
    arguments and rules of `parse_workbook_parts`, joined."""
    return parse_workbook_parts(value_ranges, village, **keywords).to_workbook()


def parse_workbook_parts(
    value_ranges: Mapping[str, list],
    village: Mapping,
    *,
    spreadsheet_key: str,
    fetched_at: datetime,
    today: date,
    ref: Reference,
) -> ParsedParts:
    """Parse every template tab of one village's workbook.

    Raises UnreadableSheet when Kunjungan or Kegiatan is missing, or when a present tab's
    required columns cannot be found (an optional tab left completely empty is just empty).
    Every other problem becomes a row of `rejections` (the input row is not loaded) or
    `warnings` (it is).
    """
    if isinstance(today, datetime):
        today = today.date()
    stamp = pd.Timestamp(fetched_at)
    stamp = stamp.tz_localize(timezone.utc) if stamp.tzinfo is None else stamp.tz_convert(timezone.utc)
    kode_desa = str(village["kode_desa"])
    tabs = find_tabs(normalise_value_ranges(value_ranges))     # null rows, lists in cells, surrogates...
    for tab in REQUIRED_TABS:
        if tab not in tabs:
            raise UnreadableSheet(tab, [s.header for s in ref.columns[tab] if s.required], tab_missing=True)

    order = sorted(TABLE_TABS.items(), key=lambda item: item[1] not in REQUIRED_TABS)   # fail fast
    results: dict[str, TabResult] = {}
    notes: list[Found] = []
    for table, tab in order:
        if tab not in tabs:
            results[table] = _empty_result(tab, table, ref)
            notes.append(Found(tab, "missing_tab", np.array([-1]), "", [""]))
        elif tab not in REQUIRED_TABS and all(is_blank(cell) for row in tabs[tab] for cell in row):
            results[table] = _empty_result(tab, table, ref)        # a tab created but never filled in
        elif table == "profile":
            results[table] = parse_profile_tab(tabs[tab], ref, village, today)
        else:
            results[table] = parse_table_tab(tabs[tab], tab, table, ref, today)

    tables = {table: results[table].source_rows for table in TABLE_TABS}      # row counts, for the invariant
    rejections = problems_frame([f for r in results.values() for f in r.rejections], ref.messages,
                                kode_desa, spreadsheet_key)
    _check_invariant(results, tables, rejections)
    warnings = problems_frame(notes + [f for r in results.values() for f in r.warnings], ref.messages,
                              kode_desa, spreadsheet_key)
    counts = [
        {"tab": r.tab, "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
         "rows_rejected": r.rows_read - r.rows_loaded}
        for table, r in sorted(results.items(), key=lambda item: list(TABLE_TABS).index(item[0]))
        if r.tab in tabs
    ]
    tab_counts = frame({name: strings([c[name] for c in counts]) if dtype == "string"
                        else integers(np.array([c[name] for c in counts], dtype=np.int64))
                        for name, dtype in TAB_COUNT_COLUMNS.items()}, len(counts))
    return ParsedParts(tables={table: (results[table].columns, results[table].source_rows) for table in TABLE_TABS},
                       tab_names={table: results[table].tab for table in TABLE_TABS},
                       rejections=rejections, warnings=warnings, tab_counts=tab_counts,
                       kode_desa=kode_desa, spreadsheet_key=spreadsheet_key, fetched_at=stamp)


def _concat_arrays(arrays: list):
    """One array from same-typed pandas/numpy arrays (the typed columns of `typed_array`)."""
    if all(isinstance(a, np.ndarray) for a in arrays):
        return np.concatenate(arrays)
    kind = type(arrays[0])
    if all(type(a) is kind for a in arrays) and len({str(a.dtype) for a in arrays}) == 1:
        return kind._concat_same_type(arrays)
    return pd.concat([pd.Series(a) for a in arrays], ignore_index=True).array


def _repeat_strings(values: list[str], counts: np.ndarray):
    index = np.repeat(np.arange(len(values), dtype=np.int64), counts)
    return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()).take(pa.array(index)))


def join_parts(parts: list[ParsedParts]) -> dict[str, pd.DataFrame]:
    """The tables (and `tab_counts`, with kode_desa and spreadsheet_key) of many parsed
    workbooks, one DataFrame each: the same rows, columns and dtypes as concatenating the
    frames of `parse_workbook` one by one (the lineage columns are built once per chunk)."""
    out = {}
    keys, codes = [p.spreadsheet_key for p in parts], [p.kode_desa for p in parts]
    stamps = np.array([p.fetched_at.tz_convert(None).to_datetime64() for p in parts], dtype="datetime64[us]")
    for table in TABLE_TABS:
        counts = np.array([len(p.tables[table][1]) for p in parts], dtype=np.int64)
        n = int(counts.sum())
        columns = {name: _concat_arrays([p.tables[table][0][name] for p in parts]) if parts
                   else typed_array(dtype, [None], np.zeros(0, dtype=np.int64))
                   for name, dtype in TABLE_COLUMNS[table].items()}
        columns["kode_desa"] = _repeat_strings(codes, counts)
        columns["spreadsheet_key"] = _repeat_strings(keys, counts)
        columns["tab"] = constant_strings(TABLE_TABS[table], n)
        columns["source_row"] = integers(np.concatenate([p.tables[table][1] for p in parts]) if parts
                                         else np.zeros(0, dtype=np.int64))
        columns["fetched_at"] = pd.array(np.repeat(stamps, counts), dtype=FETCHED_AT_DTYPE)
        out[table] = frame({name: columns[name] for name in all_columns(table)}, n)
    counts = np.array([len(p.tab_counts) for p in parts], dtype=np.int64)
    tab_counts = {name: _concat_arrays([p.tab_counts[name].array for p in parts]) if parts
                  else (strings([]) if dtype == "string" else integers(np.zeros(0, np.int64)))
                  for name, dtype in TAB_COUNT_COLUMNS.items()}
    out["tab_counts"] = frame({"kode_desa": _repeat_strings(codes, counts),
                               "spreadsheet_key": _repeat_strings(keys, counts), **tab_counts}, int(counts.sum()))
    return out
