"""The problems of a whole chunk of workbooks as one frame: `rules.problems_frame` for many.

A chunk's tabs are read together (chunk_tab.py), so a batch of problems (`ChunkFound`) may
hold rows of several workbooks (`owner`: the workbook's position in the chunk), each with
the header text and column position of its own sheet. The frame is sorted by workbook, then
as `problems_frame` sorts one workbook's problems (tab, row, column position): the same rows
in the same order as concatenating each workbook's `problems_frame`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from transforms.columns import PROBLEM_COLUMNS, TEMPLATE_TABS
from transforms.frames import frame, integers, strings
from transforms.rules import Found


@dataclass
class ChunkFound:
    """A batch of problems of one reason in one tab; one entry per row of `rows`."""

    tab: str
    reason: str
    owner: np.ndarray                      # workbook position in the chunk, per row
    rows: np.ndarray                       # sheet row numbers (1-based); -1 for none
    column: np.ndarray | str               # header text per row (or one for all)
    values: Sequence[str]
    details: Sequence[str] | str = ""
    order: np.ndarray | int = 0            # column position per row (or one for all)


def from_found(found: Sequence[Found], owner: int) -> list[ChunkFound]:
    """One workbook's `rules.Found` batches as ChunkFound of that workbook."""
    return [ChunkFound(f.tab, f.reason, np.full(len(f.rows), owner, dtype=np.int64), np.asarray(f.rows),
                       f.column, f.values, f.details, f.order) for f in found]


def _per_row(value, n: int) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    out = np.empty(n, dtype=object if isinstance(value, str) else np.int64)
    out[:] = value
    return out


def _messages(batch: ChunkFound, template: str) -> pa.Array:
    """rules._messages with a header text per row: the text around {row} is rendered once per
    distinct (value, detail, column) and joined to the row numbers in Arrow."""
    n = len(batch.rows)
    details = [batch.details] * n if isinstance(batch.details, str) else batch.details
    parts = [pd.factorize(np.asarray(values, dtype=object))
             for values in (batch.values, details, _per_row(batch.column, n))]
    key = np.zeros(n, dtype=np.int64)
    for codes, uniques in parts:
        key = key * len(uniques) + codes
    pairs, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    before, after = [], []
    for at in first.tolist():
        value, detail, column = (uniques[codes[at]] for codes, uniques in parts)
        text = template.format(row="\x00", column=column, value=value, detail=detail, tab=batch.tab)
        head, _, tail = text.partition("\x00")
        before.append(head)
        after.append(tail)
    taken = pa.array(inverse.astype(np.int64).reshape(-1))
    heads = pa.array(before, type=pa.large_string()).take(taken)
    if "{row}" not in template:
        return heads
    numbers = pa.array(batch.rows.astype(np.int64))
    rows = pc.if_else(pc.less(numbers, 0), "-", numbers.cast(pa.large_string()))
    tails = pa.array(after, type=pa.large_string()).take(taken)
    return pc.binary_join_element_wise(heads, rows, tails, pa.scalar("", type=pa.large_string()))


def chunk_problems_frame(found: Sequence[ChunkFound], messages: Mapping, kode_desa: Sequence[str],
                         spreadsheet_key: Sequence[str]) -> pd.DataFrame:
    """Problems with PROBLEM_COLUMNS, sorted by workbook, tab, row and column position;
    `kode_desa` and `spreadsheet_key` are indexed by `owner`."""
    found = [batch for batch in found if len(batch.rows)]
    if not found:
        return frame({c: strings([]) if t == "string" else integers(np.zeros(0, np.int64))
                      for c, t in PROBLEM_COLUMNS.items()}, 0)
    owner = np.concatenate([b.owner for b in found]).astype(np.int64)
    rows = np.concatenate([b.rows for b in found]).astype(np.int64)
    tab_order = np.concatenate([np.full(len(b.rows), TEMPLATE_TABS.index(b.tab) if b.tab in TEMPLATE_TABS else 99)
                                for b in found])
    column_order = np.concatenate([_per_row(b.order, len(b.rows)) for b in found]).astype(np.int64)
    order = np.lexsort((column_order, rows, tab_order, owner))
    taken = pa.array(order)

    def column(parts: list[pa.Array]) -> pd.api.extensions.ExtensionArray:
        return pd.arrays.ArrowStringArray(pa.concat_arrays(parts).take(taken))

    def repeated(value: str, n: int) -> pa.Array:
        return pa.repeat(pa.scalar(value, type=pa.large_string()), n)

    def labels(batch: ChunkFound) -> pa.Array:
        if isinstance(batch.column, str):
            return repeated(batch.column, len(batch.rows))
        return pa.array(list(batch.column), type=pa.large_string())

    owners = pa.array(owner[order])
    n = len(rows)
    columns = {
        "kode_desa": pd.arrays.ArrowStringArray(pa.array(list(kode_desa), type=pa.large_string()).take(owners)),
        "spreadsheet_key": pd.arrays.ArrowStringArray(
            pa.array(list(spreadsheet_key), type=pa.large_string()).take(owners)),
        "tab": column([repeated(b.tab, len(b.rows)) for b in found]),
        "row_number": pd.arrays.IntegerArray(np.maximum(rows, 0)[order], (rows < 0)[order]),
        "column": column([labels(b) for b in found]),
        "value": column([pa.array(list(b.values), type=pa.large_string()) for b in found]),
        "reason": column([repeated(b.reason, len(b.rows)) for b in found]),
        "message": column([_messages(b, messages[b.reason].template) for b in found]),
    }
    return frame({c: columns[c] for c in PROBLEM_COLUMNS}, n)
