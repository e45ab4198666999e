"""The registry kept in a Google Sheet (`--registry gsheet:KEY`): read through the same client
with one values read and no metadata read, and checked exactly like the CSV file."""
from __future__ import annotations

import csv
import json
import shutil

import pytest
from typer.testing import CliRunner

from tpbis.cli.main import app
from tpbis.registry import RegistryError, read_registry
from tpbis.settings import CONFIG_DIR
from tpbis.local_sheets.server import SheetsServer

REGISTRY_KEY = "1RegistryTPBISRiau_0123456789abcdefghij"
with open(CONFIG_DIR / "villages.csv", newline="", encoding="utf-8") as f:
    HEADER, *ROWS = list(csv.reader(f))
READY = ["14.03.01.2020", "14.03.02.2008"]          # sample villages whose sheets match the template


def typed(row: list[str]) -> list:
    """A row as a person types it into Sheets: the year becomes a number."""
    return [int(v) if HEADER[i] == "tahun_kelompok" and v.isdigit() else v for i, v in enumerate(row)]


@pytest.fixture
def server(sample_files, tmp_path, monkeypatch):
    """The sample villages plus a registry workbook (a JSON file in the server's data dir)."""
    data = tmp_path / "sheets"
    shutil.copytree(sample_files, data)
    rows = [r for r in ROWS if r[0] in READY]
    (data / f"{REGISTRY_KEY}.json").write_text(json.dumps({
        "spreadsheetId": REGISTRY_KEY, "title": "Registri Desa TPBIS Riau",
        "sheets": [{"title": "Desa", "rows": [["Registri perpustakaan desa"], [], HEADER]},   # not the registry
                   {"title": "Registri", "rows": [HEADER, *map(typed, rows)]},
                   {"title": "Salah", "rows": [HEADER, *map(typed, rows), typed(rows[0])]}]}))
    # the registry is the FIRST tab: move "Registri" first, keep the others to read by name
    book = json.loads((data / f"{REGISTRY_KEY}.json").read_text())
    book["sheets"].insert(0, book["sheets"].pop(1))
    (data / f"{REGISTRY_KEY}.json").write_text(json.dumps(book))
    with SheetsServer(data_dir=data) as srv:
        monkeypatch.setenv("TPBIS_SHEETS_API_URL", srv.url)
        monkeypatch.setenv("TPBIS_DRIVE_API_URL", srv.url)
        monkeypatch.setenv("TPBIS_SHEETS_READS_PER_MINUTE", "100000")
        yield srv


def test_first_tab_is_read_with_one_values_read_and_checked_like_the_csv(server, tmp_path):
    server.counters.reset()
    df = read_registry(f"gsheet:{REGISTRY_KEY}")
    assert server.counters.total("sheets.metadata") == 0
    assert server.counters.total() == 1                              # one values read, nothing else
    assert list(df["kode_desa"]) == READY
    assert set(df["tahun_kelompok"]) <= {r[HEADER.index("tahun_kelompok")] for r in ROWS}   # "2019", not 2019.0
    as_csv = tmp_path / "villages.csv"
    with open(as_csv, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *(r for r in ROWS if r[0] in READY)])
    assert df.equals(read_registry(as_csv))                          # the same registry either way


def test_a_first_tab_narrower_than_the_range_is_read_by_name(server):
    server.faults.status(REGISTRY_KEY, 400, times=1)             # Google: "exceeds grid limits"
    server.counters.reset()
    assert list(read_registry(f"gsheet:{REGISTRY_KEY}")["kode_desa"]) == READY
    assert server.counters.total("sheets.metadata") == 1


def test_a_defect_in_the_sheet_is_refused_like_the_csvs(server, tmp_path):
    with pytest.raises(RegistryError) as from_sheet:
        read_registry(f"gsheet:{REGISTRY_KEY}#Salah")                # a kode_desa twice
    bad = tmp_path / "bad.csv"
    with open(bad, "w", newline="", encoding="utf-8") as f:
        rows = [r for r in ROWS if r[0] in READY]
        csv.writer(f).writerows([HEADER, *rows, rows[0]])
    with pytest.raises(RegistryError) as from_csv:
        read_registry(bad)
    assert "duplicate kode_desa" in str(from_sheet.value)
    assert str(from_sheet.value).split(": ", 1)[1] == str(from_csv.value).split(": ", 1)[1]
    with pytest.raises(RegistryError, match="missing column"):
        read_registry(f"gsheet:{REGISTRY_KEY}#Desa")                 # a title row, no registry header


def test_commands_take_a_sheet_registry_and_name_an_unreadable_one(server, monkeypatch):
    result = CliRunner().invoke(app, ["check-access", "--registry", f"gsheet:{REGISTRY_KEY}"])
    assert result.exit_code == 0, result.output
    assert "2 dari 2 spreadsheet siap" in result.output
    monkeypatch.setenv("TPBIS_REGISTRY", f"gsheet:{REGISTRY_KEY}")
    assert CliRunner().invoke(app, ["check-access"]).exit_code == 0
    server.faults.status(REGISTRY_KEY, 403)
    refused = CliRunner().invoke(app, ["check-access"])
    assert refused.exit_code == 2 and "not shared with" in refused.output and REGISTRY_KEY in refused.output
    bad_key = CliRunner().invoke(app, ["check-access", "--registry", "gsheet:not a key"])
    assert bad_key.exit_code == 2 and "not a Google spreadsheet key" in bad_key.output
