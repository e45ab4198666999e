"""What the extract does with awkward text and for Indonesian Excel, through `tpbis extract`:
control characters never reach the CSV or the .xlsx; text over Excel's 32,767 characters is
cut visibly; `--csv-locale id` writes `;`-separated CSV with decimal commas."""
from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from tests import small_warehouse as sw
from tpbis.cli.main import app
from transforms.text import CUT_MARK, EXCEL_MAX_CHARS

CONTROL = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 127]))
LONG = "Perpustakaan " + "panjang " * 5000               # 40,013 characters


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The small warehouse, with Alpha's library name full of control characters and Beta's
    longer than an Excel cell (as an older load or another writer might have left them)."""
    path = sw.build(tmp_path_factory.mktemp("odd") / "tpbis.duckdb")
    con = duckdb.connect(str(path))
    con.execute("update core.profile set library_name = ? where kode_desa = ?", [f"Alpha\x00{CONTROL}Pustaka", sw.ALPHA])
    con.execute("update core.profile set library_name = ? where kode_desa = ?", [LONG, sw.BETA])
    con.close()
    return path


def extract(warehouse: Path, out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(app, ["extract", "--quarter", "2022Q4", "--kabupaten", "Bengkalis",
                                      "--out", str(out), "--warehouse", str(warehouse), *extra])
    assert result.exit_code == 0, result.output
    return out / "2022Q4" / "kab-bengkalis"


def test_control_characters_and_over_long_text_never_reach_the_files(warehouse, tmp_path):
    folder = extract(warehouse, tmp_path)
    xlsx = folder / "laporan-triwulan-2022Q4-kab-bengkalis.xlsx"
    with zipfile.ZipFile(xlsx) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert not any(ch in xml for ch in CONTROL.replace("\n", "").replace("\t", ""))
    names = {r[0].value: r[5].value for r in openpyxl.load_workbook(xlsx)["Desa"].iter_rows(min_row=2)}
    assert names[sw.ALPHA] == "AlphaPustaka"
    assert len(names[sw.BETA]) == EXCEL_MAX_CHARS and names[sw.BETA].endswith(CUT_MARK)
    text = (folder / "laporan-triwulan-2022Q4-kab-bengkalis.csv").read_text(encoding="utf-8-sig")
    assert not any(ch in text for ch in CONTROL if ch not in "\n")
    rows = {r["Kode Desa"]: r for r in csv.DictReader(text.splitlines())}
    assert rows[sw.ALPHA]["Nama Perpustakaan"] == "AlphaPustaka"
    assert rows[sw.BETA]["Nama Perpustakaan"].endswith(CUT_MARK)


def test_csv_for_indonesian_excel(warehouse, tmp_path):
    folder = extract(warehouse, tmp_path, "--csv-locale", "id")
    raw = (folder / "laporan-triwulan-2022Q4-kab-bengkalis.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                                     # UTF-8 with BOM
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0]["Kode Desa"] == sw.ALPHA and "Pengunjung Total" in rows[0]
    shares = [r["Porsi Peserta Perempuan"] for r in rows if r["Porsi Peserta Perempuan"]]
    assert shares and all("," in s and "." not in s for s in shares)            # decimal comma
    index = (folder / "BACA-SAYA.txt").read_text(encoding="utf-8-sig")
    assert "titik koma (;)" in index
    bad = CliRunner().invoke(app, ["extract", "--quarter", "2022Q4", "--csv-locale", "fr",
                                   "--out", str(tmp_path / "x"), "--warehouse", str(warehouse)])
    assert bad.exit_code == 2 and "--csv-locale" in bad.output
