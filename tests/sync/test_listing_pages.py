"""A province's registry is many pages of Drive's listing (1,000 sheets a page): the sync
starts reading while later pages are still listed, and still reads each changed sheet once,
every sheet Drive does not list, and nothing else. Here 17 sheets, listed 3 a page."""
from __future__ import annotations

import pytest

from flows.nightly_sync import nightly_sync
from tpbis.google import drive
from tests.helpers import KEYS, query

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_a_listing_of_many_pages_reads_each_changed_and_unlisted_sheet_once(sync_env, sheets_server, monkeypatch):
    monkeypatch.setattr(drive, "PAGE_SIZE", 3)
    first = nightly_sync()
    assert (first["villages_loaded"], first["villages_failed"]) == (17, 0)
    assert sheets_server.counters.total("sheets.batchGet") == 17
    too_early = ("select count(*) from report.rejected_rows where reason = 'before_2015' "
                 "and kode_desa in (select kode_desa from report.villages)")
    rejected = query(sync_env, too_early)[0][0]

    changed = [KEYS[k] for k in ("14.03.02.2008", "14.03.01.2020", "14.03.02.2010")]
    for key in changed:
        wb = sheets_server.get_workbook(key)
        kunjungan = next(s for s in wb["sheets"] if s["title"].strip().lower() == "kunjungan")
        kunjungan["rows"].append(["Desember 2014", 1, 1])       # rejected: before 2015
        sheets_server.put_workbook(wb)
    revoked = next(k for k in KEYS.values() if k not in changed)
    sheets_server.faults.status(revoked, 403)                   # Drive stops listing it too
    sheets_server.counters.reset()

    second = nightly_sync()
    assert sheets_server.counters.total("drive.files.list") == 6          # 16 listed, 3 a page
    for key in KEYS.values():
        expected = 1 if key in changed or key == revoked else 0
        assert sheets_server.counters.for_key(key).get("sheets.batchGet", 0) == expected, key
    assert (second["villages_loaded"], second["villages_skipped"], second["villages_failed"]) == (3, 13, 1)
    assert [f["kode_desa"] for f in second["failed"]] == [k for k, v in KEYS.items() if v == revoked]
    assert query(sync_env, too_early)[0][0] == rejected + 3               # each changed sheet loaded


def test_the_listing_thread_hands_over_every_page_and_says_when_more_follow(sheets_server, monkeypatch):
    from tpbis.google import sheets
    from tpbis.settings import Settings
    from tpbis.sync.listing import Listing
    monkeypatch.setattr(drive, "PAGE_SIZE", 5)
    conn = sheets.connect(Settings(sheets_api_url=sheets_server.url, drive_api_url=sheets_server.url))
    pages = list(Listing(conn).pages())
    assert [(len(found), more) for found, _, more in pages] == [(5, True), (5, True), (5, True), (2, False)]
    assert sorted(k for found, _, _ in pages for k in found) == sorted(KEYS.values())


def test_an_unexpected_error_while_listing_is_raised_where_the_pages_are_used():
    from tpbis.sync.listing import Listing
    with pytest.raises(AttributeError):         # no connection at all: a bug, not a Drive outage
        list(Listing(None).pages())
