"""Finding the header row of a tab and matching its columns by name, never by position.

Librarians insert title rows, leave blank rows, reorder and rename columns, add their own,
and merge cells into two-row headers (`Pengunjung` spanning `Laki-laki` | `Perempuan`).
The header is the row (or pair of rows) within the first rows of the tab that names the most
known columns of that tab; names are compared after `header_key` normalisation, against the
template text and the aliases in config/columns.csv.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from transforms.text import cell_text, is_blank, simple_key

HEADER_SCAN_ROWS = 15

_GENDER_WORDS = [
    (re.compile(r"\b(laki laki|lakilaki|laki|lk|pria|cowok)\b"), "l"),
    (re.compile(r"\b(perempuan|pr|wanita|cewek)\b"), "p"),
]
_PARENTHESES = re.compile(r"\([^)]*\)")


@lru_cache(maxsize=8192, typed=True)
def header_key(text) -> str:
    """Comparable form of a header: `Pengunjung (L)`, `PENGUNJUNG  Laki-Laki`, `pengunjung lk`
    all become `pengunjung l`."""
    key = simple_key(text)
    for pattern, letter in _GENDER_WORDS:
        key = pattern.sub(letter, key)
    return key


@lru_cache(maxsize=8192, typed=True)
def header_keys(text) -> tuple[str, ...]:
    """Keys to try for a header cell: the whole text, then without its parenthesised part
    (`Pendapatan Sebelum (Rp/bulan)` -> `pendapatan sebelum`)."""
    text = cell_text(text)
    keys = [header_key(text)]
    without = header_key(_PARENTHESES.sub(" ", text))
    if without and without != keys[0]:
        keys.append(without)
    return tuple(keys)


class UnreadableSheet(Exception):
    """A tab the sync cannot read at all: the village fails and keeps its previous data.

    `tab` is the template tab name, `missing` the template names of the required columns not
    found (all of them when the tab itself is missing).
    """

    def __init__(self, tab: str, missing: Sequence[str], tab_missing: bool = False):
        self.tab = tab
        self.missing = list(missing)
        self.tab_missing = tab_missing
        self.message_id = "missing_tab" if tab_missing else "missing_columns"
        columns = ", ".join(self.missing)
        if tab_missing:
            self.message = (f"Tab '{tab}' tidak ditemukan di spreadsheet (kolom wajib: {columns}). / "
                            f"Tab '{tab}' is missing from the spreadsheet (required columns: {columns}).")
        else:
            self.message = (f"Tab '{tab}': kolom wajib tidak ditemukan pada baris judul: {columns}. / "
                            f"Tab '{tab}': required columns not found in the header: {columns}.")
        super().__init__(self.message)

    def __reduce__(self):                      # picklable across processes (Prefect results)
        return (self.__class__, (self.tab, self.missing, self.tab_missing))


@dataclass(frozen=True)
class HeaderMatch:
    """Where a tab's header is: `row` is the 0-based index of its last row (data follows),
    `columns` maps each matched field to its 0-based column, `labels` to the header text as
    the librarian sees it (used in messages), `width` is the header's width in cells."""

    row: int
    columns: dict[str, int]
    labels: dict[str, str]
    width: int


def _texts(row: Sequence) -> list[str]:
    return ["" if is_blank(cell) else " ".join(cell_text(cell).split()) for cell in row]


def _field_of(text: str, keys: Mapping[str, str]) -> str | None:
    """The field a header text names (whole text first, then without parentheses), or None."""
    return next((keys[k] for k in header_keys(text) if k in keys), None)


_cached_field_of = lru_cache(maxsize=65536)(_field_of)


def _field_finder(keys: Mapping[str, str]) -> Callable[[str], str | None]:
    """`_field_of` for one keys mapping, memoised when the mapping is hashable (the
    Reference's are): the same header and data texts recur in every village's first rows."""
    try:
        hash(keys)
    except TypeError:
        return lambda text: _field_of(text, keys)
    return lambda text: _cached_field_of(text, keys)


def _match(candidates: Sequence[Sequence[str]], field_of: Callable[[str], str | None]) -> tuple[dict, dict]:
    """First column wins when two columns name the same field."""
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, texts in enumerate(candidates):
        for text in texts:
            field = field_of(text) if text else None
            if field is not None:
                if field not in columns:
                    columns[field], labels[field] = index, text
                break
    return columns, labels


def _two_row_candidates(upper: list[str], lower: list[str]) -> list[list[str]]:
    """Texts for a header split over two rows: a merged upper cell is blank to its right, so
    it is carried forward and put before the lower cell (`Pengunjung` + `Laki-laki`)."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    carried, candidates = "", []
    for up, low in zip(upper, lower):
        carried = up or carried
        if not low:
            candidates.append([up])
        else:
            candidates.append([f"{carried} {low}", low] if carried else [low])
    return candidates


_NUMBERING = re.compile(r"^\(?(\d{1,2})\)?$")


def is_column_numbering(row: Sequence) -> bool:
    """A row under the header that numbers the columns `1 2 3 ...` or `(1) (2) (3) ...`, as
    Indonesian government forms do: part of the header, not data."""
    values = []
    for cell in row:
        if not is_blank(cell):
            found = _NUMBERING.match(cell_text(cell).strip())
            if not found:
                return False            # (a data row: its first cells already tell)
            values.append(int(found[1]))
    return len(values) >= 3 and values == list(range(values[0], values[0] + len(values)))


class _Heads:
    """Headers already found, by the rows that decided them: every row down to a header row
    that names every field of its tab (the search ends there; only a numbering row under it
    is looked at afterwards). A chunk's villages mostly share their template's title and
    header rows, so each tab's header is searched for once per template variant instead of
    once per sheet (~50 us each, 0.4 s of CPU per 2,000 messy sheets, December 2026).

    Only rows of text and blanks are remembered: a number or a date written another way can
    be equal to its twin as a dict key and still read differently. A sheet not met before
    costs a look-up per remembered head length, so at most LENGTHS of them are kept (title
    rows typed differently in every village only fill the memory, which is cleared at LIMIT)."""

    LIMIT = 4096
    LENGTHS = 4

    def __init__(self) -> None:
        self.found: dict[tuple, HeaderMatch] = {}
        self.lengths: list[int] = []            # the lengths of the remembered heads, ascending

    def get(self, rows: Sequence[Sequence], keys: Mapping[str, str], scan: int) -> HeaderMatch | None:
        if not self.lengths:
            return None
        head = _plain_head(rows, self.lengths[-1])          # made once, cut to each length
        for length in self.lengths:
            if length > len(head):
                return None
            match = self.found.get((keys, scan, head[:length]))
            if match is not None:
                return match
        return None

    def put(self, rows: Sequence[Sequence], keys: Mapping[str, str], scan: int, match: HeaderMatch) -> None:
        head = _plain_head(rows, match.row + 1)
        if len(head) <= match.row:
            return
        if len(self.found) >= self.LIMIT:
            self.found.clear()
            self.lengths = []
        if match.row + 1 not in self.lengths:
            if len(self.lengths) >= self.LENGTHS:
                return
            self.lengths = sorted({*self.lengths, match.row + 1})
        self.found[(keys, scan, head)] = match


def _plain_head(rows: Sequence[Sequence], length: int) -> tuple:
    """Up to the first `length` rows, as a key: those before the first row that is not a
    list of text and None."""
    head = []
    for row in rows[:length]:
        if type(row) is not list or not all(type(cell) is str or cell is None for cell in row):
            break
        head.append(tuple(row))
    return tuple(head)


_HEADS = _Heads()


def find_header(rows: Sequence[Sequence], keys: Mapping[str, str], scan: int = HEADER_SCAN_ROWS) -> HeaderMatch | None:
    """The header that names the most known columns; on a tie a single row beats a pair of
    rows and an earlier row beats a later one. None when no row names any known column.
    A column-numbering row right under the header is taken as part of it."""
    try:
        hash(keys)
    except TypeError:
        return _find_header(rows, keys, scan)[0]
    best = _HEADS.get(rows, keys, scan)
    if best is None:
        best, complete = _find_header(rows, keys, scan)
        if not complete:
            return best
        _HEADS.put(rows, keys, scan, best)
    return _numbered(rows, best)


def _numbered(rows: Sequence[Sequence], best: HeaderMatch | None) -> HeaderMatch | None:
    if best is not None and best.row + 1 < len(rows) and is_column_numbering(rows[best.row + 1]):
        best = HeaderMatch(best.row + 1, best.columns, best.labels, best.width)
    return best


def _find_header(rows: Sequence[Sequence], keys: Mapping[str, str], scan: int) -> tuple[HeaderMatch | None, bool]:
    """(find_header's result, without the numbering row when `complete`: a single row named
    every field, so the rows below it did not count)."""
    best, best_score = None, (0,)
    field_of = _field_finder(keys)
    most = len(set(keys.values()))         # a single row naming every field cannot be beaten
    upper: list[str] = []
    for r, row in enumerate(rows[:scan]):
        lower = _texts(row)
        if any(lower):
            options = [([[t] for t in lower], 1, len(lower))]
            if r > 0 and any(upper):
                pair = _two_row_candidates(upper, lower)
                options.append((pair, 0, len(pair)))
            for candidates, single, width in options:
                columns, labels = _match(candidates, field_of)
                score = (len(columns), single, -r)
                if columns and score > best_score:
                    best, best_score = HeaderMatch(r, columns, labels, width), score
            if best_score[:2] == (most, 1):
                return best, True
        upper = lower
    return _numbered(rows, best), False
