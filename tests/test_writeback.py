"""`tpbis sync --write-back`: each village's validation results in a `Validasi` tab of its own
sheet, written through gspread to the real local server, read back through gspread."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import duckdb
import pytest

from flows.nightly_sync import nightly_sync
from tpbis import sheets, warehouse
from tpbis.registry import read_registry
from tpbis.settings import CONFIG_DIR, Settings
from tpbis.writeback import (NOTHING_REJECTED, REJECTED_HEADER, VALIDASI, replace_requests, validasi_tab,
                             write_back_run)

pytestmark = pytest.mark.usefixtures("prefect_harness")

REGISTRY = read_registry(CONFIG_DIR / "villages.csv")
KEYS = dict(zip(REGISTRY["kode_desa"], REGISTRY["spreadsheet_key"]))
JANGKANG = "14.03.02.2008"


@pytest.fixture
def wb_env(sync_env, monkeypatch):
    """The sync environment, with a write pace the local server answers at once."""
    monkeypatch.setenv("TPBIS_SHEETS_WRITES_PER_MINUTE", "100000")
    return sync_env


def query(path, q, params=None):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(q, params or []).fetchall()
    finally:
        con.close()


def other_tabs(server) -> dict:
    """Every tab but Validasi of every sheet, as stored: titles, order, cells, properties."""
    out = {}
    for key in server.keys():
        book = server.get_workbook(key)
        out[key] = [sheet for sheet in book["sheets"] if sheet["title"].strip().casefold() != "validasi"]
    return out


def validasi(key: str) -> list[list[str]]:
    """The Validasi tab as a librarian sees it (formatted values), read through gspread."""
    conn = sheets.connect(Settings.from_env())
    return conn.client.open_by_key(key).worksheet(VALIDASI).get_all_values()


def _trim(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row = row[:-1]
    return row


def rejected_lines(rows: list[list[str]]) -> list[tuple]:
    start = next(i for i, r in enumerate(rows) if _trim(r) == REJECTED_HEADER) + 1
    lines = [tuple(_trim(r) + [""] * (5 - len(_trim(r)))) for r in rows[start:] if any(r)]
    return [] if lines == [(NOTHING_REJECTED, "", "", "", "")] else lines


def expected_lines(path, kode: str) -> list[tuple]:
    rows = query(path, 'select tab, row_number, "column", value, message from report.rejected_rows '
                       "where kode_desa = ?", [kode])
    return [(t, str(n), c or "", v or "", m) for t, n, c, v, m in rows]


def counts_section(rows: list[list[str]]) -> dict:
    start = next(i for i, r in enumerate(rows) if r[:2] == ["Tab", "Baris dibaca"]) + 1
    out = {}
    for row in rows[start:]:
        if row[0] == "Jumlah":
            return out
        out[row[0]] = tuple(int(x) for x in row[1:4])
    raise AssertionError("no Jumlah line")


def test_validasi_lists_exactly_the_rejected_rows_and_touches_no_other_tab(wb_env, sheets_server):
    before = other_tabs(sheets_server)
    summary = nightly_sync(write_back=True)
    assert summary["villages_failed"] == 0 and summary["villages_loaded"] == 17
    assert other_tabs(sheets_server) == before
    # one tab-list read and one batchUpdate per village; nothing through the values endpoints
    assert sheets_server.counters.total("sheets.batchUpdate") == 17
    assert sheets_server.counters.total("sheets.values.write") == 0
    assert sheets_server.counters.total("sheets.metadata") == 17
    with_rejections = 0
    for kode, key in KEYS.items():
        rows = validasi(key)
        assert rows[2][:2] == ["Kode Desa", kode]
        assert rows[1][0] == "Diperiksa pada" and rows[1][1].endswith("WIB")
        expected = expected_lines(wb_env, kode)
        assert Counter(rejected_lines(rows)) == Counter(expected), kode
        with_rejections += bool(expected)
        tab_counts = query(wb_env, "select tab, rows_read, rows_loaded, rows_rejected from core.tab_counts "
                                   "where kode_desa = ? and valid_to is null", [kode])
        assert counts_section(rows) == {t: (r, l, j) for t, r, l, j in tab_counts}
    assert with_rejections == 7             # the sample's messy villages really are listed
    outcomes = query(wb_env, "select status, count(*), bool_and(state_advanced) from core.writebacks group by all")
    assert outcomes == [("written", 17, True)]


def test_unchanged_village_is_not_reread_next_night_despite_write_back(wb_env, sheets_server):
    nightly_sync(write_back=True)
    sheets_server.counters.reset()
    summary = nightly_sync(write_back=True)
    assert summary["villages_skipped"] == 17 and summary["villages_failed"] == 0
    assert sheets_server.counters.total("sheets.batchGet") == 0
    assert sheets_server.counters.total("sheets.batchUpdate") == 0      # nothing new to tell anyone


def test_changed_village_gets_its_validasi_tab_replaced(wb_env, sheets_server):
    nightly_sync(write_back=True)
    key = KEYS[JANGKANG]
    book = sheets_server.get_workbook(key)
    kunjungan = next(s for s in book["sheets"] if s["title"].strip().lower() == "kunjungan")
    kunjungan["rows"].append(["Desember 2014", 1, 1])            # rejected: before 2015
    sheets_server.put_workbook(book)
    before = other_tabs(sheets_server)
    sheets_server.counters.reset()
    summary = nightly_sync(write_back=True)
    assert summary["villages_loaded"] == 1
    assert sheets_server.counters.for_key(key).get("sheets.batchUpdate") == 1
    assert sheets_server.counters.total("sheets.batchUpdate") == 1
    assert other_tabs(sheets_server) == before
    titles = [s["title"] for s in sheets_server.get_workbook(key)["sheets"]]
    assert titles.count(VALIDASI) == 1
    lines = rejected_lines(validasi(key))
    assert Counter(lines) == Counter(expected_lines(wb_env, JANGKANG))
    assert ("Kunjungan", str(len(kunjungan["rows"])), "Bulan", "Desember 2014") in {line[:4] for line in lines}
    sheets_server.counters.reset()
    assert nightly_sync(write_back=True)["villages_skipped"] == 17
    assert sheets_server.counters.total("sheets.batchGet") == 0


def test_a_librarians_own_validasi_tab_is_replaced_not_duplicated(wb_env, sheets_server):
    key = KEYS["14.03.01.2021"]
    book = sheets_server.get_workbook(key)
    book["sheets"].append({"title": "validasi ", "rows": [["catatan saya"]]})
    sheets_server.put_workbook(book)
    before = other_tabs(sheets_server)
    nightly_sync(write_back=True)
    sheets = sheets_server.get_workbook(key)["sheets"]
    assert [s["title"] for s in sheets if s["title"].strip().casefold() == "validasi"] == [VALIDASI]
    assert other_tabs(sheets_server) == before


def _latest_run(settings) -> tuple:
    con = warehouse.open_writer(settings)
    run_id = con.execute("select run_id from core.runs order by started_at desc limit 1").fetchone()[0]
    return con, run_id


def test_librarians_edit_before_the_write_is_read_next_night(wb_env, sheets_server):
    nightly_sync()                                     # no write-back yet
    edited = KEYS["14.03.01.2025"]
    book = sheets_server.get_workbook(edited)
    kegiatan = next(s for s in book["sheets"] if s["title"].strip().lower() == "kegiatan")
    kegiatan["rows"].append(["", "13/10/2022", "Rapat Koordinasi", "Rapat", "", 3, 4])
    sheets_server.put_workbook(book)                  # she edits after our read, before our write
    settings = Settings.from_env()
    con, run_id = _latest_run(settings)
    result = write_back_run(settings, con, run_id)
    warehouse.publish(con, settings)
    assert result["written"] == 17 and result["failed"] == 0
    # every request went through the paced client: one tab-list read and one write per village
    assert (result["sheets_reads"], result["sheets_writes"]) == (17, 17)
    advanced = {v["kode_desa"]: v["state_advanced"] for v in result["villages"]}
    assert advanced.pop("14.03.01.2025") is False
    assert all(advanced.values())
    sheets_server.counters.reset()
    summary = nightly_sync()
    assert sheets_server.counters.total("sheets.batchGet") == 1
    assert sheets_server.counters.for_key(edited).get("sheets.batchGet") == 1
    assert summary["villages_loaded"] == 1 and summary["villages_skipped"] == 16


def test_failed_write_back_is_recorded_never_raised_and_retried_later(wb_env, sheets_server):
    nightly_sync()
    kode = "14.03.09.2011"
    visits = query(wb_env, "select * from report.monthly_visits where kode_desa = ? order by month", [kode])
    state = query(wb_env, "select modified_time from core.sheet_state where kode_desa = ?", [kode])
    sheets_server.faults.status(KEYS[kode], 403)     # shared as Viewer only
    settings = Settings.from_env()
    con, run_id = _latest_run(settings)
    result = write_back_run(settings, con, run_id)
    warehouse.publish(con, settings)
    assert (result["written"], result["failed"]) == (16, 1)
    failed = next(v for v in result["villages"] if v["status"] == "failed")
    assert failed["kode_desa"] == kode and failed["reason"] == "permission_denied"
    assert "Editor" in failed["message"]
    assert query(wb_env, "select reason from core.writebacks where status = 'failed'") == [("permission_denied",)]
    assert query(wb_env, "select * from report.monthly_visits where kode_desa = ? order by month", [kode]) == visits
    assert query(wb_env, "select modified_time from core.sheet_state where kode_desa = ?", [kode]) == state
    # shared as Editor now: the next run with write-back writes that village, and only it
    sheets_server.faults.clear()
    sheets_server.counters.reset()
    summary = nightly_sync(write_back=True)
    assert summary["villages_skipped"] == 17
    assert sheets_server.counters.total("sheets.batchUpdate") == 1
    assert sheets_server.counters.for_key(KEYS[kode]).get("sheets.batchUpdate") == 1
    assert Counter(rejected_lines(validasi(KEYS[kode]))) == Counter(expected_lines(wb_env, kode))


def test_write_back_that_cannot_start_does_not_raise(wb_env, sheets_server):
    nightly_sync()
    settings = Settings.from_env()
    con, run_id = _latest_run(settings)
    sheets_server.stop()                               # Google unreachable
    result = write_back_run(settings.with_(max_attempts=1), con, run_id)
    warehouse.publish(con, settings)
    assert result["written"] == 0 and result["failed"] == 17
    assert {v["reason"] for v in result["villages"]} == {"unreachable"}


def test_validasi_tab_content_and_formula_safety():
    tab = validasi_tab("14.03.02.2008", datetime(2026, 11, 20, 1, 15, tzinfo=timezone.utc),
                       [("Kunjungan", 12, 10, 2), ("Kegiatan", 30, 30, 0)],
                       [("Kunjungan", 5, "Bulan", "Desember 2014", "Baris 5 ..."),
                        ("Kunjungan", 9, "Pengunjung", "=IMPORTRANGE(\"x\")", "Baris 9 ...")])
    assert tab.rows[1] == ["Diperiksa pada", "20/11/2026 08:15 WIB"]
    assert ["Jumlah", 42, 40, 2] in tab.rows
    assert tab.rows[-2:] == [["Kunjungan", 5, "Bulan", "Desember 2014", "Baris 5 ..."],
                             ["Kunjungan", 9, "Pengunjung", "=IMPORTRANGE(\"x\")", "Baris 9 ..."]]
    requests = replace_requests(tab, old_sheet_id=7, new_sheet_id=8)
    assert [next(iter(r)) for r in requests[:3]] == ["deleteSheet", "addSheet", "updateCells"]
    cells = requests[2]["updateCells"]["rows"][-1]["values"]
    assert cells[3]["userEnteredValue"] == {"stringValue": "=IMPORTRANGE(\"x\")"}    # text, never a formula
    empty = validasi_tab("14.03.02.2008", None, [], [])
    assert empty.rows[-1] == [NOTHING_REJECTED] and empty.rows[1] == ["Diperiksa pada", "-"]
