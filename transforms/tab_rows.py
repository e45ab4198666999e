"""Which rows of a tab are data, and the checks that span a row.

A tab's rows are split into columns, each factorised (`extract`: distinct values + a code per
row). Data rows are everything below the header except blank rows (no value in any matched
column, ignoring columns the template fills in advance such as `No`), totals rows (first
non-empty cell `Jumlah`/`Total`) and repeats of the header (`row_kinds`). Problems are
collected as `rules.Found` batches, one per reason and column (`emit`); `row_checks` applies
rules.ROW_CHECKS (e.g. participants male + female > 0) and `totals_mismatch` compares a
totals row with the rows above it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import zip_longest
from typing import NamedTuple

import numpy as np
import pandas as pd

from transforms.column_reading import Reading
from transforms.dates import serial_to_date
from transforms.numbers import read_number
from transforms.rules import CODES, ROW_CHECKS, ROW_TESTS, Found
from transforms.text import cell_text, simple_key

# A totals row's label: `Jumlah`, `TOTAL`, `Jumlah Total`, `Total Pengunjung 2022`, `Sub Total`...
# Narrow on purpose: a row taken for totals is neither loaded nor rejected.
TOTALS_LABEL = re.compile(r"^(jumlah|total|grand total|sub ?total)"
                          r"( (total|jumlah|keseluruhan|seluruhnya|semua|pengunjung|peserta|kegiatan|mitra|"
                          r"penerima|dampak|per|tahun|bulan|triwulan|semester|\d{4}))*$")


class _Column(NamedTuple):
    codes: np.ndarray      # per row below the header: index into uniques
    uniques: list          # distinct cell values; the last is None (cell missing from a short row)


@dataclass
class Field:
    spec: object
    label: str             # header text as found in the sheet
    order: int             # position among matched columns
    column: _Column
    reading: Reading
    codes: np.ndarray      # distinct-value index of each data row


EXTRACT_CHUNK = 4096
SMALL_TAB = 256                 # rows up to which columns are factorised in Python (no fixed cost)
_PLAIN_CELL_TYPES = frozenset({str, int, float, bool, type(None)})


def _factorize_small(cells: Sequence) -> _Column | None:
    """pd.factorize for a short column, in Python: its fixed cost (~30 us a column) is most of
    the work on a tiny tab. Same result: first-seen order, equal values merged as a dict
    merges them (1, 1.0 and True), None missing. None (use pd.factorize) for a NaN or any
    unusual cell type."""
    index: dict = {}
    codes = np.array([index.setdefault(v, len(index)) for v in cells], dtype=np.intp)
    uniques = list(index)
    if any(type(u) not in _PLAIN_CELL_TYPES or (type(u) is float and u != u) for u in uniques):
        return None
    if None in index:                               # missing: coded after the last unique
        at = index[None]
        uniques.pop(at)
        missing = codes == at
        codes[codes > at] -= 1
        codes[missing] = len(uniques)
    return _Column(codes, [*uniques, None])


def extract(data: list, width: int) -> dict[int, _Column]:
    """Columns 0..width-1 of ragged rows, each factorised. Rows are transposed a chunk at a
    time with zip_longest (C speed, short rows padded with None); cells right of `width` are
    ignored. Short tabs are factorised in Python (`_factorize_small`)."""
    if len(data) <= SMALL_TAB:
        transposed = list(zip_longest(*data))
        columns = {j: _factorize_small(transposed[j] if j < len(transposed) else [None] * len(data))
                   for j in range(width)}
        if all(column is not None for column in columns.values()):
            return columns
    arrays = [np.empty(len(data), dtype=object) for _ in range(width)]
    for start in range(0, len(data), EXTRACT_CHUNK):
        chunk = data[start:start + EXTRACT_CHUNK]
        transposed = list(zip_longest(*chunk))
        for j in range(width):
            arrays[j][start:start + len(chunk)] = transposed[j] if j < len(transposed) else None
    columns = {}
    for j, values in enumerate(arrays):
        codes, uniques = pd.factorize(values)
        codes[codes < 0] = len(uniques)
        columns[j] = _Column(codes, [*uniques.tolist(), None])
    return columns


def row_kinds(columns: dict[int, _Column], content: list[int], labels: dict[int, str], n: int):
    """Masks over the rows below the header: (data rows, totals rows)."""
    filled, totals, undecided = np.zeros(n, bool), np.zeros(n, bool), np.ones(n, bool)
    for j in sorted(columns):
        uniques, codes = columns[j].uniques, columns[j].codes
        deciding = undecided.any()          # once every row's first cell is found, labels are moot
        if not deciding and j not in content:
            continue
        nonblank = np.array([u is not None and (type(u) is not str or bool(u.strip())) for u in uniques])[codes]
        if deciding:
            is_total = np.array([type(u) is str and len(u) <= 40 and u.lstrip()[:1] in "JjTtGgSs"
                                 and TOTALS_LABEL.match(simple_key(u)) is not None for u in uniques])[codes]
            totals |= undecided & nonblank & is_total
            undecided &= ~nonblank
        if j in content:
            filled |= nonblank
    repeats = np.zeros(n, dtype=np.int64)
    for j, label in labels.items():
        wanted = label.casefold()
        repeats += np.array([type(u) is str and len(u) >= len(wanted) and u.strip().casefold() == wanted
                             for u in columns[j].uniques])[columns[j].codes]
    return filled & ~totals & (repeats < min(2, len(labels))), totals


def _as_seen(field: Field, i: int) -> str:
    """A cell as the librarian sees it: a date serial is shown as the date it is."""
    value = field.column.uniques[i]
    if field.spec.kind in ("date", "month") and type(value) in (int, float) and (day := serial_to_date(value)):
        return f"{day:%d/%m/%Y}"
    return cell_text(value)


def _texts(field: Field, codes: np.ndarray, masked: bool = False) -> tuple[list[str], list[str]]:
    """Cell texts (or their masked form) and problem details for the given distinct indexes."""
    shown = {}
    for i in np.unique(codes).tolist():
        note = field.reading.notes.get(i)
        text = note.shown if masked and note is not None and note.shown is not None else _as_seen(field, i)
        shown[i] = (text, note.detail if note is not None else "")
    pairs = [shown[i] for i in codes.tolist()]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def emit(batches: list, tab: str, field: Field, ids: np.ndarray, positions: np.ndarray, sheet_rows: np.ndarray,
          masked: bool = False) -> None:
    """One Found per reason id present in `ids` (one id per row of `positions`)."""
    if not ids.any():
        return
    for rid in np.unique(ids[ids > 0]).tolist():
        at = np.flatnonzero(ids == rid)
        texts, details = _texts(field, field.codes[positions[at]], masked)
        batches.append(Found(tab, CODES[rid], sheet_rows[positions[at]], field.label, texts, details, field.order))


def _as_number(value) -> float:
    if value is None:
        return np.nan
    return float(value.toordinal()) if isinstance(value, date) else float(value)


def row_checks(rejections: list, tab: str, fields: dict[str, Field], sheet_rows: np.ndarray) -> np.ndarray:
    """Apply ROW_CHECKS of this tab to the rows whose checked cells are valid."""
    failed_any = np.zeros(len(sheet_rows), dtype=bool)
    for check in (c for c in ROW_CHECKS if c.tab == tab and all(f in fields for f in c.fields)):
        values, valid = [], np.ones(len(sheet_rows), dtype=bool)
        for name in check.fields:
            field = fields[name]
            numbers = np.array([_as_number(v) for v in field.reading.values], dtype=np.float64)[field.codes]
            values.append(numbers)
            valid &= (field.reading.reasons[field.codes] == 0) & ~np.isnan(numbers)
        failed, details = ROW_TESTS[check.test](values, valid, sheet_rows)
        at = np.flatnonzero(failed)
        if len(at):
            parts = [_texts(fields[name], fields[name].codes[at])[0] for name in check.fields]
            texts = parts[0] if len(parts) == 1 else [" + ".join(p) for p in zip(*parts)]
            first = fields[check.fields[0]]
            label = " + ".join(fields[name].label for name in check.fields)
            rejections.append(Found(tab, check.reason, sheet_rows[at], label, texts,
                                    "" if details is None else details[at], first.order))
        failed_any |= failed
    return failed_any



def totals_mismatch(tab: str, fields: dict[str, Field], is_data: np.ndarray, totals: np.ndarray,
                     first_row: int) -> list[Found]:
    """Warn when a totals row's count differs from the sum of the data rows above it (up to the
    previous totals row). Rows rejected for other reasons still count: the librarian summed them."""
    found, positions = [], np.flatnonzero(totals).tolist()
    for field in fields.values():
        if field.spec.kind != "count" or not positions:
            continue
        column = field.column
        numbers = np.array([v if type(v) is int else 0 for v in field.reading.values], dtype=np.float64)
        running = np.concatenate([[0.0], np.cumsum(numbers[column.codes] * is_data)])
        start = 0
        for t in positions:
            stated = read_number(column.uniques[column.codes[t]], "count").value
            computed = int(running[t] - running[start])
            if stated is not None and stated != computed:
                found.append(Found(tab, "totals_mismatch", np.array([t + first_row]), field.label,
                                   [cell_text(column.uniques[column.codes[t]])], [str(computed)], field.order))
            start = t + 1
    return found
