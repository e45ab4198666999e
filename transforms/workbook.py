"""One village's workbook (the cells of its tabs) -> typed tables, problems and counts.

This is the entry point the sync calls after fetching a spreadsheet with `values:batchGet`
(UNFORMATTED_VALUE, SERIAL_NUMBER). It finds the template tabs, parses each (the data tabs in
tabs.py; the key/value Profil tab in profile_tab.py, checked against the village registry),
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

from transforms.cells import normalise_value_ranges
from transforms.columns import TAB_COUNT_COLUMNS, TABLE_COLUMNS, TABLE_TABS, all_columns
from transforms.frames import constant_strings, frame, integers, strings
from transforms.headers import UnreadableSheet
from transforms.profile_tab import parse_profile_tab
from transforms.reference import Reference
from transforms.rules import Found, problems_frame
from transforms.stacking import FETCHED_AT_DTYPE, join_parts
from transforms.tabs import TabResult, parse_table_tab, typed_array
from transforms.text import is_blank

__all__ = ["ParsedWorkbook", "ParsedParts", "UnreadableSheet", "parse_workbook", "parse_workbook_parts", "join_parts",
           "find_tabs"]

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
