"""The local Sheets/Drive server, exercised through gspread over real HTTP (no mocks).

What the sync relies on: Google's wire format and render options, errors in Google's
envelope, injected faults, the read quota with Retry-After, Drive listing and paging with
modifiedTime filters, strictly increasing modifiedTime, writes, and concurrent readers.
"""

from __future__ import annotations

import copy
import json
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import date

import gspread
import pytest
import requests
from gspread.exceptions import APIError
from gspread.urls import DRIVE_FILES_API_V3_URL
from hypothesis import given
from hypothesis import strategies as st

from tpbis.google.client import RoutedHTTPClient, make_client
from tpbis.local_sheets.server import SheetsServer
from tpbis.local_sheets.server.faults import SlidingWindow
from tpbis.local_sheets.server.ranges import A1Range, parse_a1
from tpbis.local_sheets.workbook_files import now_rfc3339, save_workbook
from tpbis.local_sheets.workbook_format import cell_value, date_to_serial, serial_to_date

KEY = "1TestJangkangAbcdefghijklmnopqrstuvwxyz0123"
UNFORMATTED = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
SPREADSHEET_Q = "mimeType='application/vnd.google-apps.spreadsheet' and trashed=false"

WORKBOOK = {
    "spreadsheetId": KEY,
    "title": "Laporan TPBIS Desa Jangkang",
    "locale": "in_ID",
    "timeZone": "Asia/Jakarta",
    "sheets": [
        {"title": "Profil", "rows": [["Isian", "Nilai"], ["Kode Desa", "14.03.02.2008"]]},
        {"title": "Kunjungan", "rows": [
            [],
            ["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan", None, ""],
            [{"date": "2022-10-01", "fmt": "mmm yyyy"}, {"n": 1234, "fmt": "#,##0"}, 12.0],
            ["Nov 2022", 1.5, True, {"formula": "=B3+B4", "value": 1235.5}],
            [None, "", None],
            [],
        ]},
        {"title": "Kegiatan", "rows": [
            ["No", "Tanggal", "Nama Kegiatan"],
            [1, {"date": "2022-10-13", "fmt": "dd/mm/yyyy"}, "Pelatihan"],
            [2, {"date": "2022-11-02", "fmt": "d mmmm yyyy"}, "0812345"],
        ]},
        {"title": "Tab with spaces", "rows": [["a", "b", "c", "d"], ["e", "f", "g", "h"]]},
    ],
}


@pytest.fixture
def server():
    with SheetsServer() as srv:
        srv.put_workbook(WORKBOOK)
        yield srv


@pytest.fixture
def client(server):
    return make_client(server.url, server.url, None, [])


def batch_get(client, ranges, params=None, key=KEY):
    return client.http_client.values_batch_get(key, ranges, params=dict(params or {}))


def drive_list(client, **params):
    return client.http_client.request("get", DRIVE_FILES_API_V3_URL, params=params).json()


def small_workbook(key, **extra):
    return {"spreadsheetId": key, "title": f"Desa {key}",
            "sheets": [{"title": "Kunjungan", "rows": [["Bulan"]]}], **extra}


# -- reading ---------------------------------------------------------------------------------

def test_open_by_key_lists_tabs_and_properties(client):
    spreadsheet = client.open_by_key(KEY)
    assert spreadsheet.title == "Laporan TPBIS Desa Jangkang"
    assert spreadsheet.locale == "in_ID"
    assert [ws.title for ws in spreadsheet.worksheets()] == [
        "Profil", "Kunjungan", "Kegiatan", "Tab with spaces"]
    assert [ws.id for ws in spreadsheet.worksheets()] == [0, 1, 2, 3]
    assert spreadsheet.worksheet("Kunjungan").row_count == 1000


def test_get_all_values_is_formatted_for_the_locale(client):
    rows = client.open_by_key(KEY).worksheet("Kunjungan").get_all_values()
    assert rows[0] == ["", "", "", ""]  # gspread pads; the blank first row is kept
    assert rows[2] == ["Okt 2022", "1.234", "12", ""]
    assert rows[3] == ["Nov 2022", "1,5", "TRUE", "1235,5"]  # General format: no grouping
    assert len(rows) == 4  # trailing blank rows are not returned


def test_batch_get_unformatted_values_are_exact(client):
    body = batch_get(client, ["'Kunjungan'", "Kegiatan"], UNFORMATTED)
    assert body["spreadsheetId"] == KEY
    kunjungan, kegiatan = body["valueRanges"]
    assert kunjungan == {
        "range": "Kunjungan!A1:Z1000", "majorDimension": "ROWS",
        "values": [[], ["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"],
                   [44835, 1234, 12], ["Nov 2022", 1.5, True, 1235.5]],
    }
    assert isinstance(kunjungan["values"][2][2], int)  # 12.0 comes back as 12
    assert kegiatan["values"][1:] == [[1, 44847, "Pelatihan"], [2, 44867, "0812345"]]


def test_default_render_is_formatted_and_formula_render_shows_formulas(client):
    values = batch_get(client, ["Kunjungan!A3:D4"])["valueRanges"][0]["values"]
    assert values == [["Okt 2022", "1.234", "12"], ["Nov 2022", "1,5", "TRUE", "1235,5"]]
    formulas = batch_get(client, ["Kunjungan!D4"], {"valueRenderOption": "FORMULA"})
    assert formulas["valueRanges"][0]["values"] == [["=B3+B4"]]
    dates = batch_get(client, ["Kegiatan!B2:B3"], {"valueRenderOption": "UNFORMATTED_VALUE",
                                                   "dateTimeRenderOption": "FORMATTED_STRING"})
    assert dates["valueRanges"][0]["values"] == [["13/10/2022"], ["2 November 2022"]]


def test_formatted_values_follow_en_us_locale(server, client):
    server.put_workbook({**WORKBOOK, "spreadsheetId": "en", "locale": "en_US"})
    values = batch_get(client, ["Kunjungan!A3:B4"], key="en")["valueRanges"][0]["values"]
    assert values == [["Oct 2022", "1,234"], ["Nov 2022", "1.5"]]


@pytest.mark.parametrize("requested, echoed, values", [
    ("Kegiatan!A1:B", "Kegiatan!A1:B1000", [["No", "Tanggal"], [1, 44847], [2, 44867]]),
    ("Kegiatan!B:C", "Kegiatan!B1:C1000",
     [["Tanggal", "Nama Kegiatan"], [44847, "Pelatihan"], [44867, "0812345"]]),
    ("Kegiatan!2:3", "Kegiatan!A2:Z3", [[1, 44847, "Pelatihan"], [2, 44867, "0812345"]]),
    ("'Tab with spaces'!B2:C2", "'Tab with spaces'!B2:C2", [["f", "g"]]),
    ("'Tab with spaces'", "'Tab with spaces'!A1:Z1000", [["a", "b", "c", "d"],
                                                       ["e", "f", "g", "h"]]),
    ("'Kegiatan'!A1:Z5000", "Kegiatan!A1:Z1000", [["No", "Tanggal", "Nama Kegiatan"],
                                                 [1, 44847, "Pelatihan"],
                                                 [2, 44867, "0812345"]]),
    ("Kunjungan!E1:F9", "Kunjungan!E1:F9", None),
])
def test_ranges_are_resolved_and_echoed_like_google(client, requested, echoed, values):
    value_range = client.http_client.values_get(KEY, requested, params=UNFORMATTED)
    assert value_range["range"] == echoed
    assert value_range.get("values") == values


def test_missing_tab_is_a_400_in_googles_envelope(client):
    with pytest.raises(APIError) as caught:
        batch_get(client, ["Kunjungan", "Mitra"], UNFORMATTED)
    assert caught.value.code == 400
    assert caught.value.response.json() == {"error": {
        "code": 400, "message": "Unable to parse range: Mitra", "status": "INVALID_ARGUMENT"}}


def test_unknown_spreadsheet_is_404(client):
    with pytest.raises(APIError) as caught:
        client.http_client.fetch_sheet_metadata("nope")
    assert caught.value.code == 404
    assert caught.value.response.json()["error"]["status"] == "NOT_FOUND"
    with pytest.raises(APIError) as caught:
        client.get_file_drive_metadata("nope")
    assert caught.value.response.json()["error"]["message"] == "File not found: nope."


# -- faults ----------------------------------------------------------------------------------

@pytest.mark.parametrize("code, status, message", [
    (403, "PERMISSION_DENIED", "The caller does not have permission"),
    (404, "NOT_FOUND", "Requested entity was not found."),
])
def test_status_faults_persist_and_hide_the_file_from_drive(server, client, code, status,
                                                            message):
    server.put_workbook(small_workbook("other"))
    server.faults.status(KEY, code)
    for _ in range(3):
        with pytest.raises(APIError) as caught:
            batch_get(client, ["Kunjungan"])
        assert caught.value.code == code
        assert caught.value.response.json() == {
            "error": {"code": code, "message": message, "status": status}}
    assert [f["id"] for f in client.list_spreadsheet_files()] == ["other"]
    batch_get(client, ["Kunjungan"], key="other")  # other sheets are unaffected
    server.faults.clear()
    assert batch_get(client, ["Kunjungan"])["valueRanges"][0]["values"]


def test_transient_503_fails_twice_then_succeeds(server, client):
    server.faults.status(KEY, 503, times=2)
    for _ in range(2):
        with pytest.raises(APIError) as caught:
            batch_get(client, ["Kunjungan"])
        assert caught.value.code == 503
        assert caught.value.response.json()["error"]["status"] == "UNAVAILABLE"
    assert batch_get(client, ["Kunjungan"])["valueRanges"][0]["values"]
    assert server.counters.for_key(KEY)["sheets.batchGet"] == 3


def test_malformed_body_then_normal(server, client):
    server.faults.malformed(KEY, times=1)
    with pytest.raises(requests.exceptions.JSONDecodeError):
        batch_get(client, ["Kunjungan"])
    assert batch_get(client, ["Kunjungan"])["valueRanges"][0]["range"] == "Kunjungan!A1:Z1000"


def test_latency_is_added(server, client):
    server.faults.latency = 0.1
    started = time.perf_counter()
    batch_get(client, ["Profil"])
    assert time.perf_counter() - started >= 0.1
    server.faults.clear()
    assert server.faults.latency == 0


# -- quota and counters ----------------------------------------------------------------------

def test_read_quota_answers_429_with_retry_after(server, client):
    server.quota.reads_per_minute = 5
    client.open_by_key(KEY)  # metadata counts as a read
    for _ in range(4):
        batch_get(client, ["Profil"])
    with pytest.raises(APIError) as caught:
        batch_get(client, ["Profil"])
    response = caught.value.response
    assert response.status_code == 429
    assert response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert "Read requests per minute per user" in response.json()["error"]["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert server.counters.total("sheets.429") == 1
    assert drive_list(client, q=SPREADSHEET_Q)["files"]  # Drive is not Sheets quota
    server.quota.reads_per_minute = None
    batch_get(client, ["Profil"])


def test_write_quota_is_separate(server, client):
    server.quota.writes_per_minute = 1
    server.quota.reads_per_minute = 1
    batch_get(client, ["Profil"])  # the one read allowed
    client.http_client.values_update(KEY, "Profil!C1", {"valueInputOption": "RAW"},
                                     {"values": [["x"]]})  # reads spent, a write still goes
    with pytest.raises(APIError) as caught:
        client.http_client.values_update(KEY, "Profil!C1", {"valueInputOption": "RAW"},
                                         {"values": [["y"]]})
    assert caught.value.code == 429
    assert "Write requests" in caught.value.response.json()["error"]["message"]
    with pytest.raises(APIError) as caught:
        batch_get(client, ["Profil"])
    assert "Read requests" in caught.value.response.json()["error"]["message"]
    assert server.get_workbook(KEY)["sheets"][0]["rows"][0] == ["Isian", "Nilai", "x"]
    assert server.counters.total("sheets.429") == 2


def test_refused_requests_do_not_use_the_window():
    window = SlidingWindow(limit=5)
    assert [window.acquire(t) for t in range(5)] == [None] * 5
    assert window.acquire(10.0) == 50  # the slot taken at t=0 frees at t=60
    assert window.acquire(30.0) == 30
    assert window.acquire(60.0) is None  # the refusals at 10 and 30 took no slot
    assert window.acquire(60.5) == 1


def test_counters_by_kind_and_key(server, client):
    server.put_workbook(small_workbook("other"))
    client.open_by_key(KEY).worksheet("Profil").get_all_values()
    batch_get(client, ["Kunjungan"], key="other")
    client.list_spreadsheet_files()
    client.get_file_drive_metadata(KEY)
    assert server.counters.total("sheets.metadata") == 2  # open_by_key + worksheet()
    assert server.counters.total("sheets.values.get") == 1
    assert server.counters.total("sheets.batchGet") == 1
    assert server.counters.total("drive.files.list") == 1
    assert server.counters.for_key(KEY) == {"sheets.metadata": 2, "sheets.values.get": 1,
                                            "drive.files.get": 1}
    assert server.counters.for_key("other") == {"sheets.batchGet": 1}
    server.counters.reset()
    assert server.counters.total("sheets.metadata") == 0 and server.counters.for_key(KEY) == {}


# -- Drive -----------------------------------------------------------------------------------

def test_drive_listing_pages_through_2500_files(server, client):
    server.delete_workbook(KEY)
    keys = [f"1Key{i:05d}" for i in range(2500)]
    for key in keys:
        server.put_workbook(small_workbook(key))
    files = client.list_spreadsheet_files()  # gspread asks for pageSize=1000
    assert [f["id"] for f in files] == keys
    assert server.counters.total("drive.files.list") == 3
    assert set(files[0]) >= {"id", "name", "mimeType", "modifiedTime"}
    first = drive_list(client, q=SPREADSHEET_Q)
    assert len(first["files"]) == 100 and first["nextPageToken"]  # Drive's default size
    assert first["kind"] == "drive#fileList"


def test_drive_query_filters(server, client):
    server.put_workbook(small_workbook("old", modifiedTime="2022-01-05T00:00:00.000Z"),
                        keep_modified=True)
    server.put_workbook(small_workbook("new", modifiedTime="2022-10-13T00:00:00.000Z"),
                        keep_modified=True)

    def ids(q):
        return [f["id"] for f in drive_list(client, q=q, pageSize=1000)["files"]]

    since = SPREADSHEET_Q + " and modifiedTime > '2022-10-13T00:00:00Z'"
    assert ids(since) == [KEY]
    assert ids(since.replace(">", ">=")) == [KEY, "new"]
    assert ids(SPREADSHEET_Q + " and modifiedTime < '2022-10-13T00:00:00'") == ["old"]
    assert ids("name = 'Desa new'") == ["new"]
    assert ids("trashed = true") == []
    with pytest.raises(APIError) as caught:
        ids("modifiedTime > 'yesterday'")
    assert caught.value.code == 400
    server.delete_workbook("new")
    assert ids(since.replace(">", ">=")) == [KEY]


def test_put_workbook_bumps_modified_time_strictly(server, client):
    stamps = []
    for _ in range(30):
        server.put_workbook(WORKBOOK)
        stamps.append(client.get_file_drive_metadata(KEY)["modifiedTime"])
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", s) for s in stamps)
    assert stamps == sorted(set(stamps))  # strictly increasing, even within a millisecond
    kept = {**WORKBOOK, "modifiedTime": "2030-01-01T00:00:00.000Z"}
    server.put_workbook(kept, keep_modified=True)
    assert server.get_workbook(KEY)["modifiedTime"] == "2030-01-01T00:00:00.000Z"
    server.put_workbook(WORKBOOK)  # never goes back in time
    assert server.get_workbook(KEY)["modifiedTime"] > "2030-01-01T00:00:00.000Z"


def test_server_loads_a_data_directory(tmp_path):
    stored = {**WORKBOOK, "modifiedTime": "2022-11-20T03:04:05.123Z"}
    save_workbook(stored, tmp_path / f"{KEY}.json")
    with SheetsServer(data_dir=tmp_path) as srv:
        client = make_client(srv.url, srv.url, None, [])
        assert client.get_file_drive_metadata(KEY)["modifiedTime"] == stored["modifiedTime"]
        assert batch_get(client, ["Kegiatan!C3"])["valueRanges"][0]["values"] == [["0812345"]]


# -- writes ----------------------------------------------------------------------------------

def test_writes_through_gspread(server, client):
    spreadsheet = client.open_by_key(KEY)
    before = server.get_workbook(KEY)["modifiedTime"]
    validasi = spreadsheet.add_worksheet("Validasi", rows=50, cols=8)
    assert validasi.id == 4 and validasi.row_count == 50
    validasi.update([["Baris", "Masalah"], ["0812345", "12"]], "A1")  # RAW by default
    validasi.update([["1.234", "1,5", "=1+1"]], "A3", raw=False)  # USER_ENTERED, in_ID
    rows = batch_get(client, ["Validasi"], {"valueRenderOption": "FORMULA"})
    assert rows["valueRanges"][0]["values"] == [
        ["Baris", "Masalah"], ["0812345", "12"], [1234, 1.5, "=1+1"]]
    assert server.get_workbook(KEY)["modifiedTime"] > before
    with pytest.raises(APIError) as caught:
        spreadsheet.add_worksheet("Validasi", rows=5, cols=5)
    assert caught.value.code == 400 and "already exists" in str(caught.value)

    validasi.append_row(["x", 5])
    validasi.batch_clear(["B1:B2"])
    assert validasi.get_all_values()[:2] == [["Baris", ""], ["0812345", ""]]
    assert validasi.get_all_values()[2:] == [["1.234", "1,5"], ["x", "5"]]
    validasi.clear()
    assert "values" not in batch_get(client, ["Validasi"])["valueRanges"][0]
    spreadsheet.del_worksheet(validasi)
    assert [ws.title for ws in spreadsheet.worksheets()] == [
        "Profil", "Kunjungan", "Kegiatan", "Tab with spaces"]


def test_batch_update_structure_and_data_validation(server, client):
    spreadsheet = client.open_by_key(KEY)
    rule = {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "Ya"}]}}
    grid = {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 1}
    reply = spreadsheet.batch_update({"requests": [
        {"setDataValidation": {"range": grid, "rule": rule}},
        {"updateSheetProperties": {"properties": {"sheetId": 0, "title": "Profil Desa"},
                                   "fields": "title"}},
        {"repeatCell": {"range": grid, "cell": {}, "fields": "userEnteredFormat"}},
    ]})
    assert reply == {"spreadsheetId": KEY, "replies": [{}, {}, {}]}
    stored = server.get_workbook(KEY)["sheets"][0]
    assert stored["title"] == "Profil Desa"
    assert stored["dataValidation"] == [{"range": grid, "rule": rule}]
    before = server.get_workbook(KEY)
    with pytest.raises(APIError):  # the second request fails: nothing is applied
        spreadsheet.batch_update({"requests": [
            {"addSheet": {"properties": {"title": "Baru"}}},
            {"deleteSheet": {"sheetId": 99}}]})
    assert server.get_workbook(KEY) == before


def test_create_and_delete_spreadsheet(server, client):
    created = client.create("Laporan TPBIS Desa Baru")
    assert created.title == "Laporan TPBIS Desa Baru"
    assert [ws.title for ws in created.worksheets()] == ["Sheet1"]
    assert created.id in [f["id"] for f in client.list_spreadsheet_files()]
    client.del_spreadsheet(created.id)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key(created.id)


def test_deleted_workbook_is_gone(server, client):
    assert server.delete_workbook(KEY) is True
    assert server.delete_workbook(KEY) is False
    assert client.list_spreadsheet_files() == []
    with pytest.raises(APIError) as caught:
        batch_get(client, ["Profil"])
    assert caught.value.code == 404
    with pytest.raises(KeyError):
        server.get_workbook(KEY)


# -- concurrency, speed, lifecycle -----------------------------------------------------------

def test_concurrent_batch_gets(server, client):
    expected = batch_get(client, ["Kunjungan", "Kegiatan"], UNFORMATTED)
    failures, results = [], []

    def reader():
        try:
            for _ in range(50):
                results.append(batch_get(client, ["Kunjungan", "Kegiatan"], UNFORMATTED))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(results) == 400 and all(r == expected for r in results)
    assert server.counters.total("sheets.batchGet") == 401


def test_large_tab_is_served_quickly(server, client):
    rows = [["Bulan", "L", "P"]] + [[{"date": "2022-10-01", "fmt": "mmm yyyy"}, i, i + 1]
                                    for i in range(20000)]
    server.put_workbook({"spreadsheetId": "big", "title": "Big",
                         "sheets": [{"title": "Kunjungan", "rows": rows}]})
    batch_get(client, ["Kunjungan!A1:A2"], key="big")  # warm the connection
    body = batch_get(client, ["Kunjungan"], UNFORMATTED, key="big")
    values = body["valueRanges"][0]["values"]
    assert len(values) == 20001 and values[-1] == [44835, 19999, 20000]
    assert body["valueRanges"][0]["range"] == "Kunjungan!A1:Z20001"


def test_stopped_server_refuses_connections(server, client):
    batch_get(client, ["Profil"])
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        batch_get(client, ["Profil"])


def test_serve_forever_prints_url_and_env_vars(tmp_path):
    save_workbook(WORKBOOK, tmp_path / f"{KEY}.json")
    code = ("from tpbis.local_sheets.server import serve_forever; "
            f"serve_forever({str(tmp_path)!r}, port=0)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", first).group(0)
        lines = [proc.stdout.readline() for _ in range(3)]
        assert f"export TPBIS_SHEETS_API_URL={url}\n" in [line.lstrip() for line in lines]
        assert f"export TPBIS_DRIVE_API_URL={url}\n" in [line.lstrip() for line in lines]
        client = make_client(url, url, None, [])
        assert client.open_by_key(KEY).title == WORKBOOK["title"]
        client.http_client.session.close()          # no kept-alive connection left to drain
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0           # a hang guard only: under load, stopping took > 10 s


# -- the client factory ----------------------------------------------------------------------

def test_routed_client_rewrites_google_urls_only():
    routed = RoutedHTTPClient(None, requests.Session(), sheets_api_url="http://127.0.0.1:9/",
                              drive_api_url="http://127.0.0.1:8")
    assert routed.route("https://sheets.googleapis.com/v4/spreadsheets/k") == (
        "http://127.0.0.1:9/v4/spreadsheets/k")
    assert routed.route("https://www.googleapis.com/drive/v3/files") == (
        "http://127.0.0.1:8/drive/v3/files")
    assert routed.route("https://www.googleapis.com.example/x") == (
        "https://www.googleapis.com.example/x")
    google = RoutedHTTPClient(None, requests.Session())
    assert google.route("https://sheets.googleapis.com/v4/x") == (
        "https://sheets.googleapis.com/v4/x")


def test_make_client_takes_a_subclass_and_its_arguments(server):
    class Recording(RoutedHTTPClient):
        def __init__(self, auth, session=None, *, log, **urls):
            super().__init__(auth, session, **urls)
            self.log = log

        def route(self, url):
            self.log.append(url)
            return super().route(url)

    log = []
    client = make_client(server.url, server.url, None, [], timeout=(1, 2),
                         http_client_class=Recording, log=log)
    assert client.open_by_key(KEY).title == WORKBOOK["title"]
    assert log == [f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}"]
    assert client.http_client.timeout == (1, 2)


def test_make_client_for_google_uses_the_service_account_and_the_same_client(tmp_path):
    crypto = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
    from cryptography.hazmat.primitives import serialization
    from google.oauth2.service_account import Credentials

    key = crypto.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "1",
        "private_key": pem, "client_email": "sync@p.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}))
    scopes = ["https://www.googleapis.com/auth/spreadsheets.readonly"]
    client = make_client("https://sheets.googleapis.com", "https://www.googleapis.com",
                         str(key_file), scopes)
    assert isinstance(client.http_client, RoutedHTTPClient)
    assert isinstance(client.http_client.auth, Credentials)
    assert client.http_client.auth.scopes == scopes
    assert client.http_client.timeout == (5, 60)
    url = "https://sheets.googleapis.com/v4/spreadsheets/k/values:batchGet"
    assert client.http_client.route(url) == url


def test_make_client_needs_credentials_for_google():
    with pytest.raises(ValueError, match="service-account key"):
        make_client("https://sheets.googleapis.com", "https://www.googleapis.com", None, [])


# -- workbook format and ranges ----------------------------------------------------------------

@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)))
def test_date_serials_round_trip(day):
    assert serial_to_date(date_to_serial(day)) == day
    assert serial_to_date(date_to_serial(day) + 0.75) == day


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_grouped_numbers_in_both_locales(number):
    cell = {"n": number, "fmt": "#,##0"}
    assert cell_value(cell, "FORMATTED_VALUE", "in_ID").replace(".", "") == str(number)
    assert cell_value(cell, "FORMATTED_VALUE", "en_US") == f"{number:,}"
    assert cell_value(cell, "UNFORMATTED_VALUE", "in_ID") == number


def test_known_renderings():
    assert date_to_serial(date(2022, 10, 13)) == 44847
    assert cell_value({"date": "2022-10-13", "fmt": "d mmmm yy"}, "FORMATTED_VALUE",
                      "in_ID") == "13 Oktober 22"
    assert cell_value({"date": "2022-08-01", "fmt": "mmm"}, "FORMATTED_VALUE", "in_ID") == "Agu"
    assert cell_value(2.0, "UNFORMATTED_VALUE", "in_ID") == 2
    assert cell_value(None, "FORMULA", "in_ID") == ""
    assert cell_value({"n": 5000000, "fmt": '"Rp"#,##0'}, "FORMATTED_VALUE",
                      "in_ID") == "Rp5.000.000"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", now_rfc3339())


@pytest.mark.parametrize("text, parsed", [
    ("Kunjungan", A1Range("Kunjungan")),
    ("'Tab with spaces'", A1Range("Tab with spaces")),
    ("'It''s'!B2", A1Range("It's", 2, 2, 2, 2)),
    ("Kunjungan!A1:G", A1Range("Kunjungan", 1, 1, None, 7)),
    ("'Kunjungan'!A1:Z1000", A1Range("Kunjungan", 1, 1, 1000, 26)),
    ("Tab!A:C", A1Range("Tab", None, 1, None, 3)),
    ("Tab!2:5", A1Range("Tab", 2, None, 5, None)),
    ("AA10:AB11", A1Range(None, 10, 27, 11, 28)),
])
def test_parse_a1(text, parsed):
    assert parse_a1(text, ["Kunjungan", "Tab"]) == parsed


def test_server_keeps_its_own_copy(server):
    mine = copy.deepcopy(WORKBOOK)
    server.put_workbook(mine)
    mine["sheets"][0]["rows"][0][0] = "changed"
    assert server.get_workbook(KEY)["sheets"][0]["rows"][0][0] == "Isian"
