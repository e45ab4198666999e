"""Tab titles as the Sheets API sees them: how to quote one in an A1 range, and when two
titles name the same tab for us (`Kunjungan`, ` kunjungan `, `KUNJUNGAN`)."""
from __future__ import annotations


def quote_title(title: str) -> str:
    """`Data 'A'` -> `'Data ''A'''`: a title inside an A1 range, always quoted."""
    return "'" + str(title).replace("'", "''") + "'"


def fold(title) -> str:
    """The key under which titles (or header labels) that differ only in case and spacing are one."""
    return " ".join(("" if title is None else str(title)).split()).casefold()
