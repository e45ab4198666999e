"""The village report workbook template (contract section 1), as data, written to Google or
to an .xlsx. A new village's sheet and registry row: new_village.py; how far an existing
sheet drifted from the template: drift.py.

Why: a sheet that starts from the template (its headers, dropdowns for the category lists,
number and date formats, a frozen header row, Profil prefilled from the registry) loads
without rejections once filled with valid data; a sheet that drifted (renamed or missing
columns, extra tabs) is where rejections and failed syncs come from, so `check` says where.

The template is built as data (`build_template`) from config/columns.csv and
config/categories.csv through `transforms.reference`, the same reference the sync parses
with, so the template and the parser cannot disagree. That data is then written either to
Google through gspread (`create_sheet`: Drive files.create, then ONE batchUpdate with tabs,
values, formats and validation, applied by Google all or nothing) or, offline, to an .xlsx
file with the same content (`write_xlsx`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tpbis.errors import UsageError
from tpbis.wib import TIME_ZONE
from transforms.reference import CATEGORY_KINDS, Reference
from transforms.text import is_blank
from tpbis.village_sheets.guard import petunjuk
from tpbis.village_sheets.guard.rules import (EMPTY_REQUIRED_FILL, HEADER_NOTE, guard_for, sheets_empty_required,
                                        sheets_protection, sheets_validation, xlsx_empty_required, xlsx_validation)
from tpbis.local_sheets.workbook_format import date_to_serial

LOCALE = "in_ID"
GRID_ROWS = 1000                          # rows of a data tab, as a new Google sheet has
REQUIRED_TABS = ("Kunjungan", "Kegiatan")  # the sync fails a village without these
IGNORED_TABS = ("Validasi", petunjuk.TITLE)  # written by `tpbis sync --write-back` / instructions, not drift
CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
CHOICES = {"yesno": ("Ya", "Tidak"), "gender": ("L", "P")}
# (Sheets numberFormat type, pattern) per columns.csv kind; the pattern is valid in Excel too.
FORMATS = {
    "count": ("NUMBER", "#,##0"), "money": ("NUMBER", "#,##0"), "integer": ("NUMBER", "0"),
    "decimal": ("NUMBER", "0.0"), "date": ("DATE", "dd/mm/yyyy"), "month": ("DATE", "mmmm yyyy"),
    "text": ("TEXT", "@"), "initials": ("TEXT", "@"),   # a code or NPP typed as text stays text
}
PREFILL = {"kode_desa": "kode_desa", "desa_name": "desa", "kecamatan_name": "kecamatan",
           "kabupaten_name": "kabupaten"}


class TemplateError(UsageError, ValueError):
    """A template command that cannot go on (bad code, registry conflict, unknown region)."""


# --- the template as data (pure) -------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """Format and dropdown of a block of cells: rows [first_row, end_row), one column (0-based)."""

    first_row: int
    end_row: int
    column: int
    kind: str
    choices: tuple[str, ...] = ()
    field: str = ""
    header: str = ""

    def guard(self, last_year: int):
        """Its data validation (tpbis.template_guard.rules.Guard), or None for free text."""
        return guard_for(self.kind, self.field, self.header, self.choices, last_year)

    @property
    def number_format(self) -> tuple[str, str] | None:
        return FORMATS.get(self.kind) or (("TEXT", "@") if self.choices else None)


@dataclass
class TemplateTab:
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)     # cells below the header row
    rules: list[Rule] = field(default_factory=list)
    row_count: int = GRID_ROWS
    required: tuple[int, ...] = ()          # columns highlighted when empty in a started row
    started: tuple[int, ...] = ()           # columns whose content starts a row (not prefilled)
    widths: tuple[int, ...] = ()            # fixed widths in characters (else from the content)
    last_year: int = 0                      # dates and months are valid up to the end of it

    def rule_at(self, row: int, column: int) -> Rule | None:
        return next((r for r in self.rules if r.column == column and r.first_row <= row < r.end_row), None)


def choices(kind: str, ref: Reference) -> tuple[str, ...]:
    if kind in CATEGORY_KINDS:
        return tuple(ref.category_values[CATEGORY_KINDS[kind]])
    return CHOICES.get(kind, ())


def build_template(village: dict, ref: Reference, year: int) -> list[TemplateTab]:
    """The five tabs: headers in template order, Profil prefilled from the registry row, the
    twelve months of `year` prefilled in Kunjungan (columns.csv marks `Bulan` as prefilled, so
    a month alone is not a data row), and a Rule per column (per Profil field)."""
    last_year = max(year, date.today().year)
    tabs = [TemplateTab(petunjuk.TITLE, list(petunjuk.HEADERS), petunjuk.rows(year), row_count=30,
                        widths=petunjuk.WIDTHS)]
    for title, specs in ref.columns.items():
        if title == "Profil":
            tabs.append(_profile(village, ref, specs))
            tabs[-1].last_year = last_year
            continue
        tab = TemplateTab(title, [s.header for s in specs], last_year=last_year,
                          required=tuple(j for j, s in enumerate(specs) if s.required),
                          started=tuple(j for j, s in enumerate(specs) if not s.prefilled))
        for j, spec in enumerate(specs):
            tab.rules.append(Rule(1, GRID_ROWS, j, spec.kind, choices(spec.kind, ref), spec.field, spec.header))
        if title == "Kunjungan":
            month_col = next(j for j, s in enumerate(specs) if s.kind == "month")
            tab.rows = [[None] * month_col + [date(year, m, 1)] for m in range(1, 13)]
        tabs.append(tab)
    return tabs


def _profile(village: dict, ref: Reference, specs) -> TemplateTab:
    keys = [s for s in specs if s.field.startswith("_")]
    fields = [s for s in specs if not s.field.startswith("_")]
    tab = TemplateTab("Profil", [s.header for s in keys], row_count=max(50, len(fields) + 10))
    year = str(village.get("tahun_kelompok") or "")
    for i, spec in enumerate(fields, start=1):
        value = village.get(PREFILL[spec.field]) if spec.field in PREFILL else None
        if spec.field == "year_joined" and year.isdigit():
            value = int(year)
        tab.rows.append([spec.header, value])
        tab.rules.append(Rule(i, i + 1, 1, spec.kind, choices(spec.kind, ref), spec.field, spec.header))
    return tab


def spreadsheet_title(village: dict) -> str:
    return f"Laporan TPBIS Desa {village['desa']}"


# --- Google, through gspread -----------------------------------------------------------------

def _cell(value, rule: Rule | None, bold: bool = False) -> dict:
    cell: dict = {}
    fmt = rule.number_format if rule else None
    if isinstance(value, date):
        cell["userEnteredValue"] = {"numberValue": date_to_serial(value)}
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell["userEnteredValue"] = {"numberValue": value}
    elif not is_blank(value):
        cell["userEnteredValue"] = {"stringValue": str(value)}
    cell["userEnteredFormat"] = {"textFormat": {"bold": bold}}
    if fmt:
        cell["userEnteredFormat"]["numberFormat"] = {"type": fmt[0], "pattern": fmt[1]}
    return cell


def _grid(sheet_id: int, rule: Rule) -> dict:
    return {"sheetId": sheet_id, "startRowIndex": rule.first_row, "endRowIndex": rule.end_row,
            "startColumnIndex": rule.column, "endColumnIndex": rule.column + 1}


def sheet_requests(tabs: list[TemplateTab], first_sheet_id: int) -> list[dict]:
    """One batchUpdate turning a new spreadsheet (one empty tab) into the template."""
    out: list[dict] = [{"updateSpreadsheetProperties": {
        "properties": {"locale": LOCALE, "timeZone": TIME_ZONE}, "fields": "locale,timeZone"}}]
    ids = [first_sheet_id] + [first_sheet_id + i for i in range(1, len(tabs))]
    for i, (tab, sheet_id) in enumerate(zip(tabs, ids)):
        grid = {"rowCount": tab.row_count, "columnCount": len(tab.headers), "frozenRowCount": 1}
        if i == 0:
            out.append({"updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "title": tab.title, "gridProperties": grid},
                "fields": "title,gridProperties.rowCount,gridProperties.columnCount,gridProperties.frozenRowCount"}})
        else:
            out.append({"addSheet": {"properties": {"sheetId": sheet_id, "title": tab.title, "index": i,
                                                    "gridProperties": grid}}})
    for tab, sheet_id in zip(tabs, ids):
        for rule in tab.rules:
            if rule.number_format:
                kind, pattern = rule.number_format
                out.append({"repeatCell": {"range": _grid(sheet_id, rule), "fields": "userEnteredFormat.numberFormat",
                                           "cell": {"userEnteredFormat": {"numberFormat": {"type": kind, "pattern": pattern}}}}})
        rows = [{"values": [_cell(h, None, bold=True) for h in tab.headers]}]
        rows += [{"values": [_cell(v, tab.rule_at(i, j)) for j, v in enumerate(row)]}
                 for i, row in enumerate(tab.rows, start=1)]
        out.append({"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0}, "rows": rows,
                                    "fields": "userEnteredValue,userEnteredFormat.numberFormat,"
                                              "userEnteredFormat.textFormat.bold"}})
        out += guard_requests(tab, sheet_id)
        for j, header in enumerate(tab.headers):
            out.append({"updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": j, "endIndex": j + 1},
                "properties": {"pixelSize": _width(tab, j) * 7}, "fields": "pixelSize"}})
    return out


def guard_requests(tab: TemplateTab, sheet_id: int) -> list[dict]:
    """Validation of every typed cell (lists stay warnings only: the sync also reads synonyms
    and loads an unknown Jenis Kegiatan as Lainnya), the protected header row (and Profil's
    field names, and the whole Petunjuk tab), and the highlight of empty required cells."""
    out = []
    if tab.title == petunjuk.TITLE:
        out.append({"repeatCell": {"range": {"sheetId": sheet_id},
                                   "fields": "userEnteredFormat(wrapStrategy,verticalAlignment)",
                                   "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"}}}})
        return out + [sheets_protection(sheet_id, "Petunjuk pengisian: tidak perlu diubah.", end_row=None)]
    for rule in tab.rules:
        guard = rule.guard(tab.last_year)
        if guard:
            out.append(sheets_validation(_grid(sheet_id, rule), guard))
    out.append(sheets_protection(sheet_id, HEADER_NOTE))
    if tab.title == "Profil":
        out.append(sheets_protection(sheet_id, "Nama isian Profil dibaca oleh sistem provinsi: jangan diubah.",
                                     end_row=tab.row_count, end_column=1))
    for j in tab.required:
        grid = {"sheetId": sheet_id, "startRowIndex": 1, "endRowIndex": tab.row_count,
                "startColumnIndex": j, "endColumnIndex": j + 1}
        out.append(sheets_empty_required(grid, list(tab.started)))
    return out


def _width(tab: TemplateTab, column: int) -> int:
    """Column width in characters: fixed by the tab, or the longest header or prefilled text, at least 12."""
    if tab.widths:
        return tab.widths[column]
    texts = [tab.headers[column]] + [str(r[column]) for r in tab.rows if len(r) > column and r[column] is not None]
    return max(12, min(60, max(len(t) for t in texts) + 2))


def create_sheet(conn, village: dict, ref: Reference, year: int, folder_id: str | None = None) -> str:
    """Create the village's spreadsheet through gspread; returns its key.

    Drive files.create (needs the drive.file scope; `folder_id` puts it in a shared drive
    folder, since a service account's own Drive may have no storage), two metadata reads
    (gspread opens the new sheet; then its first tab's id), and one batchUpdate.
    """
    spreadsheet = conn.client.create(spreadsheet_title(village), folder_id=folder_id)
    first_id = spreadsheet.sheet1.id
    spreadsheet.batch_update({"requests": sheet_requests(build_template(village, ref, year), first_id)})
    return spreadsheet.id


# --- offline: an .xlsx with the same content ---------------------------------------------------

def write_xlsx(village: dict, ref: Reference, year: int, path: Path) -> Path:
    """The template as an .xlsx (upload it to Drive and convert it to a Google sheet).

    Every sheet is protected without a password (Excel: Tinjau > Buka Proteksi Lembar), with
    the data cells unlocked: only the header row, Profil's field names and Petunjuk are locked.
    """
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    formats: dict = {}

    def fmt(rule: Rule | None, bold: bool = False, locked: bool = False, wrap: bool = False):
        pattern = rule.number_format[1] if rule and rule.number_format else None
        key = (pattern, bold, locked, wrap)
        if key not in formats:
            props = {"num_format": pattern} if pattern else {}
            if bold:
                props.update(bold=True, bg_color="#D9EAD3")
            if wrap:
                props.update(text_wrap=True, valign="top")
            props["locked"] = locked or bold
            formats[key] = book.add_format(props)
        return formats[key]

    fill = book.add_format({"bg_color": EMPTY_REQUIRED_FILL})
    for tab in build_template(village, ref, year):
        sheet = book.add_worksheet(tab.title)
        sheet.freeze_panes(1, 0)
        info = tab.title == petunjuk.TITLE
        for j, header in enumerate(tab.headers):
            column_rule = next((r for r in tab.rules if r.column == j and r.end_row - r.first_row > 1), None)
            column_fmt = fmt(column_rule, locked=info or (tab.title == "Profil" and j == 0), wrap=info)
            sheet.set_column(j, j, _width(tab, j), column_fmt)
            sheet.write_string(0, j, header, fmt(None, bold=True))
        for i, row in enumerate(tab.rows, start=1):
            for j, value in enumerate(row):
                rule = tab.rule_at(i, j)
                cell_fmt = fmt(rule, locked=info or (tab.title == "Profil" and j == 0), wrap=info)
                if isinstance(value, date):
                    sheet.write_datetime(i, j, value, cell_fmt)
                elif isinstance(value, (int, float)):
                    sheet.write_number(i, j, value, cell_fmt)
                elif not is_blank(value):
                    sheet.write_string(i, j, str(value), cell_fmt)
                elif rule and rule.end_row - rule.first_row == 1:
                    sheet.write_blank(i, j, None, cell_fmt)     # a Profil value cell keeps its format
        for rule in tab.rules:
            guard = rule.guard(tab.last_year)
            if guard:
                sheet.data_validation(rule.first_row, rule.column, rule.end_row - 1, rule.column,
                                      xlsx_validation(rule.first_row, rule.column, guard))
        for j in tab.required:
            sheet.conditional_format(1, j, tab.row_count - 1, j, xlsx_empty_required(1, j, list(tab.started), fill))
        sheet.protect("", {"format_cells": True, "format_columns": True, "format_rows": True,
                           "insert_rows": True, "delete_rows": True, "sort": True, "autofilter": True})
        if info:
            sheet.activate()
    book.close()
    return path
