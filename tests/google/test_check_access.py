"""`tpbis check-access` against the local server: a shared sheet, one not shared with the
service account (403), one deleted (404), and drifted ones, each with its fix in Indonesian."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tpbis.cli.main import app
from tpbis.settings import CONFIG_DIR

runner = CliRunner()
HEADER, *ROWS = (CONFIG_DIR / "villages.csv").read_text(encoding="utf-8").splitlines()
BY_CODE = {r.split(",")[0]: r for r in ROWS}
KEY = {code: row.split(",")[-1] for code, row in BY_CODE.items()}
OK, NOT_SHARED, DELETED, OLD_TEMPLATE, EDITED = (
    "14.03.01.2020", "14.03.01.2021", "14.03.02.2008", "14.03.02.2010", "14.03.02.2012")


@pytest.fixture
def env(local_sheets_env, tmp_path):
    """The local server, and a registry of the sample villages named."""
    def registry(*codes: str):
        path = tmp_path / "villages.csv"
        path.write_text("\n".join([HEADER, *(BY_CODE[c] for c in codes)]) + "\n", encoding="utf-8")
        return path
    return registry


def test_check_access_reports_each_village_with_its_fix(env, sheets_server):
    registry = env(OK, NOT_SHARED, DELETED, OLD_TEMPLATE, EDITED)
    sheets_server.faults.status(KEY[NOT_SHARED], 403)
    sheets_server.faults.status(KEY[DELETED], 404)
    book = sheets_server.get_workbook(KEY[EDITED])
    kegiatan = next(s for s in book["sheets"] if s["title"] == "Kegiatan")
    kegiatan["rows"][0] = [c for c in kegiatan["rows"][0] if c != "Tanggal"]     # a required column gone
    sheets_server.put_workbook(book)
    sheets_server.counters.reset()

    result = runner.invoke(app, ["check-access", "--registry", str(registry), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    status = {v["kode_desa"]: v for v in report["villages"]}
    assert {k: v["status"] for k, v in status.items()} == {
        OK: "ok", NOT_SHARED: "not_shared", DELETED: "deleted", OLD_TEMPLATE: "template_drift",
        EDITED: "template_drift"}
    assert report["needs_action"] == 4
    assert status[OK]["fix"] == "" and status[OK]["listed"] is True
    assert not status[NOT_SHARED]["listed"] and not status[DELETED]["listed"]
    assert report["service_account"] in status[NOT_SHARED]["fix"] and "Viewer" in status[NOT_SHARED]["fix"]
    assert "Bagikan" in status[NOT_SHARED]["fix"]
    assert "Sampah" in status[DELETED]["fix"] and "registri" in status[DELETED]["fix"]
    assert "Strategi" in status[OLD_TEMPLATE]["fix"]
    assert "Tanggal" in status[EDITED]["fix"] and "wajib" in status[EDITED]["fix"]
    assert {f["code"] for f in status[EDITED]["findings"]} == {"missing_column"}
    # one Drive listing, one metadata read per registered sheet
    assert sheets_server.counters.total("drive.files.list") == 1
    assert sheets_server.counters.total("sheets.metadata") == 5

    table = runner.invoke(app, ["check-access", "--registry", str(registry)])
    assert table.exit_code == 1
    assert "belum dibagikan" in table.output and "terhapus" in table.output and "beda template" in table.output
    assert "1 dari 5 spreadsheet siap; 4 perlu ditindaklanjuti." in table.output


def test_check_access_exits_0_when_every_sheet_is_ready(env, sheets_server):
    result = runner.invoke(app, ["check-access", "--registry", str(env(OK, EDITED))])
    assert result.exit_code == 0, result.output
    assert "2 dari 2 spreadsheet siap; 0 perlu ditindaklanjuti." in result.output


def test_check_access_refuses_a_broken_registry(env, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + BY_CODE[OK] + "\n" + BY_CODE[OK] + "\n", encoding="utf-8")
    result = runner.invoke(app, ["check-access", "--registry", str(bad)])
    assert result.exit_code == 2 and "duplicate" in result.output
