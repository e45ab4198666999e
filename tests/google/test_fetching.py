"""Quota-aware fetching through gspread against the local server: faults, quota, missing tabs."""
from __future__ import annotations

import pytest

from flows.nightly_sync import nightly_sync
from tpbis.google import drive, sheets
from tpbis.settings import Settings
from tests.helpers import KEYS, query as rows



def settings_for(server, **kw) -> Settings:
    return Settings(sheets_api_url=server.url, drive_api_url=server.url, backoff_base=0.01, **kw)


def test_one_batchget_per_sheet_and_no_metadata(sheets_server):
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None))
    key = KEYS["14.03.02.2008"]
    wb = sheets.fetch_workbook(conn, key)
    assert sorted(wb.value_ranges) == sorted(["Profil", "Kunjungan", "Kegiatan", "Mitra", "Dampak"])
    assert wb.reads == 1
    assert sheets_server.counters.for_key(key) == {"sheets.batchGet": 1}


def test_missing_tab_costs_one_metadata_read_and_one_retry(sheets_server):
    key = KEYS["14.03.02.2008"]
    wb = sheets_server.get_workbook(key)
    wb["sheets"] = [s for s in wb["sheets"] if s["title"] not in ("Mitra", "Dampak")]
    sheets_server.put_workbook(wb)
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None))
    got = sheets.fetch_workbook(conn, key)
    assert sorted(got.value_ranges) == ["Kegiatan", "Kunjungan", "Profil"]
    assert got.reads == 3
    assert sheets_server.counters.for_key(key) == {"sheets.batchGet": 2, "sheets.metadata": 1}


def test_drive_listing_pages_by_1000(sheets_server):
    from tpbis.local_sheets.synthetic import synthetic_registry, synthetic_workbook
    for v in synthetic_registry(2100):
        sheets_server.put_workbook(synthetic_workbook(v, months=1, activities_per_month=1))
    conn = sheets.connect(settings_for(sheets_server))
    listed = drive.list_modified_times(conn)
    assert len(listed) == 2100 + 17
    assert sheets_server.counters.total("drive.files.list") == 3
    assert conn.stats["sheets.read"] == 0


@pytest.mark.parametrize("status,code", [(403, "permission_denied"), (404, "not_found")])
def test_permission_and_missing_are_not_retried(sheets_server, status, code):
    key = KEYS["14.03.02.2008"]
    sheets_server.faults.status(key, status)
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None))
    with pytest.raises(sheets.FetchError) as err:
        sheets.fetch_workbook(conn, key)
    assert err.value.code == code
    assert sheets_server.counters.for_key(key) == {"sheets.batchGet": 1}


def test_5xx_twice_then_success(sheets_server):
    key = KEYS["14.03.02.2008"]
    sheets_server.faults.status(key, 503, times=2)
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None))
    wb = sheets.fetch_workbook(conn, key)
    assert len(wb.value_ranges["Kunjungan"]) > 10
    assert sheets_server.counters.for_key(key) == {"sheets.batchGet": 3}


def test_retries_leave_the_random_module_of_the_program_alone(sheets_server):
    """Fetch threads back off in the background (a sync under a test's Hypothesis, a seeded
    notebook): their jitter comes from a generator of their own, never `random`'s state."""
    import random
    key = KEYS["14.03.02.2008"]
    sheets_server.faults.status(key, 503, times=2)
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None))
    random.seed(14)
    state = random.getstate()
    sheets.fetch_workbook(conn, key)
    assert sheets_server.counters.for_key(key) == {"sheets.batchGet": 3}      # it did back off, twice
    assert random.getstate() == state


def test_5xx_forever_gives_up_after_max_attempts(sheets_server):
    key = KEYS["14.03.02.2008"]
    sheets_server.faults.status(key, 500)
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None, max_attempts=4))
    with pytest.raises(sheets.FetchError) as err:
        sheets.fetch_workbook(conn, key)
    assert err.value.code == "server_error"
    assert sheets_server.counters.for_key(key) == {"sheets.batchGet": 4}


def test_malformed_json_is_retried(sheets_server):
    key = KEYS["14.03.02.2008"]
    sheets_server.faults.malformed(key, times=1)
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None))
    wb = sheets.fetch_workbook(conn, key)
    assert "Kegiatan" in wb.value_ranges
    assert conn.stats["http.malformed"] == 1


def test_429_is_absorbed_with_retry_after(sheets_server):
    """A server quota tighter than our pace: 429s come, are waited out, and data is complete."""
    sheets_server.quota.reads_per_minute = 5
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None, max_attempts=3))
    sheets_server.faults.status(KEYS["14.03.02.2008"], 429, times=1, retry_after=1)
    wb = sheets.fetch_workbook(conn, KEYS["14.03.02.2008"])
    assert wb.value_ranges["Kunjungan"]
    assert conn.stats["http.429"] == 1


@pytest.mark.usefixtures("prefect_harness")
def test_failing_villages_keep_their_data_and_others_load(sync_env, sheets_server, monkeypatch):
    nightly_sync()
    before = {k: rows(sync_env, "select count(*) from report.activities where kode_desa = ?", [k])[0][0]
              for k in ("14.03.01.2021", "14.03.02.2010", "14.03.03.2016")}
    sheets_server.faults.status(KEYS["14.03.01.2021"], 403)     # share revoked
    sheets_server.faults.status(KEYS["14.03.02.2010"], 404)     # deleted
    sheets_server.faults.status(KEYS["14.03.03.2016"], 503, times=2)
    for key in KEYS.values():                                   # everything was edited today
        sheets_server.put_workbook(sheets_server.get_workbook(key))
    summary = nightly_sync()
    failed = {f["kode_desa"]: f["reason"] for f in summary["failed"]}
    assert failed == {"14.03.01.2021": "permission_denied", "14.03.02.2010": "not_found"}
    assert summary["villages_synced"] == 15
    for kode, n in before.items():
        assert rows(sync_env, "select count(*) from report.activities where kode_desa = ?", [kode])[0][0] == n
    from typer.testing import CliRunner
    from tpbis.cli.main import app
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 1
    assert "14.03.01.2021" in result.output and "permission_denied" in result.output
    assert "14.03.02.2010" in result.output and "not_found" in result.output
    sheets_server.faults.clear()
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("prefect_harness")
def test_429s_during_a_sync_are_absorbed_and_the_data_is_complete(sync_env, sheets_server):
    throttled = ["14.03.01.2020", "14.03.02.2008", "14.03.13.2003"]
    for kode in throttled:
        sheets_server.faults.status(KEYS[kode], 429, times=1, retry_after=1)
    summary = nightly_sync()
    assert summary["villages_failed"] == 0 and summary["villages_loaded"] == 17
    assert summary["http_429"] == 3
    assert summary["sheets_reads"] == 17 + 3
    for kode in throttled:
        assert sheets_server.counters.for_key(KEYS[kode]) == {"sheets.batchGet": 2}
        assert rows(sync_env, "select count(*) from report.monthly_visits where kode_desa = ?", [kode])[0][0] > 40


def test_a_truncated_body_is_retried(sheets_server):
    """Content-Length promises more than arrives, then the connection drops: retried like a 5xx."""
    key = KEYS["14.03.02.2008"]
    sheets_server.wire.truncate(key, times=2)
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None))
    wb = sheets.fetch_workbook(conn, key)
    assert len(wb.value_ranges["Kunjungan"]) > 10
    assert sheets_server.counters.for_key(key) == {"sheets.batchGet": 3}
    assert conn.stats["http.network"] == 2


def test_a_body_truncated_every_time_fails_the_village_with_a_stable_reason(sheets_server):
    key = KEYS["14.03.02.2008"]
    sheets_server.wire.truncate(key, times=None)
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None, max_attempts=3))
    with pytest.raises(sheets.FetchError) as err:
        sheets.fetch_workbook(conn, key)
    assert err.value.code == "truncated_response"
    assert sheets_server.counters.for_key(key) == {"sheets.batchGet": 3}


@pytest.mark.parametrize("odd", ["../x", "a%2Fb", "x?y=1", "{real}?x=", "../spreadsheets/{real}",
                                 "{real}/values:batchGet?ranges=Profil&", "{real}#", "%2e%2e/{real}"])
def test_a_key_never_reaches_another_endpoint(sheets_server, odd):
    """Escaped into the URL path, an odd key names a spreadsheet that does not exist (404):
    never the metadata, the values or another sheet's answer."""
    real = KEYS["14.03.02.2008"]
    key = odd.format(real=real)
    conn = sheets.connect(settings_for(sheets_server, reads_per_minute=None))
    with pytest.raises(sheets.FetchError) as err:
        sheets.fetch_workbook(conn, key)
    assert err.value.code == "not_found"
    assert sheets_server.counters.for_key(real) == {}
    from tpbis.sync.steps import fetch_all
    [fetched] = fetch_all(conn, [{"kode_desa": "14.03.02.2008", "spreadsheet_key": key}], workers=1)
    assert fetched.workbook is None and fetched.error.code == "not_found"
