"""Every messy-sheet fixture, served by the local Sheets server and fetched through gspread
over HTTP exactly as the sync fetches (one values:batchGet, UNFORMATTED_VALUE), must parse to
the same exact typed values as when the cells are handed to the transforms directly."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.transforms.conftest import FETCHED_AT, VILLAGE
from tests.transforms.test_fixtures import FIXTURES, check_fixture
from tpbis.google import sheets
from tpbis.settings import Settings
from tpbis.local_sheets.server import SheetsServer
from transforms.reference import load_reference
from transforms.workbook import parse_workbook


@pytest.fixture(scope="module")
def server():
    with SheetsServer() as s:
        yield s


@pytest.fixture(scope="module")
def conn(server):
    return sheets.connect(Settings(sheets_api_url=server.url, drive_api_url=server.url, reads_per_minute=None))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_through_the_local_server(path: Path, server, conn):
    body = json.loads(path.read_text())
    expect = body["expect"]
    key = "fixture-" + path.stem
    server.put_workbook({"spreadsheetId": key, "title": path.stem, "locale": "in_ID",
                         "sheets": [{"title": title, "rows": rows} for title, rows in body["tabs"].items()]})
    fetched = sheets.fetch_workbook(conn, key)
    assert set(fetched.value_ranges) == set(body["tabs"]) & set(fetched.value_ranges)
    parsed = parse_workbook(fetched.value_ranges, expect.get("village", VILLAGE), spreadsheet_key="1abc",
                            fetched_at=FETCHED_AT, today=date.fromisoformat(expect.get("today", "2025-01-15")),
                            ref=load_reference())
    check_fixture(parsed, expect)
