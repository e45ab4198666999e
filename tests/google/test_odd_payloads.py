"""Odd `values:batchGet` answers, end to end: the local server serves raw JSON no real sheet
holds (faults.odd_values), gspread fetches it over HTTP, and a real sync runs. One village's
odd answer costs that village a rejected row, or at worst the village itself, never the run."""
from __future__ import annotations

import math
import pickle

import pytest
import requests
from typer.testing import CliRunner

from flows.nightly_sync import nightly_sync
from tpbis.google import sheets
from tpbis.sync import batches
from tpbis.cli.main import app
from tpbis.settings import Settings
from tpbis.local_sheets.server import values as server_values
from transforms.chunk import parse_chunk
from transforms.workbook import parse_workbook_parts
from tests.helpers import KEYS, query


ODD_CELLS = "14.03.01.2020"        # lists, objects, null rows, NaN, booleans, huge numbers in Kunjungan
ODD_TEXT = "14.03.02.2008"         # NUL, control characters, RTL marks, emoji, lone surrogates, 100 kB text
NULL_TAB = "14.03.02.2010"         # Kunjungan's values are `null`
OBJECT_TAB = "14.03.09.2011"       # Kegiatan's values are an object
BUG = "14.03.13.2003"              # the parser raises an unexpected error for this one

ODD_KUNJUNGAN = """[
  null,
  ["Januari 2016", [1, 2], 3],
  ["Februari 2016", {"n": 5}, 3],
  ["Maret 2016", 4, 5, null, null],
  ["April 2016", true, 3],
  ["Mei 2016", 9007199254740993, 3],
  ["Juni 2016", 12345678901234567890, 3],
  ["Juli 2016", 1e308, 3],
  ["Agustus 2016", 2, NaN],
  ["September 2016", 7, 8, 1, 2, 3, 20, "lebih", [9], {"x": 1}],
  "Oktober 2016"
]"""
# (offset below the sheet's own rows, column as headed in that sheet, reason, value) of every rejection expected
ODD_KUNJUNGAN_REJECTED = [(2, "PENGUNJUNG (L)", "bad_cell", "[1, 2]"),
                          (3, "PENGUNJUNG (L)", "bad_cell", '{"n": 5}'),
                          (5, "PENGUNJUNG (L)", "not_a_number", "TRUE"),
                          (6, "PENGUNJUNG (L)", "out_of_range", "9007199254740993"),
                          (7, "PENGUNJUNG (L)", "out_of_range", "12345678901234567890"),
                          (8, "PENGUNJUNG (L)", "out_of_range", "1e+308"),
                          (9, "PENGUNJUNG (P)", "bad_cell", "NaN")]
LONG = "panjang " * 12_500
ODD_KEGIATAN = ('[[1, "13/10/2016", "Lit\\u0000era\\u0007si \\u202eRTL\\u202c \\ud83d\\ude00", "Literasi", "", 3, 4, '
                '"Mitra \\ud800 sendiri", "' + LONG + '"], '
                '[2, "14/10/2016", ["judul dalam daftar"], "Literasi", "", 1, 1]]')


def tab_length(server, kode: str, tab: str) -> int:
    """How many rows the server's batchGet returns for a tab (trailing blank rows trimmed)."""
    book = server.get_workbook(KEYS[kode])
    title = next(s["title"] for s in book["sheets"] if s["title"].strip().casefold() == tab.casefold())
    return len(server_values.read_range(book, f"'{title}'", "UNFORMATTED_VALUE").get("values", []))


def make_odd(server, monkeypatch) -> dict[str, int]:
    """Inject every odd shape; returns the sheet row count of the tabs appended to."""
    base = {ODD_CELLS: tab_length(server, ODD_CELLS, "Kunjungan"), ODD_TEXT: tab_length(server, ODD_TEXT, "Kegiatan")}
    server.faults.odd_values(KEYS[ODD_CELLS], "Kunjungan", ODD_KUNJUNGAN)
    server.faults.odd_values(KEYS[ODD_TEXT], "Kegiatan", ODD_KEGIATAN)
    server.faults.odd_values(KEYS[NULL_TAB], "Kunjungan", "null", append=False)
    server.faults.odd_values(KEYS[OBJECT_TAB], "Kegiatan", '{"a": [1, 2]}', append=False)
    server.faults.odd_values(KEYS[BUG], "Kunjungan", "[[]]")     # a blank row: new content, so it is parsed

    def parse_with_a_bug(value_ranges, village, **kwargs):
        if village["kode_desa"] == BUG:
            raise KeyError("a bug nobody wrote a test for")
        return parse_workbook_parts(value_ranges, village, **kwargs)

    monkeypatch.setattr(batches, "parse_workbook_parts", parse_with_a_bug)   # one chunk: parsed on a thread here

    def chunk_with_a_bug(books, ref):                 # the chunk's one pass meets the bug: each workbook alone
        if any(book.village["kode_desa"] == BUG for book in books):
            raise KeyError("a bug nobody wrote a test for")
        return parse_chunk(books, ref)

    monkeypatch.setattr(batches, "parse_chunk", chunk_with_a_bug)
    return base


def test_the_server_serves_odd_values_through_gspread(sheets_server):
    """What arrives over HTTP is exactly the odd JSON: a null row, a 20-digit int, NaN, a lone surrogate."""
    conn = sheets.connect(Settings(sheets_api_url=sheets_server.url, drive_api_url=sheets_server.url,
                                   reads_per_minute=None, backoff_base=0.01))
    base = tab_length(sheets_server, ODD_CELLS, "Kunjungan")
    sheets_server.faults.odd_values(KEYS[ODD_CELLS], "Kunjungan", ODD_KUNJUNGAN)
    sheets_server.faults.odd_values(KEYS[ODD_CELLS], " kegiatan ", '[["\\ud800"]]')
    sheets_server.faults.odd_values(KEYS[ODD_CELLS], "Mitra", "null", append=False)
    wb = sheets.fetch_workbook(conn, KEYS[ODD_CELLS])
    rows = wb.value_ranges["Kunjungan"]
    assert len(rows) == base + 11
    assert rows[base] is None and rows[base + 1][1] == [1, 2] and rows[base + 2][1] == {"n": 5}
    assert rows[base + 6][1] == 12345678901234567890 and math.isnan(rows[base + 8][2])
    assert rows[base + 10] == "Oktober 2016"
    assert wb.value_ranges["Kegiatan"][-1] == ["\ud800"]
    assert wb.value_ranges["Mitra"] is None
    assert len(wb.content_hash) == 64             # orjson refuses this payload; it still hashes
    single = requests.get(f"{sheets_server.url}/v4/spreadsheets/{KEYS[ODD_CELLS]}/values/Kunjungan",
                          params={"valueRenderOption": "UNFORMATTED_VALUE"}, timeout=10).json()
    assert len(single["values"]) == base + 11 and single["values"][base] is None
    assert single["values"][base + 6][1] == 12345678901234567890 and single["values"][base + 1][1] == [1, 2]
    assert wb.payload == sheets.fetch_workbook(conn, KEYS[ODD_CELLS]).payload
    sheets_server.faults.clear(KEYS[ODD_CELLS])
    assert len(sheets.fetch_workbook(conn, KEYS[ODD_CELLS]).value_ranges["Kunjungan"]) == base


def test_a_fetched_workbook_goes_to_a_parse_worker_as_its_json(sheets_server):
    """Pickled (for a parse worker process) as its JSON payload when orjson decoded it, as
    cells when it holds what only the standard library reads (NaN, a 65-bit integer): the
    same cells arrive either way."""
    conn = sheets.connect(Settings(sheets_api_url=sheets_server.url, drive_api_url=sheets_server.url,
                                   reads_per_minute=None, backoff_base=0.01))
    plain = sheets.fetch_workbook(conn, KEYS[ODD_TEXT])
    assert plain.from_json and b"Kunjungan" in pickle.dumps(plain)
    back = pickle.loads(pickle.dumps(plain))
    assert back.value_ranges == plain.value_ranges and back.payload == plain.payload
    assert back.content_hash == plain.content_hash and back.from_json
    sheets_server.faults.odd_values(KEYS[ODD_CELLS], "Kunjungan", ODD_KUNJUNGAN)
    odd = sheets.fetch_workbook(conn, KEYS[ODD_CELLS])
    assert not odd.from_json
    rows = pickle.loads(pickle.dumps(odd)).value_ranges["Kunjungan"]
    assert math.isnan(rows[-3][2]) and rows[-5][1] == 12345678901234567890
    assert pickle.loads(pickle.dumps(odd)).content_hash == odd.content_hash


@pytest.mark.usefixtures("prefect_harness")
def test_odd_payloads_on_a_fresh_install_cost_only_their_own_rows_or_village(sync_env, sheets_server, monkeypatch):
    base = make_odd(sheets_server, monkeypatch)
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 1, result.output
    assert any(line.startswith("Sync ") and "partial" in line for line in result.output.splitlines())
    failed = {line.split()[1]: line for line in result.output.splitlines() if line.strip().startswith("FAILED")}
    assert set(failed) == {NULL_TAB, OBJECT_TAB, BUG}
    assert "[unreadable_sheet]" in failed[NULL_TAB] and "Kunjungan" in failed[NULL_TAB]
    assert "[unreadable_sheet]" in failed[OBJECT_TAB] and "Kegiatan" in failed[OBJECT_TAB]
    assert "[parse_error]" in failed[BUG] and "tidak dapat diolah" in failed[BUG]

    # the warehouse was created and published; every other village loaded
    assert query(sync_env, "select count(*) from report.villages")[0][0] == 17
    loaded = {k for (k,) in query(sync_env, "select distinct kode_desa from report.monthly_visits")}
    assert loaded == set(KEYS) - {NULL_TAB, OBJECT_TAB, BUG}
    assert {k for (k,) in query(sync_env, "select distinct kode_desa from report.activities")} == loaded
    assert query(sync_env, "select status, villages_failed from report.sync_runs") == [("partial", 3)]

    # odd cells: their rows are rejected with the cell's address, the healthy odd rows load
    rejected = query(sync_env, """select row_number, "column", reason, value, message from report.rejected_rows
                                  where kode_desa = ? and tab = 'Kunjungan' and row_number > ? order by row_number""",
                     [ODD_CELLS, base[ODD_CELLS]])
    assert [(r[0] - base[ODD_CELLS], r[1], r[2], r[3]) for r in rejected] == ODD_KUNJUNGAN_REJECTED
    assert all(r[4].startswith(f"Baris {r[0]}, kolom {r[1]}: ") for r in rejected)
    visits = query(sync_env, """select month::varchar, visitors_male, visitors_female from report.monthly_visits
                                where kode_desa = ? and month < date '2017-01-01' order by month""", [ODD_CELLS])
    assert visits == [("2016-03-01", 4, 5), ("2016-09-01", 7, 8)]

    # odd text loads without its control characters (RTL marks and emoji stay; a lone surrogate
    # becomes U+FFFD), text past Excel's 32,767 characters is cut visibly; a list where a title
    # belongs is rejected
    activities = query(sync_env, """select title, partner, length(notes), notes like '%[dipotong]'
                                    from report.activities
                                    where kode_desa = ? and activity_date < date '2017-01-01'""", [ODD_TEXT])
    assert activities == [("Literasi \u202eRTL\u202c \U0001F600", "Mitra \ufffd sendiri", 32767, True)]
    assert query(sync_env, """select row_number, "column", reason, value from report.rejected_rows
                              where kode_desa = ? and row_number > ?""", [ODD_TEXT, base[ODD_TEXT]]) \
        == [(base[ODD_TEXT] + 2, "Nama Kegiatan", "bad_cell", '["judul dalam daftar"]')]


@pytest.mark.usefixtures("prefect_harness")
def test_a_village_failed_by_an_odd_payload_keeps_its_previous_data(sync_env, sheets_server, monkeypatch):
    nightly_sync()
    visits = "select * from report.monthly_visits where kode_desa = ? order by month"
    before = {k: query(sync_env, visits, [k]) for k in (NULL_TAB, OBJECT_TAB, BUG, "14.03.12.2004")}
    assert all(before.values())
    make_odd(sheets_server, monkeypatch)
    summary = nightly_sync(full=True)            # the odd answers do not move Drive's modifiedTime
    assert {f["kode_desa"]: f["reason"] for f in summary["failed"]} == \
        {NULL_TAB: "unreadable_sheet", OBJECT_TAB: "unreadable_sheet", BUG: "parse_error"}
    assert summary["status"] == "partial" and summary["villages_synced"] == 14
    for kode, rows in before.items():
        assert query(sync_env, visits, [kode]) == rows, kode
    assert query(sync_env, """select count(*) from report.rejected_rows where kode_desa = ? and reason = 'bad_cell'""",
                 [ODD_CELLS])[0][0] == 3
    # once the sheets are normal again, everyone loads
    sheets_server.faults.clear()
    monkeypatch.setattr(batches, "parse_workbook_parts", parse_workbook_parts)
    summary = nightly_sync(full=True)
    assert summary["villages_failed"] == 0, summary["failed"]
