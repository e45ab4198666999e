"""What a Validasi tab says and how it is written (pure): its rows, and the one batchUpdate that
writes them into the librarian's sheet.

Layout, top to bottom: a title and a status line that stay in view (frozen), green when every
row was accepted and red with counts otherwise; when the data was read; rows read, accepted
and rejected per tab; one line per rejected row with a link to its cell; the warnings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from tpbis.wib import JAKARTA
from tpbis.village_sheets.validasi.links import Link, hyperlink_formula

VALIDASI = "Validasi"
WIDTH = 6                       # columns of the tab: Tab, Baris, Kolom, Nilai, Pesan, Buka sel
FROZEN_ROWS = 2                 # the title and the status line stay in view
MAX_LINES = 10_000              # rejected-row lines written; a note says how many more there are
MAX_WARNING_LINES = 2_000       # warning lines written
MAX_VALUE_CHARS = 1_000         # a rejected cell's value is cut to this (Sheets allows 50,000)
REJECTED_HEADER = ["Tab", "Baris", "Kolom", "Nilai", "Pesan", "Buka sel"]
WARNINGS_HEADER = ["Tab", "Baris", "Kolom", "Nilai", "Peringatan (baris tetap dimuat)", "Buka sel"]
COUNTS_HEADER = ["Tab", "Baris dibaca", "Diterima", "Ditolak"]
NOTHING_REJECTED = "Tidak ada baris yang ditolak."
NO_WARNINGS = "Tidak ada peringatan."
NOTE = ("Tab ini ditulis ulang otomatis oleh sistem provinsi setiap kali data dibaca. "
        "Perbaiki baris yang ditolak di tab asalnya (klik Buka sel), bukan di sini.")
GREEN, RED = "#D9EAD3", "#F4CCCC"


@dataclass
class ValidasiTab:
    """The cells of a Validasi tab, row by row; which rows are headings (bold); the status line
    (row 1) and whether it is good news (green) or not (red). A cell may be a `Link`."""

    rows: list[list]
    bold: set[int] = field(default_factory=set)
    rejected_lines: int = 0
    ok: bool = True


def checked_text(checked_at: datetime | None) -> str:
    """`20/11/2026 08:15 WIB`: the time librarians live in."""
    if checked_at is None:
        return "-"
    if checked_at.tzinfo is None:
        checked_at = checked_at.replace(tzinfo=timezone.utc)
    return checked_at.astimezone(JAKARTA).strftime("%d/%m/%Y %H:%M WIB")


def _text(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 1] + "…"


def status_line(rows_read: int, rejected_rows: int, rejected_tabs: list[str], warnings: int) -> str:
    if rejected_rows == 0:
        note = f" {warnings} peringatan: lihat di bawah." if warnings else ""
        return f"SEMUA BARIS DITERIMA: {rows_read} baris dibaca, tidak ada yang ditolak.{note}"
    return (f"{rejected_rows} BARIS DITOLAK dari {rows_read} baris dibaca (tab {', '.join(rejected_tabs)}): "
            "perbaiki lewat tautan Buka sel di bawah.")


def _lines(items: list[tuple], limit: int, locate) -> list[list]:
    out = []
    for tab, row_number, column, value, message in items[:limit]:
        link = locate(tab, row_number, column) if locate else None
        out.append([tab, None if row_number is None else int(row_number), _text(column), _text(value),
                    _text(message), link])
    return out


def validasi_tab(kode_desa: str, checked_at: datetime | None, tab_counts: list[tuple],
                 rejections: list[tuple], warnings: list[tuple] = (), locate=None) -> ValidasiTab:
    """The Validasi tab of one village.

    tab_counts: (tab, rows_read, rows_loaded, rows_rejected); rejections and warnings: (tab,
    row_number, column, value, message), already in the order to list them; `locate(tab, row,
    column)` gives the Link of a line's cell (or None).
    """
    read_total = sum(int(c[1] or 0) for c in tab_counts)
    rejected_rows = sum(int(c[3] or 0) for c in tab_counts)
    rejected_tabs = [c[0] for c in tab_counts if c[3]] or sorted({r[0] for r in rejections})
    rows: list[list] = [
        [f"Hasil pemeriksaan data TPBIS — Kode Desa {kode_desa}"],
        [status_line(read_total, rejected_rows or len({(r[0], r[1]) for r in rejections}), rejected_tabs,
                     len(warnings))],
        ["Diperiksa pada", checked_text(checked_at)],
        ["Kode Desa", kode_desa],
        ["Catatan", NOTE],
        [],
        list(COUNTS_HEADER),
    ]
    bold = {0, 1, len(rows) - 1}
    totals = [0, 0, 0]
    for tab, read, loaded, rejected in tab_counts:
        counts = [int(read or 0), int(loaded or 0), int(rejected or 0)]
        rows.append([tab, *counts])
        totals = [a + b for a, b in zip(totals, counts)]
    rows.append(["Jumlah", *totals])
    bold.add(len(rows) - 1)
    rows += [[], list(REJECTED_HEADER)]
    bold.add(len(rows) - 1)
    rows += _lines(rejections, MAX_LINES, locate)
    if not rejections:
        rows.append([NOTHING_REJECTED])
    elif len(rejections) > MAX_LINES:
        rows.append([f"... dan {len(rejections) - MAX_LINES} baris lain yang ditolak "
                     "(daftar lengkap ada di laporan provinsi)."])
    rows += [[], list(WARNINGS_HEADER)]
    bold.add(len(rows) - 1)
    rows += _lines(list(warnings), MAX_WARNING_LINES, locate)
    if not warnings:
        rows.append([NO_WARNINGS])
    elif len(warnings) > MAX_WARNING_LINES:
        rows.append([f"... dan {len(warnings) - MAX_WARNING_LINES} peringatan lain."])
    return ValidasiTab(rows, bold, min(len(rejections), MAX_LINES), ok=not rejections)


def unreadable_tab(kode_desa: str, checked_at: datetime | None, reason: str | None) -> ValidasiTab:
    """The Validasi tab of a village whose sheet could not be read at all (no header matched)."""
    rows = [
        [f"Hasil pemeriksaan data TPBIS — Kode Desa {kode_desa}"],
        ["DATA TIDAK DAPAT DIBACA: tidak ada baris yang dimuat. Data lama desa ini tetap dipakai."],
        ["Diperiksa pada", checked_text(checked_at)],
        ["Kode Desa", kode_desa],
        ["Sebab", _text(reason or "Judul kolom tidak dikenali.")],
        ["Yang harus dilakukan", "Kembalikan judul kolom di baris 1 seperti di template (lihat tab Petunjuk), "
                                 "jangan mengganti nama tab, lalu tunggu pembacaan berikutnya."],
        ["Catatan", NOTE],
    ]
    return ValidasiTab(rows, {0, 1}, 0, ok=False)


def _rgb(hex_colour: str) -> dict:
    return {name: int(hex_colour[1 + 2 * i:3 + 2 * i], 16) / 255 for i, name in enumerate(("red", "green", "blue"))}


def _cell(value, bold: bool, sheet_ids: dict[str, int], background: str | None = None) -> dict:
    """Sheets CellData. Text is always stringValue, so a rejected `=...` stays text, never a
    formula; the only formula is our own HYPERLINK to a cell of the same spreadsheet."""
    cell: dict = {}
    if isinstance(value, Link):
        gid = sheet_ids.get(value.sheet_title)
        cell["userEnteredValue"] = ({"formulaValue": hyperlink_formula(value, gid)} if gid is not None
                                    else {"stringValue": value.label})
    elif isinstance(value, bool):
        cell["userEnteredValue"] = {"boolValue": value}
    elif isinstance(value, (int, float)):
        cell["userEnteredValue"] = {"numberValue": value}
    elif value not in (None, ""):
        cell["userEnteredValue"] = {"stringValue": str(value)}
    fmt: dict = {}
    if bold:
        fmt["textFormat"] = {"bold": True}
    if background:
        fmt["backgroundColor"] = _rgb(background)
    if fmt:
        cell["userEnteredFormat"] = fmt
    return cell


def replace_requests(tab: ValidasiTab, old_sheet_id: int | None, new_sheet_id: int,
                     sheet_ids: dict[str, int] | None = None) -> list[dict]:
    """One batchUpdate that writes the Validasi tab (Google applies all or none). An existing
    tab is updated in place, so its sheet id (and a librarian's bookmark) stays: its grid is
    resized, then every cell rewritten, cells not written cleared. Else the tab is added."""
    sheet_ids = sheet_ids or {}
    sheet_id = new_sheet_id if old_sheet_id is None else old_sheet_id
    grid = {"rowCount": max(len(tab.rows), FROZEN_ROWS + 1), "columnCount": WIDTH, "frozenRowCount": FROZEN_ROWS}
    out: list[dict] = []
    if old_sheet_id is None:
        out.append({"addSheet": {"properties": {"sheetId": sheet_id, "title": VALIDASI, "gridProperties": grid}}})
    else:
        out.append({"updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "title": VALIDASI, "gridProperties": grid},
            "fields": "title,gridProperties.rowCount,gridProperties.columnCount,gridProperties.frozenRowCount"}})
    status = GREEN if tab.ok else RED
    rows = [{"values": [_cell(v, i in tab.bold, sheet_ids, status if i == 1 else None)
                        for v in (row + [None] * (WIDTH - len(row)) if i == 1 else row)]}
            for i, row in enumerate(tab.rows)]
    out.append({"updateCells": {
        "range": {"sheetId": sheet_id, "startRowIndex": 0, "startColumnIndex": 0},
        "rows": rows, "fields": "userEnteredValue,userEnteredFormat"}})
    for column, pixels in enumerate([150, 110, 170, 200, 520, 130]):
        out.append({"updateDimensionProperties": {
            "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": column, "endIndex": column + 1},
            "properties": {"pixelSize": pixels}, "fields": "pixelSize"}})
    return out
