"""Links from a Validasi line to the exact cell it is about.

Why: a librarian fixes a rejected row faster when one click takes her to it. A line knows the
tab (template name), the sheet row and the column header as she typed it; the cell address
comes from the header row of the sheet as the sync last read it (the landed raw payload),
found the same way the parser finds it. The link itself is `#gid=<sheetId>&range=C5`, which
Google Sheets opens in the same spreadsheet; the sheet ids are known only when writing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from tpbis.google.titles import fold
from tpbis.village_sheets.guard.rules import column_letter
from transforms.headers import find_header
from transforms.reference import Reference


@dataclass(frozen=True)
class Link:
    """A cell of the librarian's sheet: tab title as in her sheet, A1 address, label shown."""

    sheet_title: str
    a1: str
    label: str


class CellLocator:
    """(template tab, row number, column label) -> Link, from one workbook payload."""

    def __init__(self, payload: dict[str, list[list]] | None, ref: Reference):
        self.titles: dict[str, str] = {}                       # template tab -> title in the sheet
        self.columns: dict[tuple[str, str], int] = {}          # (tab, label) -> 0-based column
        by_norm = {fold(t): t for t in (payload or {})}
        for tab in ref.columns:
            title = by_norm.get(fold(tab))
            if title is None:
                continue
            self.titles[tab] = title
            if tab == "Profil":
                continue
            try:
                match = find_header(payload[title] or [], ref.header_lookup[tab])
            except Exception:          # an odd payload: links fall back to the row's first cell
                match = None
            if match:
                for name, column in match.columns.items():
                    self.columns[(tab, fold(match.labels[name]))] = column

    @classmethod
    def from_json(cls, text: str | None, ref: Reference) -> "CellLocator":
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = None
        return cls(payload if isinstance(payload, dict) else None, ref)

    def link(self, tab: str, row_number, column: str | None) -> Link | None:
        title = self.titles.get(tab)
        if title is None or row_number is None:
            return None
        j = self.columns.get((tab, fold(column)), 0)
        a1 = f"{column_letter(j)}{int(row_number)}"
        return Link(title, a1, f"{title}!{a1}")


def hyperlink_formula(link: Link, sheet_id: int) -> str:
    """`=HYPERLINK("#gid=5&range=C5";"Kunjungan!C5")` (`;` works in every Sheets locale)."""
    label = link.label.replace('"', '""')
    return f'=HYPERLINK("#gid={sheet_id}&range={link.a1}";"{label}")'
