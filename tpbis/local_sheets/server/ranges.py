"""A1 ranges as the Sheets API accepts and echoes them.

The sync names tabs by title ("'Kunjungan'", "Kegiatan!A1:G"), gspread quotes titles
("'Tab with spaces'!A1:Z1000"), and Google echoes the range it served with concrete bounds
("Kunjungan!A1:Z1000"). Parsing lives here so the server's reads and writes resolve a range
the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = r"\$?([A-Za-z]{1,3})?\$?(\d+)?"
_REF = re.compile(rf"^{_CELL}(?::{_CELL})?$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RangeError(ValueError):
    """A range the API would refuse with 400 'Unable to parse range: ...'."""


@dataclass(frozen=True)
class A1Range:
    """A parsed range; bounds are 1-based and inclusive, None where the range is open."""

    tab: str | None
    start_row: int | None = None
    start_col: int | None = None
    end_row: int | None = None
    end_col: int | None = None

    @property
    def whole_tab(self) -> bool:
        return (self.start_row, self.start_col, self.end_row, self.end_col) == (None,) * 4


@dataclass(frozen=True)
class GridBox:
    """A range resolved against a tab's grid: concrete 1-based inclusive bounds."""

    tab: str
    start_row: int
    start_col: int
    end_row: int
    end_col: int

    def a1(self) -> str:
        """The range as Google echoes it: 'Tab!A1:G50', or 'Tab!B3' for one cell."""
        first = f"{column_letters(self.start_col)}{self.start_row}"
        last = f"{column_letters(self.end_col)}{self.end_row}"
        cells = first if first == last else f"{first}:{last}"
        return f"{quote_title(self.tab)}!{cells}"


def column_number(letters: str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    """1 -> 'A', 27 -> 'AA'."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_title(title: str) -> str:
    """A tab title as it appears in a range: bare when simple, else quoted ('' for ')."""
    if _PLAIN_TITLE.match(title) and not _looks_like_cells(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _looks_like_cells(text: str) -> bool:
    match = _REF.match(text)
    return bool(match) and any(match.groups())


def _split_tab(text: str) -> tuple[str | None, str | None]:
    """(tab, cells) of a range; either may be None ('Tab', 'A1:B2', "'T''s'!A1")."""
    if text.startswith("'"):
        i, title = 1, []
        while i < len(text):
            if text[i] == "'":
                if text[i + 1:i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                break
            title.append(text[i])
            i += 1
        else:
            raise RangeError(text)
        rest = text[i + 1:]
        if rest == "":
            return "".join(title), None
        if not rest.startswith("!"):
            raise RangeError(text)
        return "".join(title), rest[1:]
    if "!" in text:
        tab, cells = text.rsplit("!", 1)
        return tab, cells
    return None, text


def parse_a1(text: str, titles: list[str] | None = None) -> A1Range:
    """Parse a range. A bare word that names a tab (in `titles`) is that whole tab."""
    text = text.strip()
    if not text:
        raise RangeError(text)
    tab, cells = _split_tab(text)
    if tab is not None and cells is None:
        return A1Range(tab)
    if tab is None and (titles is None or text in titles or not _looks_like_cells(text)):
        return A1Range(text)
    match = _REF.match(cells or "")
    if not match or not any(match.groups()):
        raise RangeError(text)
    c1, r1, c2, r2 = match.groups()
    if ":" not in cells:
        if not (c1 and r1):
            raise RangeError(text)  # 'A' or '5' alone is not a range
        c2, r2 = c1, r1
    return A1Range(
        tab,
        start_row=int(r1) if r1 else None,
        start_col=column_number(c1) if c1 else None,
        end_row=int(r2) if r2 else None,
        end_col=column_number(c2) if c2 else None,
    )


def resolve(rng: A1Range, tab: str, row_count: int, col_count: int) -> GridBox:
    """Concrete bounds of a range in a tab whose grid is row_count x col_count.

    Open ends extend to the grid's edge, as Google does ('Tab!A:C' -> 'Tab!A1:C1000');
    a range reaching past the grid is cut at its edge.
    """
    start_row = rng.start_row or 1
    start_col = rng.start_col or 1
    end_row = min(rng.end_row or row_count, max(row_count, start_row))
    end_col = min(rng.end_col or col_count, max(col_count, start_col))
    if end_row < start_row:
        start_row, end_row = end_row, start_row
    if end_col < start_col:
        start_col, end_col = end_col, start_col
    return GridBox(tab, start_row, start_col, end_row, end_col)
