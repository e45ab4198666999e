"""Regenerate the README's screenshots (docs/img/): the printed `Desa` page of the quarterly
workbook and a village's `Validasi` tab. Needs LibreOffice and pdftoppm
(scripts/install_print_tools.sh). Runs the real sync against the local Sheets server with the
17 sample villages, with write-back, then the extract; ~1 minute.

    .venv/bin/python scripts/screenshots.py
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

VILLAGE = "14.03.02.2010"          # Resam Lapis: an older template, some rows rejected


def pdf_page_png(pdf: Path, page: int, target: Path, dpi: int = 80) -> None:
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", "-singlefile",
                    str(pdf), str(target.with_suffix(""))], check=True)


def to_pdf(xlsx: Path, work: Path) -> Path:
    subprocess.run(["soffice", f"-env:UserInstallation=file://{work / 'lo'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), str(xlsx)], check=True, capture_output=True)
    return work / (xlsx.stem + ".pdf")


def validasi_xlsx(sheet: dict, path: Path) -> Path:
    """The stored Validasi tab as an .xlsx that looks as it does in Google Sheets."""
    import xlsxwriter
    from tpbis.village_sheets.writeback import GREEN, RED, REJECTED_HEADER
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Validasi")
    bold = book.add_format({"bold": True})
    link = book.add_format({"font_color": "#1155CC", "underline": 1})
    for column, pixels in enumerate([150, 110, 170, 200, 520, 130]):
        ws.set_column_pixels(column, column, pixels)
    for i, row in enumerate(sheet["rows"]):
        first = row[0] if row else None
        if i == 1:
            fill = GREEN if str(first).startswith("SEMUA") else RED
            fmt = book.add_format({"bold": True, "bg_color": fill})
            ws.write_row(i, 0, [first] + [""] * 5, fmt)
            continue
        heading = i == 0 or (row[:5] == REJECTED_HEADER[:5]) or first in ("Tab", "Jumlah")
        for j, cell in enumerate(row):
            if isinstance(cell, dict) and "formula" in cell:
                ws.write_string(i, j, str(cell.get("value") or ""), link)
            elif isinstance(cell, (int, float)):
                ws.write_number(i, j, cell, bold if heading else None)
            elif cell is not None:
                ws.write_string(i, j, str(cell), bold if heading else None)
    ws.freeze_panes(2, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    book.close()
    return path


def main() -> None:
    from tpbis.local_sheets import sample
    from tpbis.local_sheets.server import SheetsServer
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = sample.sample_dir(work / "sheets")
        with SheetsServer(data_dir=data) as server:
            os.environ.update({
                "TPBIS_SHEETS_API_URL": server.url, "TPBIS_DRIVE_API_URL": server.url,
                "TPBIS_SHEETS_READS_PER_MINUTE": "100000", "TPBIS_SHEETS_WRITES_PER_MINUTE": "100000",
                "TPBIS_WAREHOUSE": str(work / "wh" / "tpbis.duckdb"), "TPBIS_FULL_SWEEP_DAYS": "0"})
            from flows.nightly_sync import nightly_sync
            from tpbis.registry import read_registry
            from tpbis.settings import CONFIG_DIR
            nightly_sync(write_back=True)
            registry = read_registry(CONFIG_DIR / "villages.csv")
            key = dict(zip(registry["kode_desa"], registry["spreadsheet_key"]))[VILLAGE]
            sheet = next(s for s in server.get_workbook(key)["sheets"] if s["title"] == "Validasi")
        pdf = to_pdf(validasi_xlsx(sheet, work / "validasi.xlsx"), work)
        pdf_page_png(pdf, 1, ROOT / "docs" / "img" / "validasi-tab.png", dpi=70)
        from tpbis.extract.write import Quarter, write_extract
        [xlsx] = [p for p in write_extract(work / "wh" / "tpbis.duckdb", Quarter.parse("2022Q4"), work / "out",
                                           kabupaten="Bengkalis") if p.suffix == ".xlsx"]
        shutil.copy(xlsx, work / "book.xlsx")
        pdf = to_pdf(work / "book.xlsx", work)
        pdf_page_png(pdf, 2, ROOT / "docs" / "img" / "extract-desa-printed-2022Q4-kab-bengkalis.png", dpi=70)
    print("docs/img/validasi-tab.png, docs/img/extract-desa-printed-2022Q4-kab-bengkalis.png")


if __name__ == "__main__":
    main()
