"""What the local server stores of the requests that guard a template and write a Validasi tab:
protected ranges, conditional formats, range-clearing updateCells, HYPERLINK labels — through
gspread over HTTP, as Google answers them."""
from __future__ import annotations

import pytest
from gspread.exceptions import APIError

from tpbis.google.client import make_client
from tpbis.local_sheets.server import SheetsServer

KEY = "1guards"


@pytest.fixture
def server():
    with SheetsServer() as srv:
        srv.put_workbook({"spreadsheetId": KEY, "sheets": [
            {"title": "Kunjungan", "rows": [["Bulan", "L", "P"], ["Okt 2022", 1, 2]]},
            {"title": "Validasi", "rows": [["lama"], ["baris lama 2"], ["baris lama 3", "x", "y"]]}]})
        yield srv


@pytest.fixture
def spreadsheet(server):
    return make_client(server.url, server.url, None, []).open_by_key(KEY)


def tab(server, title: str) -> dict:
    return next(s for s in server.get_workbook(KEY)["sheets"] if s["title"] == title)


def test_protected_ranges_and_conditional_formats_are_stored(server, spreadsheet):
    header = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}
    rule = {"ranges": [{"sheetId": 0, "startRowIndex": 1, "endRowIndex": 100, "startColumnIndex": 1,
                        "endColumnIndex": 2}],
            "booleanRule": {"condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": "=ISBLANK(B2)"}]},
                            "format": {"backgroundColor": {"red": 1}}}}
    reply = spreadsheet.batch_update({"requests": [
        {"addProtectedRange": {"protectedRange": {"range": header, "description": "judul", "warningOnly": True}}},
        {"addConditionalFormatRule": {"rule": rule, "index": 0}}]})
    [protected, _] = reply["replies"]
    assert protected["addProtectedRange"]["protectedRange"]["protectedRangeId"] == 1
    stored = tab(server, "Kunjungan")
    assert stored["protectedRanges"] == [{"range": header, "description": "judul", "warningOnly": True,
                                          "protectedRangeId": 1}]
    assert stored["conditionalFormats"] == [rule]
    spreadsheet.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": 1}},
                                           {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}}]})
    stored = tab(server, "Kunjungan")
    assert stored["protectedRanges"] == [] and stored["conditionalFormats"] == []
    with pytest.raises(APIError):
        spreadsheet.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": 7}}]})


def test_update_cells_over_a_range_clears_what_it_does_not_write(server, spreadsheet):
    validasi_id = tab(server, "Validasi")["sheetId"]
    spreadsheet.batch_update({"requests": [{"updateCells": {
        "range": {"sheetId": validasi_id, "startRowIndex": 0, "startColumnIndex": 0},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "baru"}}]},
                 {"values": [{"userEnteredValue": {"formulaValue": '=HYPERLINK("#gid=0&range=B2";"Kunjungan!B2")'}}]}],
        "fields": "userEnteredValue,userEnteredFormat"}}]})
    stored = tab(server, "Validasi")
    assert stored["sheetId"] == validasi_id
    assert stored["rows"] == [["baru"], [{"formula": '=HYPERLINK("#gid=0&range=B2";"Kunjungan!B2")',
                                         "value": "Kunjungan!B2"}]]
    assert spreadsheet.worksheet("Validasi").get_all_values() == [["baru"], ["Kunjungan!B2"]]
