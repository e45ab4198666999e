"""A Drive listing that fails, breaks or lists nonsense never aborts the run.

Decision (README, "What happens in a sync"): files.list is retried like a Sheets read; a
listing that still cannot be read ends with what was listed so far, and every sheet not
listed is read (each fetch then tells the truth per village); an entry without an id is
ignored, and a sheet listed without a readable modifiedTime is read. Through gspread and
the local server's wire faults, and through the real flow."""
from __future__ import annotations

import pytest

from flows.nightly_sync import nightly_sync
from tpbis.google import drive, sheets
from tpbis.settings import Settings
from tests.helpers import KEYS

JANGKANG = KEYS["14.03.02.2008"]


def connect(server, **kw) -> sheets.Connection:
    return sheets.connect(Settings(sheets_api_url=server.url, drive_api_url=server.url, backoff_base=0.01,
                                   reads_per_minute=None, **kw))


def test_listing_retries_5xx_then_lists_everything(sheets_server):
    sheets_server.wire.drive_status(500, times=2)
    listed = drive.list_modified_times(connect(sheets_server))
    assert sorted(listed) == sorted(KEYS.values())
    assert sheets_server.counters.total("drive.files.list") == 3


def test_listing_retries_a_malformed_body(sheets_server):
    sheets_server.wire.drive_malformed(times=1)
    conn = connect(sheets_server)
    assert sorted(drive.list_modified_times(conn)) == sorted(KEYS.values())
    assert conn.stats["http.malformed"] == 1


@pytest.mark.parametrize("fault", ["status", "malformed"])
def test_a_listing_that_never_works_lists_nothing_instead_of_raising(sheets_server, fault):
    if fault == "status":
        sheets_server.wire.drive_status(503, times=None)
    else:
        sheets_server.wire.drive_malformed(times=None)
    assert drive.list_modified_times(connect(sheets_server, max_attempts=3)) == {}
    assert sheets_server.counters.total("drive.files.list") == 3


def test_entries_that_make_no_sense_are_ignored_and_their_sheets_are_read(sheets_server):
    other = KEYS["14.03.01.2020"]
    sheets_server.wire.drive_entries([
        {"modifiedTime": "2026-01-01T00:00:00Z"},                 # no id
        {"id": "", "modifiedTime": "2026-01-01T00:00:00Z"},       # empty id
        {"id": 12345, "modifiedTime": "2026-01-01T00:00:00Z"},    # not a string
        "not an object", None, [1, 2],
        {"id": JANGKANG},                                         # no modifiedTime
        {"id": other, "modifiedTime": "kemarin sore"},            # garbage modifiedTime
    ])
    listed = drive.list_modified_times(connect(sheets_server))
    assert sorted(listed) == sorted(set(KEYS.values()) - {JANGKANG, other})


@pytest.mark.usefixtures("prefect_harness")
def test_a_sync_survives_a_broken_listing_and_reads_what_it_cannot_plan(sync_env, sheets_server):
    first = nightly_sync()
    assert first["villages_loaded"] == 17

    # odd entries: the two sheets they name are read (unchanged), the other 15 skipped
    other = KEYS["14.03.01.2020"]
    sheets_server.wire.drive_entries([{"id": JANGKANG}, {"id": other, "modifiedTime": "31/12/2026"},
                                      {"modifiedTime": "2026-01-01T00:00:00Z"}])
    second = nightly_sync()
    assert (second["status"], second["villages_failed"]) == ("success", 0)
    assert (second["villages_unchanged"], second["villages_skipped"]) == (2, 15)
    assert sheets_server.counters.for_key(JANGKANG)["sheets.batchGet"] == 2

    # Drive down all night: every sheet is read, each village tells its own truth
    sheets_server.wire.clear()
    sheets_server.wire.drive_status(500, times=None)
    sheets_server.faults.status(KEYS["14.03.02.2010"], 404)
    third = nightly_sync()
    assert third["status"] == "partial"
    assert third["villages_unchanged"] == 16 and third["villages_skipped"] == 0
    assert [(f["kode_desa"], f["reason"]) for f in third["failed"]] == [("14.03.02.2010", "not_found")]
