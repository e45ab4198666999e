"""Making a `values:batchGet` answer safe to parse, whatever shape it arrives in.

Google's API only ever sends rows of strings, numbers and booleans, but a proxy, a bug or a
look-alike server can send anything JSON allows: a `null` where a row should be, a list or an
object inside a cell, a lone UTF-16 surrogate (`"\\ud800"`), integers of any size, NaN. One
such answer must cost its village a rejected row, never the whole run, so before parsing
every tab is normalised here:

- a tab whose value is not a list of rows reads as empty (`null`), or as one row (anything else);
- a `null` row is a blank row; a row that is not a list is a row of one cell;
- a cell that is not a string, number, boolean or null (a list, an object) becomes an
  `OddCell`: the parser rejects its row with reason `bad_cell`, naming the cell;
- a string with a lone surrogate has it replaced by U+FFFD (it cannot be stored as UTF-8);
- a float NaN is an `OddCell` too (JSON has no NaN; only a broken answer sends one);
- a boolean becomes the text `TRUE` / `FALSE`, as the sheet shows it: Python's True equals 1,
  so left as a boolean it would be merged with the count 1 when a column's distinct values
  are read (and a checkbox in a count would load as 1).

Strings are otherwise kept as typed (NUL, control characters, RTL marks, emoji: text is text).
Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

__all__ = ["OddCell", "has_lone_surrogate", "normalise_rows", "normalise_value_ranges", "rows_of_lists", "ODD_TEXT_LIMIT"]

ODD_TEXT_LIMIT = 80          # characters of an odd cell shown back to the librarian


class OddCell:
    """A cell the Sheets API cannot have sent as a value (a list, an object, NaN).

    Hashable and comparable by its shown text, so the column factorisation treats two equal
    odd cells as one distinct value; `str()` is what a rejection shows in `value`.
    """

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str):
        self.kind, self.text = kind, text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"OddCell({self.kind!r}, {self.text!r})"

    def __eq__(self, other) -> bool:
        return type(other) is OddCell and other.kind == self.kind and other.text == self.text

    def __hash__(self) -> int:
        return hash(("OddCell", self.kind, self.text))

    def __reduce__(self):
        return (OddCell, (self.kind, self.text))


def _shown(value) -> str:
    try:
        text = json.dumps(value, ensure_ascii=True, allow_nan=True, default=repr)
    except (ValueError, TypeError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= ODD_TEXT_LIMIT else text[:ODD_TEXT_LIMIT - 3] + "..."


def _clean_string(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:                 # lone surrogates: not storable as UTF-8
        return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


_SURROGATE = re.compile("[\ud800-\udfff]")
_BOOL_TEXT = {True: "TRUE", False: "FALSE"}


def has_lone_surrogate(text: str) -> bool:
    """Whether a str holds a lone surrogate (normalising replaces it)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def _cell(value):
    kind = type(value)
    if kind is str:
        return _clean_string(value)
    if kind is int or value is None:
        return value
    if kind is bool:
        return _BOOL_TEXT[value]
    if kind is float:
        return value if value == value else OddCell("nan", "NaN")
    if isinstance(value, (list, tuple)):
        return OddCell("list", _shown(value))
    if isinstance(value, dict):
        return OddCell("object", _shown(value))
    if isinstance(value, str):                 # a str subclass: keep its text
        return _clean_string(str.__str__(value))
    if isinstance(value, bool):
        return _BOOL_TEXT[bool(value)]
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _cell(float(value))
    return OddCell(kind.__name__, _shown(value))


def _plain(row: list) -> bool:
    """Whether a row needs no change: only ints, None, non-NaN floats and strings without lone
    surrogates (the check per cell is kept to a type test: this runs on every cell)."""
    for value in row:
        kind = type(value)
        if kind is str:
            if not value.isascii() and _SURROGATE.search(value):
                return False
        elif kind is int or value is None:
            continue
        elif kind is not float or value != value:
            return False
    return True


def normalise_rows(rows) -> list[list]:
    """A tab's rows as a list of lists of plain cells (see the module docstring).

    Ordinary rows are kept as they are, unchanged objects (this runs on every workbook of
    every sync); only a row holding something else is rebuilt, cell by cell.
    """
    if rows is None:
        return []
    if not isinstance(rows, list):
        rows = [rows]
    odd = [i for i, row in enumerate(rows) if type(row) is not list or not _plain(row)]
    if not odd:
        return rows
    out = list(rows)
    for i in odd:
        row = rows[i]
        if row is None:
            out[i] = []
        elif isinstance(row, (list, tuple)):
            out[i] = [_cell(value) for value in row]
        else:
            out[i] = [_cell(row)]
    return out


def rows_of_lists(rows) -> bool:
    """Whether `normalise_rows` keeps `rows` and each row object as they are unless a cell
    needs normalising: a list of lists (their cells unchecked)."""
    return type(rows) is list and set(map(type, rows)) <= {list}


def normalise_value_ranges(value_ranges) -> dict[str, list[list]]:
    """Tab title -> normalised rows. Titles that are not strings are shown as text."""
    if not isinstance(value_ranges, Mapping):
        return {}
    return {title if type(title) is str else str(title): normalise_rows(rows) for title, rows in value_ranges.items()}
