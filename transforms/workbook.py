"""One village's workbook (the cells of its tabs) -> typed tables, problems and counts.

This is the entry point the sync calls after fetching a spreadsheet with `values:batchGet`
(UNFORMATTED_VALUE, SERIAL_NUMBER). It finds the template tabs, parses each, adds lineage
(which village, spreadsheet, tab, sheet row and fetch the row came from), and checks the
row-count invariant of contract section 3 before returning: a row read is either loaded or
rejected, never lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa

from transforms.columns import TAB_COUNT_COLUMNS, TABLE_COLUMNS, TABLE_TABS, all_columns
from transforms.headers import UnreadableSheet
from transforms.reference import Reference
from transforms.rules import Found, problems_frame
from transforms.tabs import TabResult, parse_profile_tab, parse_table_tab, typed_array
from transforms.text import is_blank

__all__ = ["ParsedWorkbook", "UnreadableSheet", "parse_workbook", "find_tabs"]

REQUIRED_TABS = ("Kunjungan", "Kegiatan")


@dataclass
class ParsedWorkbook:
    """`tables`: profile, visits, activities, partners, benefits (columns of
    `transforms.columns.all_columns`); `rejections` and `warnings`: PROBLEM_COLUMNS;
    `tab_counts`: TAB_COUNT_COLUMNS, one row per template tab present."""

    tables: dict[str, pd.DataFrame]
    rejections: pd.DataFrame
    warnings: pd.DataFrame
    tab_counts: pd.DataFrame


def find_tabs(value_ranges: Mapping[str, list]) -> dict[str, list]:
    """Template tab name -> rows, matching titles case- and space-insensitively (first wins)."""
    wanted = {tab.casefold(): tab for tab in TABLE_TABS.values()}
    found: dict[str, list] = {}
    for title, rows in value_ranges.items():
        tab = wanted.get(" ".join(str(title).split()).casefold())
        if tab and tab not in found:
            found[tab] = rows or []
    return found


def _constant_strings(value: str, n: int):
    return pd.array(pa.array([value], type=pa.large_string()).take(pa.array(np.zeros(n, np.int64))), dtype="string")


def _frame(table: str, result: TabResult, kode_desa: str, key: str, fetched_at: pd.Timestamp) -> pd.DataFrame:
    n = len(result.source_rows)
    stamp = np.full(n, fetched_at.tz_convert(None).to_datetime64(), dtype="datetime64[us]")
    columns = dict(result.columns)
    columns["kode_desa"] = _constant_strings(kode_desa, n)
    columns["spreadsheet_key"] = _constant_strings(key, n)
    columns["tab"] = _constant_strings(result.tab, n)
    columns["source_row"] = pd.array(result.source_rows, dtype="Int64")
    columns["fetched_at"] = pd.DatetimeIndex(stamp).tz_localize("UTC").array
    return pd.DataFrame({name: columns[name] for name in all_columns(table)}, copy=False)


def _empty_result(tab: str, table: str, ref: Reference) -> TabResult:
    none = np.zeros(0, dtype=np.int64)
    columns = {name: typed_array(dtype, [None], none) for name, dtype in TABLE_COLUMNS[table].items()}
    return TabResult(tab, columns, none, [], [], 0, 0)


def _check_invariant(results: dict[str, TabResult], tables: dict[str, pd.DataFrame], rejections: pd.DataFrame) -> None:
    """Contract section 3: rows read = rows loaded + distinct rejected row numbers, per tab."""
    tabs, rows = rejections["tab"].to_numpy(dtype=object), rejections["row_number"].to_numpy(dtype=np.int64, na_value=-1)
    for table, result in results.items():
        distinct = len(np.unique(rows[tabs == result.tab]))
        table_rows = min(result.rows_loaded, 1) if table == "profile" else result.rows_loaded
        if result.rows_read != result.rows_loaded + distinct or len(tables[table]) != table_rows:
            raise AssertionError(
                f"tab {result.tab}: rows_read={result.rows_read}, rows_loaded={result.rows_loaded}, "
                f"distinct rejected rows={distinct}, table rows={len(tables[table])}"
            )


def parse_workbook(
    value_ranges: Mapping[str, list],
    village: Mapping,
    *,
    spreadsheet_key: str,
    fetched_at: datetime,
    today: date,
    ref: Reference,
) -> ParsedWorkbook:
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
    tabs = find_tabs(value_ranges)
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

    tables = {table: _frame(table, results[table], kode_desa, spreadsheet_key, stamp) for table in TABLE_TABS}
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
    tab_counts = pd.DataFrame(counts, columns=list(TAB_COUNT_COLUMNS)).astype(TAB_COUNT_COLUMNS)
    return ParsedWorkbook(tables=tables, rejections=rejections, warnings=warnings, tab_counts=tab_counts)
