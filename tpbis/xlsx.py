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
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import xlsxwriter

from tpbis.extract_layout import (NOTES_SHEET, NUMBER_FORMATS, SUMMARY, TABLES, Table, display)

WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
HEADER_FILL = "#DDEBF7"
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


PROVISIONAL_LABEL = "SEMENTARA: triwulan belum berakhir, angka masih dapat berubah"


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
        _write_table(wb.add_worksheet(table.sheet), table, tables[table.name], formats)
    _write_summary(wb, summary, tables, meta, formats)
    _write_notes(wb.add_worksheet(NOTES_SHEET), meta, formats)
    if meta.provisional:        # on every sheet, on paper too: these figures will still change
        for ws in wb.worksheets():
            ws.set_header(f"&C&\"-,Bold\"{PROVISIONAL_LABEL}")
        summary.write_string(3, 0, PROVISIONAL_LABEL, formats["bold"])
    wb.close()
    return path


def _formats(wb) -> dict:
    f = {name: wb.add_format({"num_format": spec}) for name, spec in NUMBER_FORMATS.items()}
    f["text"] = f["yesno"] = f["cohort"] = wb.add_format({})
    f["header"] = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1,
                                 "text_wrap": True, "valign": "top"})
    f["title"] = wb.add_format({"bold": True, "font_size": 14})
    f["subtitle"] = wb.add_format({"italic": True})
    f["bold"] = wb.add_format({"bold": True})
    return f


def _write_cell(ws, row: int, col: int, value, fmt_name: str, formats: dict) -> None:
    """Text is always a string cell; numbers are numbers; nothing else is ever written."""
    value = display(value, fmt_name)
    if value is None or value == "":
        return                                  # a blank cell, not an empty text
    if isinstance(value, str):
        ws.write_string(row, col, value, formats["text"])
    elif isinstance(value, bool):
        ws.write_string(row, col, "Ya" if value else "Tidak", formats["text"])
    else:
        ws.write_number(row, col, value, formats[fmt_name])


def _width(label: str, values: list) -> float:
    longest = max([len(str(v)) for v in values[:500] if v is not None] + [0])
    return min(max(longest + 2, len(label) * 0.6 + 2, 8), 48)


def _write_table(ws, table: Table, data: pa.Table, formats: dict) -> None:
    """Header in row 1, frozen, with a filter; one row per record below."""
    columns = {c: data.column(c.name).to_pylist() for c in table.columns}
    for j, (col, values) in enumerate(columns.items()):
        ws.write_string(0, j, col.label, formats["header"])
        shown = [display(v, col.fmt) for v in values]
        ws.set_column(j, j, _width(col.label, shown))
        for i, value in enumerate(values, start=1):
            _write_cell(ws, i, j, value, col.fmt, formats)
    ws.set_row(0, 45)
    ws.freeze_panes(1, table.freeze_columns)
    ws.autofilter(0, 0, max(data.num_rows, 1), len(table.columns) - 1)
    _print_setup(ws, pages_tall=0)
    ws.repeat_rows(0)


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
    _print_setup(ws, pages_tall=1)
    ws.print_area(0, 0, 38, 11)


def _print_setup(ws, pages_tall: int) -> None:
    """Staff print these: A4 landscape, one page wide (pages_tall 0 = as many as needed)."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, pages_tall)


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


def _write_notes(ws, meta: WorkbookMeta, formats: dict) -> None:
    """How to read the workbook, and the local thresholds, labelled as local."""
    lines = [
        ("Catatan", "title"),
        (f"Laporan Triwulan TPBIS {meta.quarter_code} — {meta.title}. {meta.quarter_title}.", "text"),
        (f"Keadaan data: {meta.data_state}.", "text"),
        ("Sumber: laporan desa (Google Sheets) yang dimuat ke gudang data TPBIS; "
         "tampilan report.* (lihat docs/reports.md).", "text"),
        ("Desa melapor: mengirim data apa pun untuk triwulan itu. Laporan lengkap: tiga bulan "
         "Kunjungan dan sedikitnya satu Kegiatan.", "text"),
        ("Porsi dan perubahan ditampilkan sebagai persen; kosong bila tidak ada pembanding.", "text"),
        ("Standar perpustakaan desa: koleksi minimal 1.000 judul, tenaga minimal 2 orang, "
         "buka minimal 6 jam per hari.", "text"),
        (f"Sheet Wilayah: satu baris per {meta.region_level}.", "text"),
        ("", "text"),
        ("Status (ambang lokal): AMBANG LOKAL Dinas Perpustakaan Provinsi Riau "
         "(config/report_thresholds.csv), bukan indikator Perpusnas. Merah bila salah satu "
         "indikator di bawah batas kuning; kuning bila di bawah batas hijau; selain itu hijau.", "bold"),
    ]
    for i, (text, fmt) in enumerate(lines):
        if text:
            ws.write_string(i, 0, text, formats[fmt])
    start = len(lines) + 1
    headers = ["Indikator", "Hijau jika minimal", "Kuning jika minimal", "Satuan", "Keterangan"]
    for j, h in enumerate(headers):
        ws.write_string(start, j, h, formats["header"])
    for i, t in enumerate(meta.thresholds, start=start + 1):
        ws.write_string(i, 0, t["indicator"], formats["text"])
        ws.write_number(i, 1, float(t["hijau_min"]), formats["decimal"])
        ws.write_number(i, 2, float(t["kuning_min"]), formats["decimal"])
        ws.write_string(i, 3, t["unit"], formats["text"])
        ws.write_string(i, 4, t["description"], formats["text"])
    ws.set_column(0, 0, 24)
    ws.set_column(1, 3, 18)
    ws.set_column(4, 4, 90)
