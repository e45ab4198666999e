"""The command line as an operator meets it: --version, help naming environment variables,
extract of a quarter not yet ended (refused, or labelled SEMENTARA), --as-of mistakes,
report rounding and --json, the sql shell's dot-commands. On the hand-countable small
warehouse (tests/small_warehouse.py); no Prefect."""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from typer.testing import CliRunner

from tests import small_warehouse as sw
from tpbis.cli.main import app

TODAY = datetime.now(ZoneInfo("Asia/Jakarta")).date()
CURRENT = f"{TODAY.year}Q{(TODAY.month - 1) // 3 + 1}"
NEXT_YEAR = f"{TODAY.year + 1}Q1"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return sw.build(tmp_path_factory.mktemp("small") / "tpbis.duckdb")


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"tpbis \d+\.\d+\.\d+\S*\n", result.output)


@pytest.mark.parametrize("command", ["sync", "extract", "report", "sql", "replay"])
def test_help_names_environment_variables_and_defaults(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "TPBIS_WAREHOUSE" in text and "data/tpbis.duckdb" in text
    if command in ("sync", "replay"):
        assert "TPBIS_REGISTRY" in text and "config/villages.csv" in text
        assert "Village registry CSV ." not in text


def test_help_does_not_swallow_bracketed_text():
    result = run("sheets-server", "--help")
    assert "the 17 sample villages" in " ".join(result.output.split())


@pytest.mark.parametrize("quarter", [CURRENT, NEXT_YEAR])
def test_extract_of_a_quarter_not_ended_is_refused(warehouse, tmp_path, quarter):
    result = run("extract", "--quarter", quarter, "--out", str(tmp_path / "x"), "--warehouse", str(warehouse))
    assert result.exit_code == 2
    (line,) = error_lines(result.output)
    assert line.startswith(f"Error: Quarter {quarter} has not ") and "--provisional" in line
    assert not (tmp_path / "x").exists()


def test_provisional_extract_labels_every_sheet_sementara(warehouse, tmp_path):
    result = run("extract", "--quarter", CURRENT, "--provisional", "--kabupaten", "Bengkalis",
                 "--out", str(tmp_path), "--warehouse", str(warehouse))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / CURRENT / "kab-bengkalis" / f"laporan-triwulan-{CURRENT}-kab-bengkalis.xlsx")
    for ws in wb.worksheets:
        assert "SEMENTARA" in ws.oddHeader.center.text, ws.title
    assert wb["Ringkasan"]["A4"].value.startswith("SEMENTARA")
    # a quarter that has ended carries no label
    final = tmp_path / "final"
    assert run("extract", "--quarter", "2022Q4", "--kabupaten", "Bengkalis", "--out", str(final),
               "--warehouse", str(warehouse)).exit_code == 0
    wb = openpyxl.load_workbook(final / "2022Q4" / "kab-bengkalis" / "laporan-triwulan-2022Q4-kab-bengkalis.xlsx")
    assert not any("SEMENTARA" in (ws.oddHeader.center.text or "") for ws in wb.worksheets)
    assert wb["Ringkasan"]["A4"].value is None


@pytest.mark.parametrize("command", [["extract", "--quarter", "2022Q4"], ["report", "quarterly_kabupaten"],
                                     ["sql", "select 1"]])
@pytest.mark.parametrize("as_of, says", [
    ("15-01-2023", "--as-of must be a day written YYYY-MM-DD (e.g. 2023-01-15), not '15-01-2023'"),
    ("2023-06-01", "--as-of 2023-06-01 is before the first sync of "),
])
def test_as_of_mistakes_say_so_in_one_line(warehouse, tmp_path, command, as_of, says):
    result = run(*command, "--as-of", as_of, "--warehouse", str(warehouse),
                 *(["--out", str(tmp_path)] if command[0] == "extract" else []))
    assert result.exit_code == 2
    (line,) = error_lines(result.output)
    assert says in line and "isoformat" not in line
    if "before" in says:
        assert str(warehouse.resolve()) in line


def test_report_shows_ratios_as_percentages_and_json_keeps_numbers(warehouse):
    args = ["report", "quarterly_participants", "--quarter", "2022Q4", "--warehouse", str(warehouse)]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "76.0 %" in result.output and "62.5 %" in result.output and "66.7 %" in result.output
    assert "0.76" not in result.output and "0.625" not in result.output and "0.666" not in result.output
    result = run(*args, "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    alpha = next(r for r in rows if r["kode_desa"] == sw.ALPHA)
    assert alpha["participants_female_share"] == 19 / 25 and alpha["quarter"] == "2022Q4"
    gamma = next(r for r in rows if r["kode_desa"] == sw.GAMMA)
    assert gamma["participants_female_share"] is None


def test_sql_shell_understands_dot_commands(warehouse):
    script = ".help\n.tables\n.schema villages\nselect 40 + 2 as answer;\nselect 'not reached';\n"
    result = run("sql", "--warehouse", str(warehouse), input=script.replace("select 'not", ".quit\nselect 'not"))
    assert result.exit_code == 0, result.output
    out = result.output
    assert ".quit / .exit" in out                          # .help
    assert "report.villages" in out and "report.quarterly_indicators" in out   # .tables
    assert "kode_desa  VARCHAR" in out                      # .schema
    assert "42" in out and "not reached" not in out         # a query, then .quit stops
    result = run("sql", "--warehouse", str(warehouse), input=".nonsense\n.exit\n")
    assert "Unknown command .nonsense (try .help)" in result.output and result.exit_code == 0


def test_extract_reports_progress_per_scope_in_plain_lines(warehouse, tmp_path):
    """Not a terminal (CliRunner): one plain line per scope written, done/total, then the end."""
    result = run("extract", "--quarter", "2022Q4", "--out", str(tmp_path), "--warehouse", str(warehouse))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("extract: 2022Q4: reading the warehouse")
    workbooks = sorted(tmp_path.glob("2022Q4/*/*.xlsx"))
    total = len(workbooks)
    assert total >= 2                                   # the province and its kabupaten
    counts = [re.match(r"extract (?:progress|done): scopes (\d+)/(\d+)", line) for line in lines]
    counts = [(int(m.group(1)), int(m.group(2))) for m in counts if m]
    assert counts == [(n, total) for n in range(1, total + 1)] + [(total, total)]
    assert [line for line in lines if line.startswith("extract done")][0].startswith(f"extract done: scopes {total}/{total}; ")
