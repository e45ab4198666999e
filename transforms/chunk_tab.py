"""One data tab of a whole chunk of workbooks, read in one columnar pass.

Each sheet's header was found on its own (a few cells, chunk.py); here the rows below the
headers of every sheet are stacked, cell position by cell position, and factorised ONCE for
the chunk, so that each column reader reads each distinct cell of the chunk once (tabs.py
did it per sheet, paying pandas' and Arrow's fixed costs per sheet and column). A field's
cells are then gathered from the position its own sheet has it at. Everything per row is
numpy over the chunk; only what is per sheet by nature (a duplicate month, a totals row,
header texts in messages) looks at the sheet a row came from (`owner`).

The result is exactly what `tabs.parse_table_tab` gives for each sheet alone, row for row
and problem for problem (tests/transforms/test_chunk.py checks it on random workbooks).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from datetime import date
from itertools import chain

import numpy as np
import pandas as pd

from transforms.cells import has_lone_surrogate, normalise_rows
from transforms.chunk_problems import ChunkFound
from transforms.column_reading import read_column
from transforms.headers import HeaderMatch
from transforms.reference import Reference
from transforms.rules import CODES, ROW_CHECKS, ROW_TESTS
from transforms.tab_rows import TOTALS_LABEL, Field, _as_number, _Column, _texts
from transforms.numbers import read_number
from transforms.tabs import output_columns
from transforms.text import cell_text, simple_key


@dataclass
class Sheet:
    """One workbook's tab in the chunk, its header found."""

    owner: int              # position of the workbook in the chunk
    data: list              # the rows below the header (lists)
    match: HeaderMatch
    raw: bool = False       # whether the data's cells may still need `cells.normalise_rows`

    @cached_property
    def width(self) -> int:
        return max(self.match.width, *(j + 1 for j in self.match.columns.values()))


@dataclass
class ChunkTab:
    """Typed columns of the loaded rows (in owner order), their owners and sheet rows, the
    problems, and per owner the rows read and loaded (dicts: owner -> count)."""

    columns: dict[str, object]
    owner: np.ndarray
    source_rows: np.ndarray
    rejections: list[ChunkFound]
    warnings: list[ChunkFound]
    rows_read: dict[int, int]
    rows_loaded: dict[int, int]


_EXACT_LIMIT = 1e16          # beyond it, an int and an equal float are shown differently (cell_text)
_PLAIN_KINDS = frozenset({str, int, float, type(None)})


def _factorise(sheets: list[Sheet], width: int, n: int, owner: np.ndarray) -> tuple[np.ndarray, list]:
    """Codes (width x n: position j of every row of every sheet, None beyond a row's end or its
    sheet's width) and the distinct values (None last).

    The sheets' data rows come unchecked (`Sheet.raw`): normalising every cell of every row in
    Python cost more than factorising them. So the cells are checked here as a whole, their
    types in one pass and NaN and lone surrogates among the distinct values only; should any
    cell need normalising, the raw sheets are normalised (`cells.normalise_rows`, row by row,
    as alone) and factorised again."""
    found = _factorise_cells(sheets, width, n, owner, check=any(sheet.raw for sheet in sheets))
    if found is None:
        for sheet in sheets:
            if sheet.raw:
                sheet.data, sheet.raw = normalise_rows(sheet.data), False
        found = _factorise_cells(sheets, width, n, owner, check=False)
    return found


def _factorise_cells(sheets, width, n, owner, check: bool) -> tuple[np.ndarray, list] | None:
    """`_factorise`, or None when `check` finds a cell that normalising would change. Equal
    numbers of another type (10**20 and 1e20) are merged by hashing but shown differently:
    those few get the first of their kind per sheet and position, as a factorisation per
    sheet gives them."""
    rows = list(chain.from_iterable(sheet.data for sheet in sheets))
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=n)
    total = int(lengths.sum())
    # where each cell goes in codes.ravel(): cell k of row r (its row's first cell s) at (k - s) * n + r
    firsts = np.cumsum(lengths) - lengths
    at = np.arange(total, dtype=np.int64) * n + np.repeat(np.arange(n, dtype=np.int64) - firsts * n, lengths)
    widths = np.array([sheet.width for sheet in sheets], dtype=np.int64)[owner]
    outside = bool((lengths > widths).any())        # cells right of their sheet's columns are not read
    if not check and not outside:
        flat, uniques = _factorise_plain(rows, total)
    else:
        values = np.fromiter(chain.from_iterable(rows), dtype=object, count=total)
        kinds = set(map(type, values)) if check else _PLAIN_KINDS
        if not kinds <= _PLAIN_KINDS:
            return None                     # a list, an object, a boolean, a str subclass...
        if check and float in kinds:
            missing = pd.isna(values)       # None or NaN; a NaN is an odd cell
            if missing.any() and any(v is not None for v in values[missing].tolist()):
                return None
        if outside:
            inside = at // max(n, 1) < widths[at % max(n, 1)]
            values, at = values[inside], at[inside]
        flat, uniques = pd.factorize(values)
        uniques = uniques.tolist()
        if check and any(type(u) is str and has_lone_surrogate(u) for u in uniques):
            return None
    risky = [i for i, u in enumerate(uniques) if type(u) in (int, float) and abs(u) >= _EXACT_LIMIT]
    if risky:
        seen: dict[tuple, int] = {}
        for k in np.flatnonzero(np.isin(flat, risky)).tolist():     # row by row: the first row first
            column, row = divmod(int(at[k]), n)
            key = (column, int(owner[row]), int(flat[k]))
            if key not in seen:
                seen[key] = len(uniques)
                uniques.append(rows[row][column])
            flat[k] = seen[key]
    codes = np.full((width, n), len(uniques), dtype=np.int64)
    flat[flat < 0] = len(uniques)
    codes.reshape(-1)[at] = flat
    return codes, [*uniques, None]


def _factorise_plain(rows: list[list], total: int) -> tuple[np.ndarray, list]:
    """`pd.factorize` of every cell of `rows` (codes in first-seen order, None coded -1) for
    cells known plain (no NaN, nothing unhashable), with a dict filled as the cells stream by:
    no array of the cells is built, and it is ~40 % less CPU than pandas hashing that array
    (0.07 -> 0.04 s for a chunk's 700,000 `Kegiatan` cells, December 2026). A dict merges equal
    keys as pandas does (1 and 1.0, 0.0 and -0.0: the first seen stays)."""
    index: defaultdict = defaultdict()
    index.default_factory = index.__len__           # a new cell: the next code
    flat = np.fromiter(map(index.__getitem__, chain.from_iterable(rows)), dtype=np.int64, count=total)
    uniques = list(index)
    none = index.get(None)
    if none is not None:                            # missing, as pandas codes it
        del uniques[none]
        flat[flat == none] = -1
        flat[flat > none] -= 1
    return flat, uniques


def _per_unique(uniques: list, test) -> np.ndarray:
    return np.fromiter((test(u) for u in uniques), dtype=bool, count=len(uniques))


def _row_kinds(sheets, codes, uniques, owner, specs) -> tuple[np.ndarray, np.ndarray]:
    """tab_rows.row_kinds for every sheet at once: (data rows, totals rows)."""
    width, n = codes.shape
    nonblank_u = _per_unique(uniques, lambda u: u is not None and (type(u) is not str or bool(u.strip())))
    total_u = _per_unique(uniques, lambda u: type(u) is str and len(u) <= 40 and u.lstrip()[:1] in "JjTtGgSs"
                          and TOTALS_LABEL.match(simple_key(u)) is not None)
    content = np.zeros((len(sheets), width), dtype=bool)
    for k, sheet in enumerate(sheets):
        for f, j in sheet.match.columns.items():
            content[k, j] = not specs[f].prefilled
    filled, totals, undecided = np.zeros(n, bool), np.zeros(n, bool), np.ones(n, bool)
    for j in range(width):
        nonblank = nonblank_u[codes[j]]
        totals |= undecided & nonblank & total_u[codes[j]]
        undecided &= ~nonblank
        filled |= nonblank & content[owner, j]
    wanted: dict[str, int] = {}
    label_ids = np.full((len(sheets), width), -2, dtype=np.int64)
    for k, sheet in enumerate(sheets):
        for f, j in sheet.match.columns.items():
            label_ids[k, j] = wanted.setdefault(sheet.match.labels[f].casefold(), len(wanted))
    key_u = np.array([wanted.get(u.strip().casefold(), -1) if type(u) is str and len(u) >= len(u.strip().casefold())
                      else -1 for u in uniques], dtype=np.int64)
    repeats = np.zeros(n, dtype=np.int64)
    for j in range(width):
        repeats += key_u[codes[j]] == label_ids[owner, j]
    enough = np.array([min(2, len(sheet.match.columns)) for sheet in sheets])[owner]
    return filled & ~totals & (repeats < enough), totals


def _field(name, spec, sheets, codes, uniques, owner, sel, tab, ref, today) -> tuple[Field, np.ndarray, np.ndarray]:
    """A field's Field over the chunk (codes into its own distinct values; rows of sheets
    without the field get a last, empty value that reads as nothing), with per sheet its
    header text and column position (None / -1 where the sheet lacks it)."""
    n = codes.shape[1]
    per_sheet = np.array([sheet.match.columns.get(name, -1) for sheet in sheets], dtype=np.int64)
    if len(per_sheet) and per_sheet[0] >= 0 and (per_sheet == per_sheet[0]).all():
        at, here = None, codes[per_sheet[0]]        # every sheet has it in the same column
    else:
        position = per_sheet[owner]
        at = np.flatnonzero(position >= 0)
        here = codes[position[at], at]
    seen = np.zeros(len(uniques), dtype=bool)
    seen[here] = True
    used = np.flatnonzero(seen)                     # = np.unique(here), without sorting the rows
    renumber = np.zeros(len(uniques), dtype=np.int64)
    renumber[used] = np.arange(len(used))
    if at is None:
        local = renumber[here]
    else:
        local = np.full(n, len(used), dtype=np.int64)
        local[at] = renumber[here]
    distinct = [uniques[i] for i in used.tolist()] + [None]
    reading = read_column(distinct, tab, spec, ref, today)
    absent = len(used)
    reading.values[absent], reading.reasons[absent], reading.warnings[absent] = None, 0, 0
    reading.notes.pop(absent, None)
    labels = np.array([sheet.match.labels.get(name) for sheet in sheets], dtype=object)
    orders = np.array([sorted(sheet.match.columns.values()).index(sheet.match.columns[name])
                       if name in sheet.match.columns else -1 for sheet in sheets], dtype=np.int64)
    field = Field(spec, "", 0, _Column(local, distinct), reading, local[sel])
    return field, labels, orders


def _emit(out, tab, field, labels, orders, ids, positions, sheet_rows, owner, masked=False) -> None:
    """tab_rows.emit with each row's own header text and column position."""
    if not ids.any():
        return
    for rid in np.unique(ids[ids > 0]).tolist():
        at = positions[np.flatnonzero(ids == rid)]
        texts, details = _texts(field, field.codes[at], masked)
        who = owner[at]
        out.append(ChunkFound(tab, CODES[rid], who, sheet_rows[at], labels[who], texts, details, orders[who]))


def _row_checks(rejections, tab, fields, sheet_rows, owner) -> np.ndarray:
    """tab_rows.row_checks: row-wise tests over the chunk, the others (a month twice) per sheet."""
    failed_any = np.zeros(len(sheet_rows), dtype=bool)
    for check in (c for c in ROW_CHECKS if c.tab == tab and all(f in fields for f in c.fields)):
        values, valid = [], np.ones(len(sheet_rows), dtype=bool)
        for name in check.fields:
            field, labels, _ = fields[name]
            numbers = np.array([_as_number(v) for v in field.reading.values], dtype=np.float64)[field.codes]
            values.append(numbers)
            valid &= (field.reading.reasons[field.codes] == 0) & ~np.isnan(numbers) & (labels[owner] != None)  # noqa: E711
        test = ROW_TESTS[check.test]
        if check.test == "sum_positive":
            failed, details = test(values, valid, sheet_rows)
        else:
            failed, details = np.zeros(len(sheet_rows), dtype=bool), np.full(len(sheet_rows), "", dtype=object)
            bounds = np.flatnonzero(np.diff(owner)) + 1
            for part in np.split(np.arange(len(sheet_rows)), bounds):
                if len(part) and valid[part].any():
                    got, why = test([v[part] for v in values], valid[part], sheet_rows[part])
                    failed[part], details[part] = got, why if why is not None else ""
        at = np.flatnonzero(failed)
        if len(at):
            parts = [_texts(fields[name][0], fields[name][0].codes[at])[0] for name in check.fields]
            texts = parts[0] if len(parts) == 1 else [" + ".join(p) for p in zip(*parts)]
            who = owner[at]
            labels = [" + ".join(str(fields[name][1][w]) for name in check.fields) for w in who.tolist()]
            rejections.append(ChunkFound(tab, check.reason, who, sheet_rows[at], np.array(labels, dtype=object),
                                         texts, "" if details is None else details[at], fields[check.fields[0]][2][who]))
        failed_any |= failed
    return failed_any


def _totals_mismatch(tab, fields, is_data, totals, owner, first_rows, starts) -> list[ChunkFound]:
    """tab_rows.totals_mismatch over the chunk: a totals row against the data rows above it
    in its own sheet, up to the previous totals row."""
    found, positions = [], np.flatnonzero(totals).tolist()
    if not positions:
        return found
    for name, (field, labels, orders) in fields.items():
        if field.spec.kind != "count":
            continue
        column = field.column
        numbers = np.array([v if type(v) is int else 0 for v in field.reading.values], dtype=np.float64)
        running = np.concatenate([[0.0], np.cumsum(numbers[column.codes] * is_data)])
        previous = {}
        for t in positions:
            who = int(owner[t])
            start = previous.get(who, int(starts[who]))
            previous[who] = t + 1
            if labels[who] is None:
                continue
            stated = read_number(column.uniques[column.codes[t]], "count").value
            computed = int(running[t] - running[start])
            if stated is not None and stated != computed:
                found.append(ChunkFound(tab, "totals_mismatch", np.array([who]),
                                        np.array([t - starts[who] + first_rows[who]]), labels[who],
                                        [cell_text(column.uniques[column.codes[t]])], [str(computed)],
                                        int(orders[who])))
    return found


def parse_chunk_tab(sheets: list[Sheet], tab: str, table: str, ref: Reference, today: date) -> ChunkTab:
    """`tabs.parse_table_tab` for many sheets of one tab at once (headers already found)."""
    specs = {s.field: s for s in ref.columns[tab]}
    sizes = np.array([len(sheet.data) for sheet in sheets], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    n = int(sizes.sum())
    owner_of = np.repeat(np.arange(len(sheets)), sizes)              # index into `sheets`, per row
    first_rows = np.array([sheet.match.row + 2 for sheet in sheets], dtype=np.int64)
    codes, uniques = _factorise(sheets, max((sheet.width for sheet in sheets), default=1), n, owner_of)
    is_data, totals = _row_kinds(sheets, codes, uniques, owner_of, specs)
    sel = np.flatnonzero(is_data)
    owner = owner_of[sel]
    sheet_rows = sel - starts[owner] + first_rows[owner]
    everyone = np.arange(len(sel))
    rejections, warnings, fields = [], [], {}
    rejected = np.zeros(len(sel), dtype=bool)
    names = {name for sheet in sheets for name in sheet.match.columns}
    for name in (s.field for s in ref.columns[tab] if s.field in names):
        fields[name] = field, labels, orders = _field(name, specs[name], sheets, codes, uniques, owner_of, sel,
                                                      tab, ref, today)
        ids = field.reading.reasons[field.codes]
        _emit(rejections, tab, field, labels, orders, ids, everyone, sheet_rows, owner)
        rejected |= ids > 0
    rejected |= _row_checks(rejections, tab, fields, sheet_rows, owner)
    loaded = np.flatnonzero(~rejected)
    for field, labels, orders in fields.values():
        if field.reading.warnings.any():
            _emit(warnings, tab, field, labels, orders, field.reading.warnings[field.codes[loaded]], loaded,
                  sheet_rows, owner, masked=True)
    warnings += _totals_mismatch(tab, fields, is_data, totals, owner_of, first_rows, starts)
    whose = np.array([sheet.owner for sheet in sheets], dtype=np.int64)
    for batch in (*rejections, *warnings):
        batch.owner = whose[batch.owner]                 # index into `sheets` -> position in the chunk
    read = np.bincount(owner, minlength=len(sheets))
    kept = np.bincount(owner[loaded], minlength=len(sheets))
    return ChunkTab(output_columns(table, ref, {k: v[0] for k, v in fields.items()}, loaded), whose[owner[loaded]], sheet_rows[loaded], rejections,
                    warnings, dict(zip(whose.tolist(), read.tolist())), dict(zip(whose.tolist(), kept.tolist())))
