"""Reading one column's cells: each DISTINCT value of a column read and checked once.

Librarians repeat the same few values (dates, categories, counts) over and over, so a tab's
columns are factorised (tab_rows.py) and only their distinct values come here. `reader` reads
one cell of a column kind into a `rules.Cell` (value, reason, warning); `quick_reader` takes
the commonest clean cells without building a Cell; `read_column` applies both and the
bounds of rules.py to a column's distinct values and returns a `Reading`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Callable

import numpy as np

from transforms.cells import OddCell
from transforms.dates import SERIAL_EPOCH, parse_date, parse_month, serial_to_date
from transforms.numbers import INT64_MAX, read_number
from transforms.reference import CATEGORY_KINDS, OTHER_CATEGORY, Reference
from transforms.rules import (BLANK_IS_ZERO_KINDS, BLANK_IS_ZERO_TABS, CODE_ID, NUMBER_KINDS, Bound, Cell,
                              bounds_for, failed_bound, plausible_detail)
from transforms.text import (DASHES, clean_text, guard_free_text, lookup_category, parse_gender, parse_yes_no,
                             read_initials)


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
