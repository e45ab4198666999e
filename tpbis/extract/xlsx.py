"""Write one quarterly extract workbook (.xlsx) with xlsxwriter: what staff open and read.

Why xlsxwriter, and why so careful with strings:
- it makes native Excel charts (the summary's visits by month and activities by strategy);
- every text value is written with `write_string`, and the workbook is opened with
  `strings_to_formulas`/`strings_to_urls` off, so a librarian's cell `=HYPERLINK(...)` or
  `+62 812...` arrives as the text it was, never as a formula or a link;
- `in_memory` packs every part with the same 1980 zip timestamp and the document properties
  carry a fixed date (the quarter's last day): the same data gives the same workbook.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import xlsxwriter

from tpbis.extract.layout import (NOTES_SHEET, NUMBER_FORMATS, STATUS_COLOURS, SUMMARY, TABLES, Table, display)
from tpbis.extract.page import (PROVISIONAL_LABEL, column_width, header_footer, header_lines, print_setup,
                                text_lines)
from transforms.text import cut_visibly, printable

WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
HEADER_FILL = "#DDEBF7"
GRID_COLOUR = "#BFBFBF"
MALE_COLOUR, FEMALE_COLOUR = "#2E75B6", "#C55A9F"


@dataclass
class WorkbookMeta:
    """What the summary and notes say about the extract besides the tables."""
    title: str                      # 'Kabupaten Bengkalis'
    quarter_code: str               # '2022Q4'
    quarter_title: str              # 'Triwulan IV 2022 (Oktober–Desember 2022)'
    created: datetime               # fixed document date (the quarter's last day)
    data_state: str                 # 'per 15 Januari 2023 ...' or 'terbaru ...'
    region_level: str               # 'Kabupaten/Kota' or 'Kecamatan'
    thresholds: list[dict] = field(default_factory=list)
    provisional: bool = False       # quarter not ended yet: every sheet says SEMENTARA


def write_workbook(path: Path, tables: dict[str, pa.Table], meta: WorkbookMeta) -> Path:
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({
        "title": f"Laporan Triwulan TPBIS {meta.quarter_code} — {meta.title}",
        "subject": meta.quarter_title,
        "author": "TPBIS reporting warehouse",
        "company": "Dinas Perpustakaan Provinsi Riau",
        "created": meta.created,
    })
    formats = _formats(wb)
    summary = wb.add_worksheet(SUMMARY.sheet)          # first: what people see on opening
    for table in TABLES[1:]:
        ws = wb.add_worksheet(table.sheet)
        _write_table(ws, table, tables[table.name], formats)
        header_footer(ws, meta)
    _write_summary(wb, summary, tables, meta, formats)
    header_footer(summary, meta)
    notes = wb.add_worksheet(NOTES_SHEET)
    _write_notes(notes, meta, formats)
    header_footer(notes, meta)
    if meta.provisional:        # on paper too: these figures will still change
        summary.write_string(3, 0, PROVISIONAL_LABEL, formats["bold"])
    wb.close()
    return path


CELL = {"border": 1, "border_color": GRID_COLOUR, "valign": "top"}


def _formats(wb) -> dict:
    """Numbers right-aligned in their format, text left and wrapped, thin grey borders so a
    printed table reads as a table; headers bold, wrapped between words."""
    f = {name: wb.add_format({"num_format": spec, "align": "right", **CELL}) for name, spec in NUMBER_FORMATS.items()}
    f["month"] = wb.add_format({"num_format": NUMBER_FORMATS["month"], "align": "left", **CELL})
    f["text"] = f["yesno"] = f["cohort"] = wb.add_format({"text_wrap": True, **CELL})
    f["header"] = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True,
                                 "valign": "top", "align": "center"})
    f["title"] = wb.add_format({"bold": True, "font_size": 14})
    f["subtitle"] = wb.add_format({"italic": True})
    f["bold"] = wb.add_format({"bold": True})
    f["note"] = wb.add_format({"text_wrap": True, "valign": "top"})
    f["note_bold"] = wb.add_format({"text_wrap": True, "valign": "top", "bold": True})
    f["plain_text"] = wb.add_format({"text_wrap": True, "valign": "top", **CELL})
    f["plain_decimal"] = wb.add_format({"num_format": "#,##0.##", "align": "right", **CELL})
    for status, (font, fill) in STATUS_COLOURS.items():
        f[f"status_{status}"] = wb.add_format({"font_color": font, "bg_color": fill, "bold": True})
    return f


def _write_cell(ws, row: int, col: int, value, fmt_name: str, formats: dict) -> None:
    """Text is always a string cell; numbers are numbers; dates are dates; nothing else is ever written."""
    value = display(value, fmt_name)
    if value is None or value == "":
        return                                  # a blank cell, not an empty text
    if isinstance(value, str):                  # no control characters; a too long text cut visibly
        ws.write_string(row, col, cut_visibly(printable(value)), formats["text"])
    elif isinstance(value, bool):
        ws.write_string(row, col, "Ya" if value else "Tidak", formats["text"])
    elif isinstance(value, (date, datetime)):
        ws.write_datetime(row, col, value, formats[fmt_name])
    else:
        ws.write_number(row, col, value, formats[fmt_name])


MAPPED_FORMATS = ("yesno", "cohort")     # the only formats `display` changes a value in


def _write_column(ws, j: int, shown: list, fmt: str, formats: dict) -> None:
    """Rows 1.. of column j, the cells exactly as `_write_cell` writes them, in the same order
    (shared strings are numbered in writing order). Why not `_write_cell` per cell: a province
    workbook has a million cells; plain numbers and texts take the short way here (each
    distinct text cleaned once), anything else (yes/no, dates) goes through `_write_cell`."""
    write_string, write_number = ws.write_string, ws.write_number
    text_format, number_format = formats["text"], formats.get(fmt)
    cleaned: dict[str, str] = {}
    for i, value in enumerate(shown, start=1):
        kind = type(value)
        if kind is int or kind is float:
            if number_format is None:
                _write_cell(ws, i, j, value, fmt, formats)
            else:
                write_number(i, j, value, number_format)
        elif kind is str:
            if value:
                text = cleaned.get(value)
                if text is None:
                    text = cleaned[value] = cut_visibly(printable(value))
                write_string(i, j, text, text_format)
        elif value is not None:
            _write_cell(ws, i, j, value, fmt, formats)


def _write_table(ws, table: Table, data: pa.Table, formats: dict) -> None:
    """Header in row 1, frozen, with a filter; one row per record below; set up for print."""
    widths, lines = [], 1
    row_lines = [1] * (data.num_rows + 1)
    for j, col in enumerate(table.columns):
        name, fmt = col.xlsx if col.xlsx and col.xlsx[0] in data.column_names else (col.name, col.fmt)
        values = data.column(name).to_pylist()
        ws.write_string(0, j, col.label, formats["header"])
        shown = [display(v, fmt) for v in values] if fmt in MAPPED_FORMATS else values
        width = column_width(col.label, shown, fmt)
        ws.set_column(j, j, width)
        widths.append(width)
        lines = max(lines, header_lines(col.label, width))
        _write_column(ws, j, shown, fmt, formats)
        for i, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > width - 2:          # wraps: the row grows
                row_lines[i] = max(row_lines[i], text_lines(value, width))
        if col.name == "status_local":
            for status in STATUS_COLOURS:
                ws.conditional_format(1, j, max(data.num_rows, 1), j, {
                    "type": "cell", "criteria": "==", "value": f'"{status}"', "format": formats[f"status_{status}"]})
    ws.set_row(0, 15 * lines + 3)
    for i, n in enumerate(row_lines):
        if i and n > 1:
            ws.set_row(i, 15 * n)
    ws.freeze_panes(1, table.freeze_columns)
    ws.autofilter(0, 0, max(data.num_rows, 1), len(table.columns) - 1)
    print_setup(ws, widths, table.freeze_columns)


def _write_summary(wb, ws, tables: dict[str, pa.Table], meta: WorkbookMeta, formats: dict) -> None:
    """Title, the key indicators (label, value), and the two native charts."""
    ws.write_string(0, 0, f"Laporan Triwulan TPBIS — {meta.title}", formats["title"])
    ws.write_string(1, 0, meta.quarter_title, formats["bold"])
    ws.write_string(2, 0, f"Keadaan data: {meta.data_state}", formats["subtitle"])
    ws.write_string(4, 0, "Indikator", formats["header"])
    ws.write_string(4, 1, "Nilai", formats["header"])
    row_values = tables[SUMMARY.name].to_pylist()
    values = row_values[0] if row_values else {}
    for i, col in enumerate(SUMMARY.columns, start=5):
        ws.write_string(i, 0, col.label, formats["text"])
        _write_cell(ws, i, 1, values.get(col.name), col.fmt, formats)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 14)
    ws.freeze_panes(5, 0)
    ws.autofilter(4, 0, 4 + len(SUMMARY.columns), 1)
    ws.insert_chart(4, 3, _visits_chart(wb, tables["monthly"].num_rows), {"x_scale": 1.2, "y_scale": 1.1})
    ws.insert_chart(21, 3, _strategy_chart(wb, tables["strategies"].num_rows), {"x_scale": 1.2, "y_scale": 1.1})
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, 38, 11)


def _visits_chart(wb, rows: int):
    sheet = next(t.sheet for t in TABLES if t.name == "monthly")
    chart = wb.add_chart({"type": "column"})
    for col, name, colour in ((2, "Laki-laki", MALE_COLOUR), (3, "Perempuan", FEMALE_COLOUR)):
        chart.add_series({
            "name": name,
            "categories": [sheet, 1, 0, rows, 0],
            "values": [sheet, 1, col, rows, col],
            "fill": {"color": colour},
            "data_labels": {"value": True, "num_format": "#,##0"},
        })
    chart.set_title({"name": "Pengunjung per Bulan (L/P)"})
    chart.set_y_axis({"name": "Pengunjung", "num_format": "#,##0", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    return chart


def _strategy_chart(wb, rows: int):
    sheet = next(t.sheet for t in TABLES if t.name == "strategies")
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({
        "name": "Kegiatan",
        "categories": [sheet, 1, 0, rows, 0],
        "values": [sheet, 1, 1, rows, 1],
        "fill": {"color": "#70AD47"},
        "data_labels": {"value": True, "num_format": "#,##0"},
    })
    chart.set_title({"name": "Kegiatan per Strategi TPBIS"})
    chart.set_x_axis({"name": "Kegiatan", "num_format": "#,##0"})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    return chart


NOTE_WIDTH = 90
THRESHOLD_LABELS = {
    "months_reported": "Bulan dilaporkan (dari 3)",
    "activities": "Kegiatan dalam triwulan",
    "visitors_per_month": "Pengunjung per bulan",
}


def _write_notes(ws, meta: WorkbookMeta, formats: dict) -> None:
    """How to read the workbook, for the officers who print it: short sentences that fit."""
    lines = [
        ("Catatan", "title"),
        (f"Laporan Triwulan TPBIS {meta.quarter_code}, {meta.title}. {meta.quarter_title}.", "note"),
        (f"Keadaan data: {meta.data_state}.", "note"),
        ("Sumber: laporan bulanan perpustakaan desa (Google Sheets) yang dibaca otomatis oleh "
         "sistem Dinas Perpustakaan Provinsi Riau.", "note"),
        ("Desa melapor: desa yang mengirim data apa pun untuk triwulan ini.", "note"),
        ("Laporan lengkap: tiga bulan Kunjungan terisi dan sedikitnya satu Kegiatan.", "note"),
        ("Porsi dan perubahan ditulis dalam persen. Sel kosong: tidak ada pembanding.", "note"),
        ("Standar perpustakaan desa: koleksi minimal 1.000 judul, minimal 2 tenaga, buka minimal "
         "6 jam sehari.", "note"),
        (f"Sheet Wilayah: satu baris per {meta.region_level}.", "note"),
        ("", "note"),
        ("Status (ambang lokal): warna hijau, kuning atau merah di sheet Desa. Ini AMBANG LOKAL "
         "Dinas Perpustakaan Provinsi Riau, bukan indikator Perpusnas.", "note_bold"),
        ("Merah: salah satu indikator di bawah batas kuning. Kuning: di bawah batas hijau. "
         "Hijau: semua indikator mencapai batas hijau.", "note"),
    ]
    for i, (text, fmt) in enumerate(lines):
        if text:
            ws.write_string(i, 0, text, formats[fmt])
            n = text_lines(text, NOTE_WIDTH, 1.2 if fmt == "note_bold" else 1.05)
            if n > 1:
                ws.set_row(i, 15 * n + 2)
    start = len(lines) + 1
    headers = ["Indikator", "Hijau jika minimal", "Kuning jika minimal", "Satuan"]
    for j, h in enumerate(headers):
        ws.write_string(start, j, h, formats["header"])
    for i, t in enumerate(meta.thresholds, start=start + 1):
        ws.write_string(i, 0, THRESHOLD_LABELS.get(t["indicator"], t["indicator"]), formats["plain_text"])
        ws.write_number(i, 1, float(t["hijau_min"]), formats["plain_decimal"])
        ws.write_number(i, 2, float(t["kuning_min"]), formats["plain_decimal"])
        ws.write_string(i, 3, t["unit"], formats["plain_text"])
    ws.set_column(0, 0, NOTE_WIDTH)
    ws.set_column(1, 3, 14)
    ws.set_row(start, 33)
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.fit_to_pages(1, 1)
