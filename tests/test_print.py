"""The quarterly workbook as an officer prints it: rendered to PDF by LibreOffice headless (one
workbook, one conversion), then read back with poppler's pdftotext.

LibreOffice and poppler-utils come from scripts/install_print_tools.sh (run by
scripts/setup.sh); without them this test fails, it does not skip.
"""
from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from tests import small_warehouse as sw
from tpbis.extract.write import write_extract
from tpbis.wib import Quarter
from tpbis.extract.layout import TABLES

# Arial/Liberation Sans Bold advance widths (em) of what headers are made of; default: 0.611.
BOLD_EM = {**dict.fromkeys("ijl", 0.278), **dict.fromkeys("ft", 0.333), "r": 0.389, "m": 0.889, "w": 0.778,
           "s": 0.556, "a": 0.556, "e": 0.556, "c": 0.556, "k": 0.556, "z": 0.5, "v": 0.556, "y": 0.556,
           **dict.fromkeys("/()-.,", 0.333), "%": 0.889, " ": 0.278,
           **dict.fromkeys("0123456789", 0.556), **dict.fromkeys("MW", 0.944)}
FONT_PX = 11 * 96 / 72            # 11 pt at 96 dpi
PAGE_LIMITS = {"Ringkasan": 1, "Desa": 5, "Catatan": 1}   # every other sheet: at most 2 pages


def bold_px(word: str) -> float:
    return sum(BOLD_EM.get(ch, 0.722 if ch.isupper() else 0.611) for ch in word) * FONT_PX


def column_px(width: float) -> int:
    """Excel's column width (characters of the default font, Calibri 11: 7 px a digit) in pixels."""
    return int(width * 7 + 5)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict:
    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    assert soffice and pdftotext, "LibreOffice and poppler-utils are missing: run scripts/install_print_tools.sh"
    root = tmp_path_factory.mktemp("print")
    warehouse = sw.build(root / "tpbis.duckdb")
    [xlsx] = [p for p in write_extract(warehouse, Quarter.parse("2022Q4"), root / "out", kabupaten="Bengkalis")
              if p.suffix == ".xlsx"]
    profile = root / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(root), str(xlsx)], check=True, capture_output=True, timeout=180)
    pdf = root / (xlsx.stem + ".pdf")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return {"xlsx": xlsx, "pages": [p for p in text.split("\f") if p.strip()]}


def sheet_of(page: str, names: list[str]) -> str:
    """The sheet a page belongs to: its header ends with the sheet's name."""
    first = next(line for line in page.splitlines() if line.strip()).rstrip()
    return max((n for n in names if first.endswith(n)), key=len)


def test_every_sheet_prints_on_a_sensible_number_of_pages(printed):
    book = openpyxl.load_workbook(printed["xlsx"])
    pages = Counter(sheet_of(p, book.sheetnames) for p in printed["pages"])
    assert set(pages) == set(book.sheetnames)
    for name in book.sheetnames:
        assert 1 <= pages[name] <= PAGE_LIMITS.get(name, 2), (name, pages[name])
    for number, page in enumerate(printed["pages"], start=1):
        assert "Laporan Triwulan TPBIS 2022Q4 — Kabupaten Bengkalis" in page            # header
        assert f"Halaman {number} dari {len(printed['pages'])}" in page                # footer


def test_wide_sheets_print_readably_with_key_columns_on_every_page(printed):
    book = openpyxl.load_workbook(printed["xlsx"])
    desa = book["Desa"]
    setup = desa.page_setup
    assert (setup.paperSize, setup.orientation) == (9, "landscape")                     # A4 landscape
    assert setup.scale and setup.scale >= 70 and not desa.sheet_properties.pageSetUpPr.fitToPage
    assert desa.print_title_rows == "$1:$1" and desa.print_title_cols == "$A:$B"
    desa_pages = [p for p in printed["pages"] if sheet_of(p, book.sheetnames) == "Desa"]
    assert len(desa_pages) >= 2 and all("14.03.01.2001" in p and "Alpha" in p for p in desa_pages)
    for table in TABLES[1:]:
        ws = book[table.sheet]
        assert ws.print_title_rows == "$1:$1", table.sheet
        if ws.sheet_properties.pageSetUpPr.fitToPage:
            assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), table.sheet  # None: 1


def widths(ws) -> dict[int, float]:
    """Column widths by 1-based index (a <col> element may cover several columns)."""
    return {i: dim.width for dim in ws.column_dimensions.values() for i in range(dim.min, dim.max + 1)}


def test_no_column_is_narrower_than_its_header_word(printed):
    book = openpyxl.load_workbook(printed["xlsx"])
    for table in TABLES[1:]:
        ws = book[table.sheet]
        width_of = widths(ws)
        for j, col in enumerate(table.columns, start=1):
            width = width_of[j]
            word = max(col.label.split(), key=bold_px)
            assert column_px(width) >= bold_px(word) + 4, (table.sheet, col.label, width)
            assert ws.cell(1, j).alignment.wrap_text
    text = "\n".join(printed["pages"])
    for col in next(t for t in TABLES if t.name == "villages").columns:     # printed whole, never cut mid-word
        assert max(col.label.split(), key=len) in text, col.label


def test_numbers_dates_and_status_colours(printed):
    book = openpyxl.load_workbook(printed["xlsx"])
    desa = book["Desa"]
    header = [c.value for c in desa[1]]
    visitors = desa.cell(2, header.index("Pengunjung Total") + 1)
    assert visitors.alignment.horizontal == "right" and visitors.number_format == "#,##0"
    status = header.index("Status (ambang lokal)") + 1
    letter = desa.cell(1, status).column_letter
    rules = {r.formula[0]: r.dxf.fill.bgColor.rgb for cf in desa.conditional_formatting for r in cf.rules
             if str(cf.sqref).startswith(letter)}
    assert rules == {'"hijau"': "FFC6EFCE", '"kuning"': "FFFFEB9C", '"merah"': "FFFFC7CE"}
    month = book["Kunjungan per Bulan"]["A2"]
    assert month.value.date().isoformat() == "2022-10-01" and month.number_format == "[$-421]mmmm yyyy"
    assert any("Oktober 2022" in p for p in printed["pages"])                  # shown in Indonesian
    notes = " ".join(str(c.value) for row in book["Catatan"].iter_rows() for c in row if c.value)
    for developer_word in ("docs/", "report.", "months_reported", "visitors_per_month", ".csv", "config/"):
        assert developer_word not in notes
    assert "AMBANG LOKAL" in notes and "Bulan dilaporkan (dari 3)" in notes
