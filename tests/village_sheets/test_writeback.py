"""`tpbis sync --write-back`: each village's validation results in a `Validasi` tab of its own
sheet, written through gspread to the real local server, read back through gspread."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timezone

import pytest

from flows.nightly_sync import nightly_sync
from tpbis.google import sheets
from tpbis.sync.working_file import open_writer
from tpbis.warehouse.snapshot import publish
from tpbis.settings import Settings
from tpbis.village_sheets.validasi.links import Link
from tpbis.village_sheets.validasi.layout import (NO_WARNINGS, NOTHING_REJECTED, REJECTED_HEADER, VALIDASI,
                                                 replace_requests, validasi_tab)
from tpbis.village_sheets.writeback import write_back_run
from tests.helpers import KEYS, query

pytestmark = pytest.mark.usefixtures("prefect_harness")

JANGKANG = "14.03.02.2008"


@pytest.fixture
def wb_env(sync_env, monkeypatch):
    """The sync environment, with a write pace the local server answers at once."""
    monkeypatch.setenv("TPBIS_SHEETS_WRITES_PER_MINUTE", "100000")
    return sync_env


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


def section(rows: list[list[str]], header: list[str]) -> list[list[str]]:
    """The lines under `header`, down to the next blank row."""
    start = next(i for i, r in enumerate(rows) if _trim(r) == header) + 1
    end = next((i for i in range(start, len(rows)) if not any(rows[i])), len(rows))
    return [r + [""] * (6 - len(r)) for r in rows[start:end]]


def rejected_lines(rows: list[list[str]]) -> list[tuple]:
    lines = [tuple(r[:5]) for r in section(rows, REJECTED_HEADER)]
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
        assert rows[3][:2] == ["Kode Desa", kode]
        assert rows[2][0] == "Diperiksa pada" and rows[2][1].endswith("WIB")
        expected = expected_lines(wb_env, kode)
        status = rows[1][0]
        assert status.startswith("SEMUA BARIS DITERIMA") if not expected else \
            status.startswith(f"{len({(t, n) for t, n, *_ in expected})} BARIS DITOLAK"), (kode, status)
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
    con = open_writer(settings)
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
    publish(con, settings)
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
    publish(con, settings)
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
    publish(con, settings)
    assert result["written"] == 0 and result["failed"] == 17
    assert {v["reason"] for v in result["villages"]} == {"unreachable"}


def test_validasi_tab_content_and_formula_safety():
    link = Link("kunjungan ", "A5", "kunjungan !A5")
    tab = validasi_tab("14.03.02.2008", datetime(2026, 11, 20, 1, 15, tzinfo=timezone.utc),
                       [("Kunjungan", 12, 10, 2), ("Kegiatan", 30, 30, 0)],
                       [("Kunjungan", 5, "Bulan", "Desember 2014", "Baris 5 ..."),
                        ("Kunjungan", 9, "Pengunjung", "=IMPORTRANGE(\"x\")", "Baris 9 ...")],
                       [("Kegiatan", 4, "Jenis Kegiatan", "Senam", "dimuat sebagai Lainnya")],
                       locate=lambda tab, row, column: link if row == 5 else None)
    assert tab.rows[1] == ["2 BARIS DITOLAK dari 42 baris dibaca (tab Kunjungan): perbaiki lewat tautan "
                           "Buka sel di bawah."]
    assert tab.rows[2] == ["Diperiksa pada", "20/11/2026 08:15 WIB"]
    assert ["Jumlah", 42, 40, 2] in tab.rows
    assert tab.rows[-1] == ["Kegiatan", 4, "Jenis Kegiatan", "Senam", "dimuat sebagai Lainnya", None]
    start = tab.rows.index(REJECTED_HEADER) + 1
    assert tab.rows[start:start + 2] == [
        ["Kunjungan", 5, "Bulan", "Desember 2014", "Baris 5 ...", link],
        ["Kunjungan", 9, "Pengunjung", "=IMPORTRANGE(\"x\")", "Baris 9 ...", None]]
    # an existing tab is updated in place: same sheet id, never deleted and added again
    requests = replace_requests(tab, old_sheet_id=7, new_sheet_id=8, sheet_ids={"kunjungan ": 3, "Validasi": 7})
    kinds = [next(iter(r)) for r in requests]
    assert "deleteSheet" not in kinds and "addSheet" not in kinds
    props = requests[0]["updateSheetProperties"]["properties"]
    assert props["sheetId"] == 7 and props["gridProperties"]["frozenRowCount"] == 2
    update = requests[1]["updateCells"]
    assert update["range"] == {"sheetId": 7, "startRowIndex": 0, "startColumnIndex": 0}   # the rest is cleared
    assert update["rows"][1]["values"][0]["userEnteredFormat"]["backgroundColor"] == \
        {"red": 0xF4 / 255, "green": 0xCC / 255, "blue": 0xCC / 255}                      # red: rows rejected
    cells = update["rows"][start]["values"]
    assert cells[5]["userEnteredValue"] == {"formulaValue": '=HYPERLINK("#gid=3&range=A5";"kunjungan !A5")'}
    cells = update["rows"][start + 1]["values"]
    assert cells[3]["userEnteredValue"] == {"stringValue": "=IMPORTRANGE(\"x\")"}    # text, never a formula
    added = replace_requests(tab, old_sheet_id=None, new_sheet_id=8)
    assert next(iter(added[0])) == "addSheet" and added[0]["addSheet"]["properties"]["sheetId"] == 8
    empty = validasi_tab("14.03.02.2008", None, [("Kunjungan", 12, 12, 0)], [])
    assert empty.rows[1][0].startswith("SEMUA BARIS DITERIMA: 12 baris dibaca")
    assert [NOTHING_REJECTED] in empty.rows and empty.rows[-1] == [NO_WARNINGS]
    assert empty.rows[2] == ["Diperiksa pada", "-"]
    green = replace_requests(empty, None, 1)[1]["updateCells"]["rows"][1]["values"][0]["userEnteredFormat"]
    assert green["backgroundColor"] == {"red": 0xD9 / 255, "green": 0xEA / 255, "blue": 0xD3 / 255}


def _stored_validasi(server, key) -> dict:
    return next(s for s in server.get_workbook(key)["sheets"] if s["title"] == VALIDASI)


def _cell(sheet: dict, a1: str):
    column, row = re.match(r"([A-Z]+)(\d+)$", a1).groups()
    j = sum((ord(c) - 64) * 26 ** i for i, c in enumerate(reversed(column))) - 1
    cells = sheet["rows"][int(row) - 1] if int(row) <= len(sheet["rows"]) else []
    value = cells[j] if j < len(cells) else None
    return value.get("value", value.get("n")) if isinstance(value, dict) else value


def test_links_lead_to_the_rejected_cell_and_the_tab_keeps_its_id(wb_env, sheets_server):
    nightly_sync(write_back=True)
    key = KEYS[JANGKANG]
    first_id = _stored_validasi(sheets_server, key)["sheetId"]
    assert _stored_validasi(sheets_server, key)["frozenRowCount"] == 2
    book = sheets_server.get_workbook(key)
    kunjungan = next(s for s in book["sheets"] if s["title"].strip().lower() == "kunjungan")
    kunjungan["rows"].append(["Desember 2014", 1, 1])            # rejected: before 2015
    sheets_server.put_workbook(book)
    nightly_sync(write_back=True)
    book = sheets_server.get_workbook(key)
    tab = _stored_validasi(sheets_server, key)
    assert tab["sheetId"] == first_id and [s["title"] for s in book["sheets"]].count(VALIDASI) == 1
    by_id = {s["sheetId"]: s for s in book["sheets"]}
    rows = validasi(key)
    assert "BARIS DITOLAK" in rows[1][0]
    lines = section(rows, REJECTED_HEADER)
    stored_lines = tab["rows"][next(i for i, r in enumerate(tab["rows"]) if r[:5] == REJECTED_HEADER[:5]) + 1:]
    followed = 0
    for line, stored in zip(lines, stored_lines):
        formula = stored[5]["formula"]
        gid, a1 = re.match(r'=HYPERLINK\("#gid=(\d+)&range=([A-Z]+\d+)";', formula).groups()
        target = by_id[int(gid)]
        assert target["title"].strip().casefold() == line[0].casefold() and a1.endswith(line[1])
        assert line[5] == f"{target['title']}!{a1}"                       # the label a librarian sees
        if line[3] == "Desember 2014":
            assert _cell(target, a1) == "Desember 2014"                  # the exact cell, not just the row
            followed += 1
    assert followed == 1


def test_unreadable_village_gets_a_validasi_tab_saying_why(wb_env, sheets_server):
    nightly_sync(write_back=True)
    kode = "14.03.01.2020"
    wb = sheets_server.get_workbook(KEYS[kode])
    kept_id = next(s["sheetId"] for s in wb["sheets"] if s["title"] == VALIDASI)
    for sheet in wb["sheets"]:
        if sheet["title"].strip().lower() == "kunjungan":
            sheet["rows"] = [["catatan bulanan"], ["Oktober 2022", 5, 6]]   # no header at all
    sheets_server.put_workbook(wb)
    sheets_server.faults.status(KEYS["14.03.09.2011"], 403)               # cannot be read, nor written
    summary = nightly_sync(write_back=True)
    assert summary["villages_failed"] == 2
    rows = validasi(KEYS[kode])
    assert rows[1][0].startswith("DATA TIDAK DAPAT DIBACA")
    reason = next(r for r in rows if r[0] == "Sebab")[1]
    assert "Kunjungan" in reason
    assert _stored_validasi(sheets_server, KEYS[kode])["sheetId"] == kept_id
    written = dict(query(wb_env, "select kode_desa, status from report.writebacks"))
    assert written[kode] == "written" and len(written) == 17
    latest = query(wb_env, "select last_written_at >= last_attempt_at - interval 1 second, reason "
                           "from report.writebacks where kode_desa = ?", [kode])
    assert latest == [(True, None)]
