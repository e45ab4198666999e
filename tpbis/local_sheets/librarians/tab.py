"""One tab being written: its rows as cells, and the truth of what it holds."""
from __future__ import annotations

from datetime import date
from typing import Any



# --- one tab being written -----------------------------------------------------------------

class Tab:
    """Rows of one sheet plus its truth, kept in step: each row's number is known as it is
    written, so the truth's row numbers are those a librarian sees."""

    def __init__(self, title: str):
        self.title, self.rows, self.loaded, self.rejected = title, [], [], []
        self.header_row, self.rows_read = None, 0
        self.extra: dict = {}            # tab-specific truth, e.g. Profil's typed record

    def add(self, cells: list) -> int:
        while cells and cells[-1] in (None, ""):
            cells = cells[:-1]
        self.rows.append(cells)
        return len(self.rows)

    def header(self, cells: list) -> None:
        self.header_row = self.add(cells)

    def record(self, cells: list, truth: dict) -> int:
        row = self.add(cells)
        self.loaded.append({"row": row, **truth})
        self.rows_read += 1
        return row

    def reject(self, cells: list, problems: list[tuple[str, str, Any]]) -> int:
        row = self.add(cells)
        for reason, column, value in problems:
            self.rejected.append({"row": row, "reason": reason, "column": column,
                                  "value": "" if value is None else str(value)})
        self.rows_read += 1
        return row

    def totals(self, label: str, columns: list[str], summed: set[str], first: int) -> None:
        """A `Jumlah`/`Total` row of SUM formulas over rows first..last, as Sheets computes
        them (text cells such as '1.234' are not summed, exactly as in Google Sheets)."""
        last = len(self.rows)
        cells: list = [label]
        for i, column in enumerate(columns[1:], start=1):
            if column not in summed:
                cells.append("")
                continue
            letter = chr(ord("A") + i)
            total = sum(numeric(r[i]) for r in self.rows[first - 1:last] if len(r) > i)
            cells.append({"formula": f"=SUM({letter}{first}:{letter}{last})", "value": total})
        self.add(cells)

    def truth(self) -> dict:
        assert self.rows_read == len(self.loaded) + len({r["row"] for r in self.rejected})
        return {"header_row": self.header_row, "rows_read": self.rows_read,
                "loaded": self.loaded, "rejected": self.rejected, **self.extra}


def numeric(cell: Any) -> int | float:
    if isinstance(cell, bool) or cell is None or isinstance(cell, str):
        return 0
    if isinstance(cell, (int, float)):
        return cell
    return cell.get("n", 0) if isinstance(cell, dict) else 0


def month_range(first: date, last: date) -> list[date]:
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"
