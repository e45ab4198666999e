"""Parsing one tab's rows into typed columns, with every problem found.

Tabs can hold a million rows, and librarians repeat the same few values (dates, categories,
counts) over and over, so each column is factorised: its DISTINCT values are read and
checked once (by the readers below), and the results are mapped back to the rows with numpy
`take`. Only the problems, usually few, are handled row by row.

Which rows are data: everything below the header except blank rows (no value in any matched
column, ignoring columns the template fills in advance such as `No`), totals rows (first
non-empty cell `Jumlah`/`Total`) and repeats of the header. The key/value `Profil` tab is
read in workbook.py with the same cell readers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import zip_longest
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from transforms.cells import OddCell
from transforms.columns import TABLE_COLUMNS
from transforms.dates import SERIAL_EPOCH, parse_date, parse_month, serial_to_date
from transforms.headers import UnreadableSheet, find_header
from transforms.numbers import INT64_MAX, read_number
from transforms.reference import CATEGORY_KINDS, OTHER_CATEGORY, Reference
from transforms.rules import (BLANK_IS_ZERO_KINDS, BLANK_IS_ZERO_TABS, CODE_ID, CODES, NUMBER_KINDS, ROW_CHECKS,
                              ROW_TESTS, Bound, Cell, Found, bounds_for, failed_bound, plausible_detail)
from transforms.text import (DASHES, cell_text, clean_text, guard_free_text, lookup_category, parse_gender,
                             parse_yes_no, read_initials, simple_key)

# A totals row's label: `Jumlah`, `TOTAL`, `Jumlah Total`, `Total Pengunjung 2022`, `Sub Total`...
# Narrow on purpose: a row taken for totals is neither loaded nor rejected.
TOTALS_LABEL = re.compile(r"^(jumlah|total|grand total|sub ?total)"
                          r"( (total|jumlah|keseluruhan|seluruhnya|semua|pengunjung|peserta|kegiatan|mitra|"
                          r"penerima|dampak|per|tahun|bulan|triwulan|semester|\d{4}))*$")


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


def _dated(day: date | None, reason: str) -> Cell:
    return Cell(day) if day else Cell(None, reason)


def _number_cell(cell, kind: str) -> Cell:
    reading = read_number(cell, kind)
    return Cell(reading.value, reading.reason, reading.warning, None, str(reading.value) if reading.warning else "")


def _initials_cell(cell) -> Cell:
    initials, warning, shown = read_initials(cell)
    return Cell(initials, None, warning, shown, initials or "")


def _category_reader(table, unknown: Cell) -> Callable[[object], Cell]:
    def read(cell) -> Cell:
        value = lookup_category(cell, table)
        return Cell(value) if value else unknown
    return read


def _make_reader(kind: str, ref: Reference) -> Callable[[object], Cell]:
    if kind in CATEGORY_KINDS:
        category = CATEGORY_KINDS[kind]
        choices = ", ".join(ref.category_values[category])
        unknown = Cell(None, None, "unknown_strategy", None, choices) if kind == "strategy" else \
            Cell(OTHER_CATEGORY, None, "unknown_category", None, choices)
        return _category_reader(ref.categories[category], unknown)
    if kind in NUMBER_KINDS:
        return lambda u: _number_cell(u, kind)
    readers = {
        "month": lambda u: _dated(parse_month(u), "bad_month"),
        "date": lambda u: _dated(parse_date(u), "bad_date"),
        "yesno": lambda u: Cell(v) if (v := parse_yes_no(u)) is not None else Cell(None, "bad_value",
                                                                                     detail="isi Ya atau Tidak"),
        "gender": lambda u: Cell(v) if (v := parse_gender(u)) else Cell(None, "bad_gender"),
        "initials": _initials_cell,
    }
    return readers.get(kind, lambda u: Cell(clean_text(u)))


def _memoised(read: Callable[[object], Cell]) -> Callable[[object], Cell]:
    """`read`, remembering what each text cell reads as: the same texts (`13/10/2022`,
    `12 orang`, `Okt-22`) recur in every village's workbook, and a Cell is immutable. Only str
    cells are remembered (1, 1.0 and True are equal keys but may read differently)."""
    remembered = lru_cache(maxsize=1 << 16)(read)
    return lambda u: remembered(u) if type(u) is str else read(u)


_cached_reader = lru_cache(maxsize=256)(lambda kind, ref: _memoised(_make_reader(kind, ref)))


def reader(kind: str, ref: Reference) -> Callable[[object], Cell]:
    """The function that reads one non-blank cell of a column kind into a Cell. Made once per
    (kind, Reference): building it per column was a fixed cost of every small workbook."""
    try:
        return _cached_reader(kind, ref)
    except TypeError:                           # a Reference holding plain (unhashable) dicts
        return _make_reader(kind, ref)


def _quick_integral(u):
    return u if type(u) is int and -INT64_MAX <= u <= INT64_MAX else None


def _quick_decimal(u):
    return float(u) if type(u) is int or (type(u) is float and math.isfinite(u)) else None


def _quick_date(u):
    return serial_to_date(u) if type(u) is int or type(u) is float else None


def _quick_month(u):
    day = serial_to_date(u) if type(u) is int or type(u) is float else None
    return day.replace(day=1) if day else None


def _quick_category(table: Mapping[str, str]) -> Callable[[object], object]:
    return lambda u: lookup_category(u, table) if type(u) is str else None


def quick_reader(kind: str, ref: Reference) -> Callable[[object], object] | None:
    """For the commonest clean cells (an int in a count column, a serial in a date column, a
    known category), a reader that returns the typed value with no Cell and no problem; it
    returns None for any other cell, which then goes to `reader` (which explains problems).
    Must agree with `reader` wherever it returns a value."""
    if kind in CATEGORY_KINDS:
        return _quick_category(ref.categories[CATEGORY_KINDS[kind]])
    if kind in NUMBER_KINDS:
        return _quick_decimal if kind == "decimal" else _quick_integral
    return {"date": _quick_date, "month": _quick_month}.get(kind)


def _checked(cell: Cell, bounds: tuple[Bound, ...]) -> Cell:
    """rules.apply_checks with the bounds already resolved."""
    if not bounds or cell.value is None or cell.reason or isinstance(cell.value, bool):
        return cell
    bound = failed_bound(cell.value, bounds)
    return cell if bound is None else Cell(None, bound.reason, detail=bound.detail)


@dataclass
class Reading:
    """A column's distinct values, read: typed values, reason and warning ids (rules.CODES,
    0 = none) and, sparsely, the Cell of each value that has a problem (for its detail)."""

    values: list
    reasons: np.ndarray
    warnings: np.ndarray
    notes: dict[int, Cell]


_SERIAL_TO_UNIX_DAYS = (date(1970, 1, 1) - SERIAL_EPOCH).days
_INT64_MIN = -INT64_MAX - 1


def _typed_ints(ints: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(typed values, readable mask) of int cells: the number itself for whole-number kinds,
    the day (or its month's first day) of a serial for date and month columns."""
    if kind in ("date", "month"):
        ok = (ints >= 1) & (ints < 2958466)                      # dates.serial_to_date's range
        days = (np.where(ok, ints, 1) - _SERIAL_TO_UNIX_DAYS).astype("datetime64[D]")
        return (days.astype("datetime64[M]").astype("datetime64[D]") if kind == "month" else days), ok
    return ints, ints != _INT64_MIN                              # |value| <= INT64_MAX


def _read_plain_ints(uniques: list, kind: str, bounds: tuple[Bound, ...]) -> tuple[list, Sequence[int]]:
    """The distinct values that are plain ints (what the API returns for typed counts and
    dates), read and checked with numpy at once; the same result as `reader` + the checks
    for each, just without a Python call per value. Returns the values list (None where not
    read yet) and the positions left for the per-value loop: every non-int cell and every
    int cell with a problem, so that problems are always explained by the same code."""
    values: list = [None] * len(uniques)
    if kind not in ("date", "month", "count", "integer", "money"):
        return values, range(len(uniques))
    is_int = np.fromiter((type(u) is int for u in uniques), dtype=bool, count=len(uniques))
    positions = np.flatnonzero(is_int)
    if len(positions) < 8:                                      # not worth it (and the Profil tab)
        return values, range(len(uniques))
    try:
        ints = np.array([uniques[i] for i in positions.tolist()], dtype=np.int64)
    except OverflowError:
        return values, range(len(uniques))
    typed, ok = _typed_ints(ints, kind)
    for bound in bounds:
        if bound.low is not None:
            ok &= ~(typed < (np.datetime64(bound.low, "D") if isinstance(bound.low, date) else bound.low))
        if bound.high is not None:
            ok &= ~(typed > (np.datetime64(bound.high, "D") if isinstance(bound.high, date) else bound.high))
    for i, value in zip(positions[ok].tolist(), typed[ok].tolist()):
        values[i] = value
    is_int[positions[~ok]] = False
    return values, np.flatnonzero(~is_int).tolist()


def read_column(uniques: list, tab: str, spec, ref: Reference, today: date) -> Reading:
    """Read and check each distinct value once. Blank is empty (0 for optional counts of
    Kunjungan/Kegiatan); a lone dash is 0 in number columns and empty elsewhere; an empty
    required cell is `missing_required`. Clean common cells take `quick_reader`'s path."""
    n = len(uniques)
    reasons, warnings, notes = np.zeros(n, np.int16), np.zeros(n, np.int16), {}
    blank = 0 if spec.kind in BLANK_IS_ZERO_KINDS and tab in BLANK_IS_ZERO_TABS and not spec.required else None
    if spec.kind == "text":
        values = [None] * n
        for i, u in enumerate(uniques):
            values[i], warning, shown, detail = guard_free_text(u, mask=tab != "Profil")  # printable, fits Excel
            if warning:
                notes[i], warnings[i] = Cell(values[i], None, warning, shown, detail), CODE_ID[warning]
    else:
        read, quick = reader(spec.kind, ref), quick_reader(spec.kind, ref)
        maximum = getattr(spec, "maximum", None)
        bounds, number = bounds_for(tab, spec.field, spec.kind, today, maximum), spec.kind in NUMBER_KINDS
        values, rest = _read_plain_ints(uniques, spec.kind, bounds)
        for i in rest:
            u = uniques[i]
            if type(u) is OddCell:
                continue                                    # rejected below, whatever the kind
            value = quick(u) if quick is not None else None
            if value is not None:
                bound = failed_bound(value, bounds) if bounds else None
                if bound is None:
                    values[i] = value
                    continue
                cell = Cell(None, bound.reason, detail=bound.detail)
            elif u is None or (type(u) is str and (not u.strip() or (not number and u.strip() in DASHES))):
                values[i] = blank if u is None or not u.strip() else None
                continue
            else:
                cell = _checked(read(u), bounds)
            if cell.reason == "out_of_range" and not cell.detail and maximum is not None:
                cell = cell._replace(detail=plausible_detail(maximum))
            values[i] = cell.value
            if cell.reason or cell.warning:
                notes[i] = cell
                reasons[i] = CODE_ID[cell.reason] if cell.reason else 0
                warnings[i] = CODE_ID[cell.warning] if cell.warning else 0
    for i, u in enumerate(uniques):
        if type(u) is OddCell:                              # a list or object where a value belongs
            values[i], reasons[i], warnings[i] = None, CODE_ID["bad_cell"], 0
            notes[i] = Cell(None, "bad_cell", detail=u.kind)
    if spec.required:
        empty = np.array([v is None for v in values], dtype=bool) & (reasons == 0)
        reasons[empty] = CODE_ID["missing_required"]
    return Reading(values, reasons, warnings, notes)


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


class _Column(NamedTuple):
    codes: np.ndarray      # per row below the header: index into uniques
    uniques: list          # distinct cell values; the last is None (cell missing from a short row)


@dataclass
class _Field:
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


def _extract(data: list, width: int) -> dict[int, _Column]:
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


def _row_kinds(columns: dict[int, _Column], content: list[int], labels: dict[int, str], n: int):
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


def _as_seen(field: _Field, i: int) -> str:
    """A cell as the librarian sees it: a date serial is shown as the date it is."""
    value = field.column.uniques[i]
    if field.spec.kind in ("date", "month") and type(value) in (int, float) and (day := serial_to_date(value)):
        return f"{day:%d/%m/%Y}"
    return cell_text(value)


def _texts(field: _Field, codes: np.ndarray, masked: bool = False) -> tuple[list[str], list[str]]:
    """Cell texts (or their masked form) and problem details for the given distinct indexes."""
    shown = {}
    for i in np.unique(codes).tolist():
        note = field.reading.notes.get(i)
        text = note.shown if masked and note is not None and note.shown is not None else _as_seen(field, i)
        shown[i] = (text, note.detail if note is not None else "")
    pairs = [shown[i] for i in codes.tolist()]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _emit(batches: list, tab: str, field: _Field, ids: np.ndarray, positions: np.ndarray, sheet_rows: np.ndarray,
          masked: bool = False) -> None:
    """One Found per reason id present in `ids` (one id per row of `positions`)."""
    if not ids.any():
        return
    for rid in np.unique(ids[ids > 0]).tolist():
        at = np.flatnonzero(ids == rid)
        texts, details = _texts(field, field.codes[positions[at]], masked)
        batches.append(Found(tab, CODES[rid], sheet_rows[positions[at]], field.label, texts, details, field.order))


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
    columns = _extract(data, width)
    content = [j for f, j in match.columns.items() if not specs[f].prefilled]
    is_data, totals = _row_kinds(columns, content, {j: match.labels[f] for f, j in match.columns.items()}, len(data))
    sel = np.flatnonzero(is_data)
    sheet_rows, everyone = sel + first_row, np.arange(len(sel))
    rejections, warnings, fields = [], [], {}
    rejected = np.zeros(len(sel), dtype=bool)
    for order, (name, j) in enumerate(sorted(match.columns.items(), key=lambda item: item[1])):
        column = columns[j]
        field = _Field(specs[name], match.labels[name], order, column,
                       read_column(column.uniques, tab, specs[name], ref, today), column.codes[sel])
        ids = field.reading.reasons[field.codes]
        _emit(rejections, tab, field, ids, everyone, sheet_rows)
        rejected |= ids > 0
        fields[name] = field
    rejected |= _row_checks(rejections, tab, fields, sheet_rows)
    loaded = np.flatnonzero(~rejected)
    for field in fields.values():
        if field.reading.warnings.any():
            _emit(warnings, tab, field, field.reading.warnings[field.codes[loaded]], loaded, sheet_rows, masked=True)
    warnings += _totals_mismatch(tab, fields, is_data, totals, first_row)
    return TabResult(tab, _outputs(table, ref, fields, loaded), sheet_rows[loaded], rejections, warnings,
                     len(sel), len(loaded))


def _as_number(value) -> float:
    if value is None:
        return np.nan
    return float(value.toordinal()) if isinstance(value, date) else float(value)


def _row_checks(rejections: list, tab: str, fields: dict[str, _Field], sheet_rows: np.ndarray) -> np.ndarray:
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


def _outputs(table: str, ref: Reference, fields: dict[str, _Field], loaded: np.ndarray) -> dict:
    """Typed output columns for the loaded rows; columns absent from the sheet are NULL."""
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
        strategy = np.array([ref.default_strategy.get(v) for v in category.reading.values], dtype=object)
        strategy = strategy[category.codes[loaded]]
        if "strategy" in fields:
            chosen = fields["strategy"]
            override = np.array(chosen.reading.values, dtype=object)[chosen.codes[loaded]]
            strategy = np.where(pd.isna(override), strategy, override)
        out["strategy"] = pd.arrays.ArrowStringArray(pa.array(strategy, type=pa.large_string()))
    return out


def _totals_mismatch(tab: str, fields: dict[str, _Field], is_data: np.ndarray, totals: np.ndarray,
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
