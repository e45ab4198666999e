"""A chunk of villages' workbooks -> one frame per table, problems and counts, in one pass.

What `workbook.parse_workbook_parts` does for one workbook, done for many at once: each
workbook's tabs are found and their headers matched on their own (a few cells each; a sheet
that cannot be read fails alone, with the same `UnreadableSheet` as alone), its Profil tab is
read as before; then each data tab of all the workbooks is read in one columnar pass
(chunk_tab.py), and rows and problems keep the workbook they came from. The result equals
`join_parts` of the workbooks parsed one by one, with their problems concatenated in order.

Workbooks fetched on different days (a chunk read across midnight, WIB) are read in runs of
the same `today`, since dates in the future are rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from itertools import groupby

import numpy as np
import pandas as pd
import pyarrow as pa

from transforms.cells import normalise_rows, rows_of_lists
from transforms.chunk_problems import ChunkFound, chunk_problems_frame, from_found
from transforms.chunk_tab import Sheet, parse_chunk_tab
from transforms.columns import TABLE_COLUMNS, TABLE_TABS, all_columns
from transforms.frames import frame, integers, strings
from transforms.headers import HEADER_SCAN_ROWS, UnreadableSheet, find_header
from transforms.reference import Reference
from transforms.rules import Found
from transforms.tabs import typed_array
from transforms.text import is_blank
from transforms.profile_tab import ProfileRead, profile_columns, read_profile_tab
from transforms.stacking import FETCHED_AT_DTYPE, join_parts
from transforms.workbook import REQUIRED_TABS, find_tabs

__all__ = ["Book", "ParsedChunk", "parse_chunk"]


@dataclass
class Book:
    """One fetched workbook to parse: the arguments of `parse_workbook_parts`, and whether
    its cells are known to be plain (`plain`): every tab a list of rows, every row a list of
    str without lone surrogates, int, float other than NaN, or None, cells that
    `cells.normalise_rows` leaves as they are. The fetch decoded them so (tpbis.google.
    fetched.Workbook.plain); then no cell's type is looked at again here."""

    value_ranges: Mapping[str, list]
    village: Mapping
    spreadsheet_key: str
    fetched_at: datetime
    today: date
    plain: bool = False


@dataclass
class ParsedChunk:
    """`tables`: the five tables and `tab_counts` of the workbooks that parsed (as join_parts
    gives them); `rejections`, `warnings`: theirs, workbook by workbook; `outcomes`: per book,
    the exception that failed it (UnreadableSheet, or anything a bug raised) or its
    (rows read, rows loaded, rows rejected)."""

    tables: dict[str, pd.DataFrame]
    rejections: pd.DataFrame
    warnings: pd.DataFrame
    outcomes: list = field(default_factory=list)


_ORDER = sorted(TABLE_TABS.items(), key=lambda item: item[1] not in REQUIRED_TABS)   # fail fast, as alone


_HEAD_ROWS = HEADER_SCAN_ROWS + 1     # the rows find_header reads (a numbering row under the last)


def _tabs(value_ranges, plain: bool = False) -> tuple[dict[str, list], set[int]]:
    """`find_tabs(normalise_value_ranges(...))`, except that a tab that is a list of lists
    keeps its rows unchecked (returned in the set, by id): its data cells are checked with the
    chunk's, in one pass (chunk_tab._factorise). A `plain` workbook's tabs need neither."""
    if not isinstance(value_ranges, Mapping):
        return {}, set()
    raw, titled = set(), {}
    for title, rows in value_ranges.items():
        if not plain and rows_of_lists(rows):
            raw.add(id(rows))
        elif not plain:
            rows = normalise_rows(rows)
        titled[title if type(title) is str else str(title)] = rows
    return find_tabs(titled), raw


def _prepare(book: Book, owner: int, ref: Reference, readings: dict) -> tuple[dict, list[Found], set[str]]:
    """Per table: a Sheet to read with the chunk, the Profil ProfileRead, or None (missing or
    never filled in); the workbook's own notes (missing tabs); the tabs present. Raises
    what parsing it alone raises before reading any data row."""
    today = book.today.date() if isinstance(book.today, datetime) else book.today
    tabs, raw = _tabs(book.value_ranges, book.plain)
    for tab in REQUIRED_TABS:
        if tab not in tabs:
            raise UnreadableSheet(tab, [s.header for s in ref.columns[tab] if s.required], tab_missing=True)
    plan, notes = {}, []
    for table, tab in _ORDER:
        rows = tabs.get(tab)
        unchecked = rows is not None and id(rows) in raw
        if unchecked and table == "profile":
            rows = shown = normalise_rows(rows)
        elif unchecked:                 # the header is read from normalised cells, the data later
            head = rows[:_HEAD_ROWS]
            fixed = normalise_rows(head)
            shown = rows if fixed is head else fixed + rows[_HEAD_ROWS:]
        else:
            shown = rows
        if tab not in tabs:
            plan[table] = None
            notes.append(Found(tab, "missing_tab", np.array([-1]), "", [""]))
        elif tab not in REQUIRED_TABS and all(is_blank(cell) for row in shown for cell in row):
            plan[table] = None          # (normalising a cell never changes whether it is blank)
        elif table == "profile":
            plan[table] = read_profile_tab(rows, ref, book.village, today, readings)
        else:
            specs = {s.field: s for s in ref.columns[tab]}
            match = find_header(shown, ref.header_lookup[tab])
            missing = [s.header for s in specs.values()
                       if s.required and (match is None or s.field not in match.columns)]
            if missing:
                raise UnreadableSheet(tab, missing)
            plan[table] = Sheet(owner, rows[match.row + 1:], match, raw=unchecked)
    return plan, notes, set(tabs)


def _stamp(fetched_at: datetime) -> np.datetime64:
    stamp = pd.Timestamp(fetched_at)
    stamp = stamp.tz_localize(timezone.utc) if stamp.tzinfo is None else stamp.tz_convert(timezone.utc)
    return stamp.tz_convert(None).to_datetime64()


@dataclass
class _Books:
    """The lineage values of a chunk's books, one each (made once, used by every table)."""

    codes: pa.Array
    keys: pa.Array
    stamps: np.ndarray

    @classmethod
    def of(cls, books: Sequence[Book], codes: list[str], keys: list[str]) -> "_Books":
        return cls(pa.array(codes, type=pa.large_string()), pa.array(keys, type=pa.large_string()),
                   np.array([_stamp(b.fetched_at) for b in books], dtype="datetime64[us]"))


def _lineage(table: str, columns: dict, owner: np.ndarray, source_rows: np.ndarray, books: _Books) -> pd.DataFrame:
    n = len(owner)
    take = pa.array(owner.astype(np.int64))
    codes, keys, stamps = books.codes, books.keys, books.stamps
    columns = dict(columns)
    columns["kode_desa"] = pd.arrays.ArrowStringArray(codes.take(take))
    columns["spreadsheet_key"] = pd.arrays.ArrowStringArray(keys.take(take))
    columns["tab"] = pd.arrays.ArrowStringArray(pa.repeat(pa.scalar(TABLE_TABS[table], type=pa.large_string()), n))
    columns["source_row"] = integers(source_rows)
    columns["fetched_at"] = pd.array(stamps[owner] if len(stamps) else np.zeros(0, "datetime64[us]"),
                                     dtype=FETCHED_AT_DTYPE)
    return frame({name: columns[name] for name in all_columns(table)}, n)


def _check_invariant(owners, counts: dict, tables: dict, problems: list[ChunkFound]) -> None:
    """Contract section 3 for every workbook and tab: read = loaded + distinct rejected rows."""
    distinct: dict[tuple[int, str], int] = {}
    by_tab: dict[str, list[ChunkFound]] = {}
    for batch in problems:
        by_tab.setdefault(batch.tab, []).append(batch)
    for tab, batches in by_tab.items():
        pairs = np.unique(np.stack([np.concatenate([b.owner for b in batches]),
                                    np.concatenate([b.rows for b in batches])]), axis=1)
        who, many = np.unique(pairs[0], return_counts=True)
        distinct.update({(w, tab): m for w, m in zip(who.tolist(), many.tolist())})
    for table, tab in TABLE_TABS.items():
        in_table = np.bincount(tables[table], minlength=max(owners, default=0) + 1)
        for owner in owners:
            read, loaded = counts[owner].get(tab, (0, 0))
            expected = min(loaded, 1) if table == "profile" else loaded
            if read != loaded + distinct.get((owner, tab), 0) or in_table[owner] != expected:
                raise AssertionError(f"workbook {owner}, tab {tab}: rows_read={read}, rows_loaded={loaded}, "
                                     f"distinct rejected rows={distinct.get((owner, tab), 0)}")


def _parse_run(books: Sequence[Book], run: list[int], ref: Reference, today: date, outcomes: list,
               lineage: _Books) -> tuple:
    """Parse the books at positions `run` (one `today`); record each one's outcome."""
    plans, problems, warned, present, readings = {}, [], [], {}, {}
    for owner in run:
        try:
            plan, notes, tabs = _prepare(books[owner], owner, ref, readings)
        except Exception as e:  # noqa: BLE001 - this workbook fails alone, as it would alone
            outcomes[owner] = e
            continue
        plans[owner], present[owner] = plan, tabs
        warned += from_found(notes, owner)
    owners = list(plans)
    counts = {owner: {} for owner in owners}
    tables, table_owners = {}, {}
    for table, tab in TABLE_TABS.items():
        if table == "profile":
            results: list[tuple[int, ProfileRead]] = [(o, plans[o][table]) for o in owners if plans[o][table]]
            for owner, result in results:
                problems += from_found(result.rejections, owner)
                warned += from_found(result.warnings, owner)
                counts[owner][tab] = (result.rows_read, result.rows_loaded)
            owner = np.repeat(np.array([o for o, _ in results], dtype=np.int64),
                              [len(r.source_rows) for _, r in results]).astype(np.int64)
            columns = profile_columns([r.values for _, r in results if len(r.source_rows)]) if results else None
            source = np.concatenate([r.source_rows for _, r in results]) if results else np.zeros(0, np.int64)
        else:
            sheets = [plans[o][table] for o in owners if plans[o][table] is not None]
            if not sheets:
                columns = None
                owner, source = np.zeros(0, np.int64), np.zeros(0, np.int64)
            else:
                read = parse_chunk_tab(sheets, tab, table, ref, today)
                problems += read.rejections
                warned += read.warnings
                for sheet in sheets:
                    counts[sheet.owner][tab] = (read.rows_read[sheet.owner], read.rows_loaded[sheet.owner])
                columns, owner, source = read.columns, read.owner, read.source_rows
        if columns is None:
            columns = {name: typed_array(dtype, [None], np.zeros(0, np.int64))
                       for name, dtype in TABLE_COLUMNS[table].items()}
        tables[table] = _lineage(table, columns, owner, source, lineage)
        table_owners[table] = owner
    _check_invariant(owners, counts, table_owners, problems)
    for owner in owners:
        tab_rows = [(tab, *counts[owner].get(tab, (0, 0))) for tab in TABLE_TABS.values() if tab in present[owner]]
        outcomes[owner] = tab_rows
    return owners, tables, problems, warned


def _tab_counts(books: Sequence[Book], owners: list[int], outcomes: list) -> pd.DataFrame:
    rows = [(str(books[o].village["kode_desa"]), books[o].spreadsheet_key, tab, read, loaded)
            for o in owners for tab, read, loaded in outcomes[o]]
    return frame({"kode_desa": strings([r[0] for r in rows]), "spreadsheet_key": strings([r[1] for r in rows]),
                  "tab": strings([r[2] for r in rows]),
                  "rows_read": integers(np.array([r[3] for r in rows], dtype=np.int64)),
                  "rows_loaded": integers(np.array([r[4] for r in rows], dtype=np.int64)),
                  "rows_rejected": integers(np.array([r[3] - r[4] for r in rows], dtype=np.int64))}, len(rows))


def parse_chunk(books: Sequence[Book], ref: Reference) -> ParsedChunk:
    """Parse every book; a book that cannot be parsed fails alone (see `ParsedChunk.outcomes`).

    Raises only on a bug that concerns the chunk as a whole (the caller then parses the
    books one by one, so that a workbook that triggers it fails alone)."""
    outcomes: list = [None] * len(books)
    pieces = []
    today_of = [b.today.date() if isinstance(b.today, datetime) else b.today for b in books]
    codes = [str(b.village["kode_desa"]) for b in books]
    keys = [b.spreadsheet_key for b in books]
    lineage = _Books.of(books, codes, keys)
    for today, run in groupby(range(len(books)), key=lambda i: today_of[i]):
        pieces.append(_parse_run(books, list(run), ref, today, outcomes, lineage))
    owners = [o for piece in pieces for o in piece[0]]
    problems = [b for piece in pieces for b in piece[2]]
    warned = [b for piece in pieces for b in piece[3]]
    tables = {table: (pieces[0][1][table] if len(pieces) == 1 else
                      pd.concat([piece[1][table] for piece in pieces], ignore_index=True))
              for table in TABLE_TABS} if pieces else {t: f for t, f in join_parts([]).items() if t in TABLE_TABS}
    tables["tab_counts"] = _tab_counts(books, owners, outcomes)
    for owner in owners:
        read = sum(r for _, r, _ in outcomes[owner])
        loaded = sum(l for _, _, l in outcomes[owner])
        outcomes[owner] = (read, loaded, read - loaded)
    return ParsedChunk(tables, chunk_problems_frame(problems, ref.messages, codes, keys),
                       chunk_problems_frame(warned, ref.messages, codes, keys), outcomes)
