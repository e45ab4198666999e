"""Validation rules as data, and the problems they produce.

A rule is declared once here (which kinds or fields it applies to, its bound, its reason
code); `column_reading.py` (cells) and `tab_rows.py` (rows) apply all of them and collect EVERY
problem of a sheet before reporting, like dbt tests declared next to columns. The Indonesian
messages for each reason live in config/messages.csv; `problems_frame` renders them.

Reason codes are stable: the warehouse, the quality report and the `Validasi` write-back
key on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from transforms.columns import PROBLEM_COLUMNS, TEMPLATE_TABS
from transforms.frames import frame, integers, strings

REJECT_REASONS = frozenset({
    "missing_required", "not_a_number", "negative_count", "not_integer", "bad_date", "bad_month",
    "future_date", "before_2015", "no_participants", "duplicate_month", "bad_gender", "bad_value",
    "unknown_field", "duplicate_field", "bad_cell", "out_of_range",
})
WARNING_REASONS = frozenset({
    "unknown_category", "unknown_strategy", "profile_other_village", "full_name_masked", "nik_removed",
    "thousands_separator_assumed", "totals_mismatch", "missing_tab",
    "personal_number_masked", "text_truncated",          # free text: transforms.text.guard_free_text
})
ALL_REASONS = REJECT_REASONS | WARNING_REASONS
# Small integer ids for reason codes, so that per-row problem markers are numpy arrays (0 = none).
CODES: tuple[str | None, ...] = (None, *sorted(ALL_REASONS))
CODE_ID = {code: i for i, code in enumerate(CODES) if code}

# Column kinds of config/columns.csv handled by a reader in column_reading.py (category kinds are added
# by reference.py).
KINDS = frozenset({"month", "date", "count", "integer", "money", "decimal", "text", "yesno", "gender",
                   "initials", "profile_key", "profile_value"})
NUMBER_KINDS = frozenset({"count", "integer", "money", "decimal"})

# In a row whose required cells are filled, an empty count means none (contract section 4).
# Money and profile numbers stay unknown (NULL) when empty.
BLANK_IS_ZERO_KINDS = frozenset({"count"})
BLANK_IS_ZERO_TABS = frozenset({"Kunjungan", "Kegiatan"})

TODAY, THIS_YEAR = "today", "this_year"


class Cell(NamedTuple):
    """What a reader made of one distinct cell value.

    value: the typed value (None when empty or rejected); reason: a rejection code;
    warning: a warning code; shown: the text to store for a warning instead of the cell
    (masked names); detail: fills {detail} in the message.
    """

    value: object = None
    reason: str | None = None
    warning: str | None = None
    shown: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class CellCheck:
    """A bound on a typed value, applied to the kinds or the `Tab.field`s named."""

    reason: str
    kinds: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    minimum: object = None
    maximum: object = None
    detail: str = ""


CELL_CHECKS: tuple[CellCheck, ...] = (
    CellCheck("negative_count", kinds=NUMBER_KINDS, minimum=0),
    CellCheck("before_2015", kinds=frozenset({"date", "month"}), minimum=date(2015, 1, 1)),
    CellCheck("future_date", kinds=frozenset({"date", "month"}), maximum=TODAY),
    CellCheck("bad_value", fields=frozenset({"Kunjungan.open_days"}), maximum=31,
              detail="hari buka dalam sebulan paling banyak 31"),
    CellCheck("bad_value", fields=frozenset({"Profil.opening_hours"}), maximum=24,
              detail="jam buka per hari paling banyak 24"),
    CellCheck("bad_value", fields=frozenset({"Profil.year_joined"}), minimum=2011, maximum=THIS_YEAR,
              detail="tahun bergabung antara 2011 dan tahun ini"),
)


@dataclass(frozen=True)
class RowCheck:
    """A rule across cells or rows of one tab; `test` names a function in ROW_TESTS."""

    reason: str
    tab: str
    fields: tuple[str, ...]
    test: str


ROW_CHECKS: tuple[RowCheck, ...] = (
    RowCheck("no_participants", "Kegiatan", ("participants_male", "participants_female"), "sum_positive"),
    RowCheck("duplicate_month", "Kunjungan", ("month",), "unique"),
)


def checks_for(tab: str, field_name: str, kind: str) -> tuple[CellCheck, ...]:
    return tuple(c for c in CELL_CHECKS if kind in c.kinds or f"{tab}.{field_name}" in c.fields)


def _bound(bound, today: date):
    return today if bound == TODAY else today.year if bound == THIS_YEAR else bound


class Bound(NamedTuple):
    """A CellCheck with its bounds resolved for one `today`, and the detail of its failure:
    what the per-value loops compare against (resolving per value was a hot spot)."""

    low: object
    high: object
    reason: str
    detail: str


def plausible_detail(maximum) -> str:
    """The detail of an `out_of_range` rejection: `paling banyak 50.000` (Indonesian grouping)."""
    shown = f"{maximum:,}".replace(",", ".") if isinstance(maximum, int) else str(maximum).replace(".", ",")
    return f"paling banyak {shown}"


@lru_cache(maxsize=4096)
def bounds_for(tab: str, field_name: str, kind: str, today: date, maximum=None) -> tuple[Bound, ...]:
    """checks_for(tab, field_name, kind), resolved for `today` (cached: a run has one today),
    then the column's plausible maximum (config/bounds.csv), if it has one."""
    found = tuple(Bound(_bound(c.minimum, today), _bound(c.maximum, today), c.reason,
                        c.detail or (f"{today:%d/%m/%Y}" if c.maximum == TODAY else ""))
                  for c in checks_for(tab, field_name, kind))
    if maximum is not None:
        found += (Bound(None, maximum, "out_of_range", plausible_detail(maximum)),)
    return found


def failed_bound(value, bounds: Sequence[Bound]) -> Bound | None:
    """The first bound a (non-None, non-bool) typed value breaks, or None."""
    for bound in bounds:
        if (bound.low is not None and value < bound.low) or (bound.high is not None and value > bound.high):
            return bound
    return None


def apply_checks(cell: Cell, checks: Sequence[CellCheck], today: date) -> Cell:
    """The first failed check turns the reading into a rejection (value dropped)."""
    if cell.value is None or cell.reason or isinstance(cell.value, bool):
        return cell
    for check in checks:
        low, high = _bound(check.minimum, today), _bound(check.maximum, today)
        if (low is not None and cell.value < low) or (high is not None and cell.value > high):
            detail = check.detail or (f"{today:%d/%m/%Y}" if check.maximum == TODAY else "")
            return Cell(None, check.reason, detail=detail)
    return cell


def _sum_positive(values: Sequence[np.ndarray], valid: np.ndarray, rows: np.ndarray):
    total = sum(v.astype(np.float64) for v in values)
    return valid & (total <= 0), None


def _unique(values: Sequence[np.ndarray], valid: np.ndarray, rows: np.ndarray):
    """Every row of a value that appears more than once fails; detail lists (up to 5 of) its rows."""
    positions = np.flatnonzero(valid)
    _, inverse, counts = np.unique(values[0][positions], return_inverse=True, return_counts=True)
    duplicated = counts[inverse] > 1
    failed = np.zeros(len(rows), dtype=bool)
    failed[positions[duplicated]] = True
    details = np.full(len(rows), "", dtype=object)
    groups = inverse[duplicated]
    order = np.argsort(groups, kind="stable")
    members_sorted = positions[duplicated][order]
    for members in np.split(members_sorted, np.flatnonzero(np.diff(groups[order])) + 1):
        if len(members):
            shown = ", ".join(str(r) for r in rows[members[:5]].tolist())
            details[members] = shown + (", ..." if len(members) > 5 else "")
    return failed, details


ROW_TESTS = {"sum_positive": _sum_positive, "unique": _unique}


@dataclass
class Found:
    """A batch of problems of one reason in one column of one tab (one entry per row)."""

    tab: str
    reason: str
    rows: np.ndarray                       # sheet row numbers (1-based); may hold -1 for none
    column: str
    values: Sequence[str]
    details: Sequence[str] | str = ""
    order: int = 0                         # column position, to list problems left to right


def _strings(values, n: int | None = None) -> pa.Array:
    """A large_string Arrow array from a list, or a constant repeated n times."""
    if n is None:
        return pa.array(values, type=pa.large_string())
    return pa.repeat(pa.scalar(values, type=pa.large_string()), n)


def _messages(batch: Found, template: str) -> pa.Array:
    """Render a batch's messages: the text around {row} is rendered once per distinct
    (value, detail) and joined to the row numbers in Arrow, so a million problems stay fast."""
    n = len(batch.rows)
    details = [batch.details] * n if isinstance(batch.details, str) else batch.details
    value_codes, value_uniques = pd.factorize(np.asarray(batch.values, dtype=object))
    detail_codes, detail_uniques = pd.factorize(np.asarray(details, dtype=object))
    pairs, inverse = np.unique(value_codes.astype(np.int64) * len(detail_uniques) + detail_codes, return_inverse=True)
    before, after = [], []
    for pair in pairs.tolist():
        value, detail = value_uniques[pair // len(detail_uniques)], detail_uniques[pair % len(detail_uniques)]
        text = template.format(row="\x00", column=batch.column, value=value, detail=detail, tab=batch.tab)
        head, _, tail = text.partition("\x00")
        before.append(head)
        after.append(tail)
    taken = pa.array(inverse.astype(np.int64))
    if "{row}" not in template:
        return _strings(before).take(taken)
    rows = pa.array(batch.rows.astype(np.int64)).cast(pa.large_string())
    rows = pc.if_else(pc.less(pa.array(batch.rows.astype(np.int64)), 0), "-", rows)
    separator = pa.scalar("", type=pa.large_string())
    return pc.binary_join_element_wise(_strings(before).take(taken), rows, _strings(after).take(taken), separator)


def problems_frame(found: Sequence[Found], messages: Mapping, kode_desa: str, spreadsheet_key: str) -> pd.DataFrame:
    """Problems as a DataFrame with PROBLEM_COLUMNS, sorted by tab, row and column order."""
    found = [batch for batch in found if len(batch.rows)]
    if not found:
        return frame({c: strings([]) if t == "string" else integers(np.zeros(0, np.int64))
                      for c, t in PROBLEM_COLUMNS.items()}, 0)
    rows = np.concatenate([b.rows for b in found]).astype(np.int64)
    tab_order = np.concatenate([np.full(len(b.rows), TEMPLATE_TABS.index(b.tab) if b.tab in TEMPLATE_TABS else 99)
                                for b in found])
    column_order = np.concatenate([np.full(len(b.rows), b.order) for b in found])
    order = pa.array(np.lexsort((column_order, rows, tab_order)))

    def column(parts: list[pa.Array]) -> pd.api.extensions.ExtensionArray:
        return pd.arrays.ArrowStringArray(pa.concat_arrays(parts).take(order))

    n = len(rows)
    columns = {
        "kode_desa": pd.arrays.ArrowStringArray(_strings(kode_desa, n)),
        "spreadsheet_key": pd.arrays.ArrowStringArray(_strings(spreadsheet_key, n)),
        "tab": column([_strings(b.tab, len(b.rows)) for b in found]),
        "row_number": pd.arrays.IntegerArray(np.maximum(rows, 0)[order.to_numpy()], (rows < 0)[order.to_numpy()]),
        "column": column([_strings(b.column, len(b.rows)) for b in found]),
        "value": column([_strings(list(b.values)) for b in found]),
        "reason": column([_strings(b.reason, len(b.rows)) for b in found]),
        "message": column([_messages(b, messages[b.reason].template) for b in found]),
    }
    return frame({c: columns[c] for c in PROBLEM_COLUMNS}, n)
