"""The village report workbook template (contract section 1): create a new village's sheet
from it, and check how far an existing sheet has drifted from it.

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

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tpbis import files
from tpbis.errors import UsageError
from tpbis.wib import TIME_ZONE
from transforms.headers import find_header, header_keys
from transforms.reference import CATEGORY_KINDS, Reference
from transforms.text import cell_text, is_blank
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


# --- the registry ------------------------------------------------------------------------------

def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), [dict(r) for r in reader]


def village_for(kode_desa: str, registry: Path, config_dir: Path, *, desa: str | None = None,
                kecamatan: str | None = None, kabupaten: str | None = None, provinsi: str | None = None,
                kelompok: str = "calon_replikasi_mandiri", year: int | None = None) -> tuple[dict, bool]:
    """(the registry row of the village, whether the registry has it already).

    A registered village keeps its registry names. A new one takes names from the options,
    else the kecamatan, kabupaten and province from config/regions.csv by the code's prefix;
    the desa name must be given (regions.csv stops at the kecamatan).
    """
    if not CODE.match(kode_desa or ""):
        raise TemplateError(f"kode desa {kode_desa!r} is not a Kemendagri code like 14.03.02.2008")
    _, rows = _read_csv(registry)
    known = next((r for r in rows if r.get("kode_desa", "").strip() == kode_desa), None)
    if known:
        return {k: (v or "").strip() for k, v in known.items()}, True
    _, regions = _read_csv(Path(config_dir) / "regions.csv")
    names = {r["kode"]: r["nama"] for r in regions}
    village = {
        "kode_desa": kode_desa,
        "desa": desa,
        "kecamatan": kecamatan or names.get(kode_desa[:8]),
        "kabupaten": kabupaten or names.get(kode_desa[:5]),
        "provinsi": provinsi or names.get(kode_desa[:2]),
        "kelompok": kelompok,
        "tahun_kelompok": str(year or date.today().year),
        "spreadsheet_key": "",
    }
    missing = [k for k in ("desa", "kecamatan", "kabupaten", "provinsi") if not village[k]]
    if missing:
        raise TemplateError(f"{kode_desa} is not in the registry and config/regions.csv does not name its "
                            f"{', '.join(missing)}: give --{' --'.join(missing)}")
    return village, False


def add_to_registry(registry: Path, village: dict, key: str, *, replace: bool = False) -> None:
    """Append the village with its new spreadsheet key (or, with `replace`, change the key of a
    registered village). Other rows and columns are kept; the file is replaced atomically."""
    columns, rows = _read_csv(registry)
    row = next((r for r in rows if r.get("kode_desa", "").strip() == village["kode_desa"]), None)
    if row is not None and row.get("spreadsheet_key", "").strip() and not replace:
        raise TemplateError(f"{village['kode_desa']} already has a spreadsheet in {registry}; "
                            "use --replace-key to point it at a new one")
    if row is None:
        rows.append({c: village.get(c, "") for c in columns})
        row = rows[-1]
    row["spreadsheet_key"] = key
    with files.replacing(registry) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in columns} for r in rows)


def check_registry(registry: Path, village: dict, registered: bool, replace: bool) -> None:
    """Refuse before creating anything that `add_to_registry` would then refuse."""
    if registered and village.get("spreadsheet_key") and not replace:
        raise TemplateError(f"{village['kode_desa']} already has a spreadsheet ({village['spreadsheet_key']}) "
                            f"in {registry}; use --replace-key to create a new one and point the registry at it")


# --- drift: how far an existing sheet is from the template --------------------------------------

@dataclass(frozen=True)
class Finding:
    severity: str      # error: the sync fails or loses a required column; warning: data is lost; info: harmless
    code: str
    tab: str
    message: str       # Indonesian, for province staff and librarians


def _norm(text) -> str:
    return " ".join(cell_text(text).split())


def drift(titles: list[str], value_ranges: dict[str, list[list]], ref: Reference) -> list[Finding]:
    """Compare a sheet's tab titles and top rows (`value_ranges`: title -> rows from row 1)
    with the template, the way the sync reads headers (case, spacing, aliases)."""
    found: list[Finding] = []
    by_norm = {_norm(t).casefold(): t for t in reversed(titles)}
    matched = set()
    for tab in ref.columns:
        title = by_norm.get(tab.casefold())
        severity = "error" if tab in REQUIRED_TABS else "warning"
        if title is None:
            found.append(Finding(severity, "missing_tab", tab, f"Tab '{tab}' tidak ada."))
            continue
        matched.add(title)
        if title != tab:
            found.append(Finding("info", "renamed_tab", tab, f"Tab '{tab}' bernama '{title}'."))
        rows = value_ranges.get(title, [])
        found += _profile_drift(rows, ref) if tab == "Profil" else _tab_drift(tab, rows, ref, severity)
    for title in titles:
        if title not in matched and _norm(title).casefold() not in {t.casefold() for t in IGNORED_TABS}:
            found.append(Finding("info", "extra_tab", title, f"Tab tambahan '{title}' (tidak dibaca sinkronisasi)."))
    return found


def _tab_drift(tab: str, rows: list[list], ref: Reference, severity: str) -> list[Finding]:
    specs = ref.columns[tab]
    match = find_header(rows, ref.header_lookup[tab])
    if match is None:
        return [Finding(severity, "no_header", tab, f"Tab '{tab}': baris judul kolom tidak ditemukan.")]
    out = []
    if match.row != 0:
        out.append(Finding("info", "header_moved", tab, f"Tab '{tab}': judul kolom ada di baris {match.row + 1}, bukan baris 1."))
    for spec in specs:
        if spec.field not in match.columns:
            level = "error" if spec.required else "warning"
            out.append(Finding(level, "missing_column", tab,
                               f"Tab '{tab}': kolom '{spec.header}'{' (wajib)' if spec.required else ''} tidak ada."))
        elif _norm(match.labels[spec.field]) != spec.header:
            out.append(Finding("info", "renamed_column", tab,
                               f"Tab '{tab}': kolom '{spec.header}' tertulis '{_norm(match.labels[spec.field])}'."))
    used = set(match.columns.values())
    for j, cell in enumerate(rows[match.row] if match.row < len(rows) else []):
        if j not in used and not is_blank(cell):
            out.append(Finding("info", "extra_column", tab, f"Tab '{tab}': kolom tambahan '{_norm(cell)}'."))
    return out


def _profile_drift(rows: list[list], ref: Reference) -> list[Finding]:
    lookup = ref.header_lookup["Profil"]
    labels: dict[str, str] = {}
    for row in rows:
        for cell in row:
            if is_blank(cell):
                continue
            field_ = next((lookup[k] for k in header_keys(cell) if k in lookup), None)
            if field_ and not field_.startswith("_"):
                labels.setdefault(field_, _norm(cell))
    out = []
    for spec in ref.columns["Profil"]:
        if spec.field.startswith("_"):
            continue
        if spec.field not in labels:
            out.append(Finding("warning", "missing_field", "Profil", f"Tab 'Profil': isian '{spec.header}' tidak ada."))
        elif labels[spec.field] != spec.header:
            out.append(Finding("info", "renamed_field", "Profil",
                               f"Tab 'Profil': isian '{spec.header}' tertulis '{labels[spec.field]}'."))
    return out


def read_for_check(conn, key: str, ref: Reference, scan_rows: int = 15) -> tuple[list[str], dict[str, list[list]]]:
    """Tab titles (one metadata read) and the top rows of the template tabs (one batchGet)."""
    from tpbis.google.sheets import VALUE_PARAMS
    meta = conn.http.fetch_sheet_metadata(key, params={"fields": "sheets.properties.title"})
    titles = [s["properties"]["title"] for s in meta.get("sheets", [])]
    wanted = {t.casefold() for t in ref.columns}
    tabs = [t for t in titles if _norm(t).casefold() in wanted]
    quoted = {t: "'" + t.replace("'", "''") + "'" for t in tabs}
    ranges = [f"{quoted[t]}!A1:AZ{60 if _norm(t).casefold() == 'profil' else scan_rows}" for t in tabs]
    body = conn.http.values_batch_get(key, ranges, params=dict(VALUE_PARAMS)) if ranges else {}
    values = {t: vr.get("values", []) for t, vr in zip(tabs, body.get("valueRanges", []))}
    return titles, values


def format_findings(findings: list[Finding]) -> str:
    if not findings:
        return "Sesuai template: tidak ada perbedaan."
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    lines = [f"{len(findings)} perbedaan dari template: {counts['error']} error, {counts['warning']} warning, "
             f"{counts['info']} info"]
    order = {"error": 0, "warning": 1, "info": 2}
    for f in sorted(findings, key=lambda f: order[f.severity]):
        lines.append(f"  {f.severity.upper():7} [{f.code}] {f.message}")
    return "\n".join(lines)


# --- the commands (`tpbis template create|check`) ------------------------------------------------

def create_command(settings, kode_desa: str, *, names: dict | None = None, kelompok: str = "calon_replikasi_mandiri",
                   year: int | None = None, folder: str | None = None, xlsx: Path | None = None,
                   replace: bool = False) -> str:
    """Create the sheet (or the .xlsx) and register it; returns what to tell the user."""
    from gspread.exceptions import APIError
    from tpbis.google.sheets import connect
    from transforms.reference import load_reference

    year = year or date.today().year
    ref = load_reference(settings.config_dir)
    village, registered = village_for(kode_desa, settings.registry, settings.config_dir, kelompok=kelompok,
                                      year=year, **{k: v for k, v in (names or {}).items() if v})
    if xlsx is not None:
        path = write_xlsx(village, ref, year, xlsx)
        return (f"{path}: template for {kode_desa} Desa {village['desa']}. Upload it to Drive as a Google sheet, "
                f"share it with the service account, and put its key in {settings.registry}.")
    check_registry(settings.registry, village, registered, replace)
    try:
        key = create_sheet(connect(settings, create=True), village, ref, year, folder)
    except APIError as e:
        raise TemplateError(f"Google refused to create the sheet ({e.response.status_code}): {e}") from None
    add_to_registry(settings.registry, village, key, replace=replace)
    return (f"Created {spreadsheet_title(village)}: {key}\n"
            f"  https://docs.google.com/spreadsheets/d/{key}/edit\n"
            f"  added to {settings.registry}; share it with the librarian as Editor.")


def check_command(settings, *, kode_desa: str | None = None, key: str | None = None) -> tuple[str, list[Finding]]:
    """(the spreadsheet key checked, its drift findings)."""
    from gspread.exceptions import APIError
    from transforms.reference import load_reference

    if not key:
        if not kode_desa:
            raise TemplateError("give --kode-desa or --key")
        _, rows = _read_csv(settings.registry)
        row = next((r for r in rows if r.get("kode_desa", "").strip() == kode_desa), None)
        if row is None or not (row.get("spreadsheet_key") or "").strip():
            raise TemplateError(f"{kode_desa} has no spreadsheet in {settings.registry}")
        key = row["spreadsheet_key"].strip()
    ref = load_reference(settings.config_dir)
    try:
        titles, values = read_for_check(_check_connection(settings), key, ref)
    except APIError as e:
        raise TemplateError(f"cannot read spreadsheet {key} ({e.response.status_code}): {e}") from None
    return key, drift(titles, values, ref)


def _check_connection(settings):
    """The sync's own paced read connection: a check spends the same read quota."""
    from tpbis.sync.steps import shared_connection
    return shared_connection(settings)
