"""The nightly sync end to end: real local Sheets server over HTTP, gspread, pandas, a DuckDB
file, and the Prefect flow run under prefect_test_harness."""
from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from flows.nightly_sync import nightly_sync
from tpbis.cli.main import app
from tpbis.settings import PROJECT_ROOT
from tests.contract_views import missing_contract_columns
from tests.helpers import KEYS, query

pytestmark = pytest.mark.usefixtures("prefect_harness")

VIEWS = ["villages", "monthly_visits", "activities", "benefits", "partners", "quarterly_indicators",
         "rejected_rows", "row_warnings", "village_quality"]


SYNC_TIMES = {"villages": "exclude (last_synced_at)",
              "village_quality": "exclude (last_synced_at, last_status, last_message, last_attempt_at)"}


def snapshot(path) -> dict:
    """Every report view, fully sorted: what staff would see (less when it was last synced)."""
    return {v: sorted(map(repr, query(path, f"select * {SYNC_TIMES.get(v, '')} from report.{v}"))) for v in VIEWS}


def test_first_sync_reads_each_sheet_once_and_fills_the_views(sync_env, sheets_server):
    summary = nightly_sync()
    assert summary["villages_failed"] == 0, summary["failed"]
    assert summary["villages_loaded"] == 17
    assert sheets_server.counters.total("sheets.batchGet") == 17
    assert sheets_server.counters.total("sheets.metadata") == 0
    assert summary["sheets_reads"] == 17
    assert query(sync_env, "select count(*) from report.villages")[0][0] == 17
    assert query(sync_env, "select count(distinct kode_desa) from report.monthly_visits")[0][0] == 17
    assert query(sync_env, "select count(*) from report.activities")[0][0] > 1000
    runs = query(sync_env, "select status, villages_synced, villages_failed, rows_loaded from report.sync_runs")
    assert runs == [("success", 17, 0, summary["rows_loaded"])]
    # what a province officer types: the contract checker, and `tpbis sql` read-only
    assert missing_contract_columns(sync_env) == []               # contract section 3, always
    checker = PROJECT_ROOT.parent / "shared" / "tools" / "check_contract.py"
    if checker.exists():                                           # and the shared checker, when present
        done = subprocess.run([sys.executable, str(checker), str(sync_env)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout
    result = CliRunner().invoke(app, ["sql", "select count(*) as n from report.villages", "--csv"])
    assert result.exit_code == 0 and result.output.splitlines() == ["n", "17"]
    result = CliRunner().invoke(app, ["sql", "create table x (i int)"])
    assert result.exit_code == 2 and "read-only" in result.output        # bad usage: nothing changed


def test_row_invariant_holds_for_every_tab(sync_env, sheets_server):
    nightly_sync()
    broken = query(sync_env, """
        select t.kode_desa, t.tab, t.rows_read, t.rows_loaded, count(distinct r.row_number) as rejected
        from core.tab_counts t
        left join report.rejected_rows r on r.kode_desa = t.kode_desa and r.tab = t.tab
        where t.valid_to is null
        group by all
        having t.rows_read <> t.rows_loaded + count(distinct r.row_number)""")
    assert broken == []
    loaded = dict(query(sync_env, """select tab, sum(rows_loaded) from core.tab_counts where valid_to is null
                                     group by tab"""))
    assert loaded["Kunjungan"] == query(sync_env, "select count(*) from report.monthly_visits")[0][0]
    assert loaded["Kegiatan"] == query(sync_env, "select count(*) from report.activities")[0][0]
    assert loaded["Dampak"] == query(sync_env, "select count(*) from report.benefits")[0][0]
    assert loaded["Mitra"] == query(sync_env, "select count(*) from report.partners")[0][0]


def test_second_sync_reads_nothing_and_changes_nothing(sync_env, sheets_server):
    nightly_sync()
    before = snapshot(sync_env)
    versions = query(sync_env, "select count(*) from core.visits")[0][0]
    sheets_server.counters.reset()
    summary = nightly_sync()
    assert sheets_server.counters.total("sheets.batchGet") == 0
    assert summary["villages_skipped"] == 17 and summary["villages_failed"] == 0
    assert snapshot(sync_env) == before
    # a full sweep re-reads everything but identical content makes no new versions
    summary = nightly_sync(full=True)
    assert summary["villages_unchanged"] == 17
    assert sheets_server.counters.total("sheets.batchGet") == 17
    assert query(sync_env, "select count(*) from core.visits")[0][0] == versions
    assert snapshot(sync_env) == before


def test_changed_sheet_is_reread_alone(sync_env, sheets_server):
    nightly_sync()
    key = KEYS["14.03.02.2008"]
    wb = sheets_server.get_workbook(key)
    kunjungan = next(s for s in wb["sheets"] if s["title"].strip().lower() == "kunjungan")
    kunjungan["rows"].append(["Desember 2014", 1, 1])       # a row that must be rejected: before 2015
    sheets_server.put_workbook(wb)
    sheets_server.counters.reset()
    summary = nightly_sync()
    assert sheets_server.counters.total("sheets.batchGet") == 1
    assert sheets_server.counters.for_key(key).get("sheets.batchGet") == 1
    assert summary["villages_loaded"] == 1 and summary["villages_skipped"] == 16
    reasons = query(sync_env, "select reason from report.rejected_rows where kode_desa = '14.03.02.2008' "
                              "and row_number = ?", [len(kunjungan["rows"])])
    assert reasons == [("before_2015",)]


def test_unreadable_village_keeps_previous_data_and_others_load(sync_env, sheets_server):
    nightly_sync()
    kode = "14.03.01.2020"
    visits_before = query(sync_env, "select * from report.monthly_visits where kode_desa = ? order by month", [kode])
    assert visits_before
    wb = sheets_server.get_workbook(KEYS[kode])
    for sheet in wb["sheets"]:
        if sheet["title"].strip().lower() == "kunjungan":
            sheet["rows"] = [["catatan bulanan"], ["Oktober 2022", 5, 6]]   # no header at all
    sheets_server.put_workbook(wb)
    other = sheets_server.get_workbook(KEYS["14.03.02.2008"])
    sheets_server.put_workbook(other)                   # touched, same content: re-read, nothing to load
    summary = nightly_sync()
    assert summary["villages_failed"] == 1
    failed = summary["failed"][0]
    assert failed["kode_desa"] == kode and failed["reason"] == "unreadable_sheet"
    assert "Kunjungan" in failed["message"]
    assert summary["villages_unchanged"] == 1 and summary["villages_skipped"] == 15
    assert query(sync_env, "select * from report.monthly_visits where kode_desa = ? order by month", [kode]) \
        == visits_before
    assert query(sync_env, "select status from report.sync_runs order by started_at desc limit 1") == [("partial",)]


def test_warehouse_matches_the_samples_ground_truth(sync_env, sheets_server, sample_files):
    """What a careful person counts from each sheet (the generator's truth) is what loaded,
    and every row the truth says must be rejected is rejected, for the reason it says."""
    from tpbis.local_sheets.sample import load_truth
    truth = load_truth(sample_files)
    nightly_sync()
    counts = {(k, t): (r, l) for k, t, r, l in query(sync_env, """
        select kode_desa, tab, rows_read, rows_loaded from core.tab_counts where valid_to is null""")}
    rejected = {}
    for k, t, row, reason in query(sync_env, "select kode_desa, tab, row_number, reason from report.rejected_rows"):
        rejected.setdefault((k, t), set()).add((row, reason))
    for kode, village in truth["villages"].items():
        for tab, expected in village["tabs"].items():
            assert counts[(kode, tab)] == (expected["rows_read"], len(expected["loaded"])), (kode, tab)
            assert rejected.get((kode, tab), set()) == {(r["row"], r["reason"]) for r in expected["rejected"]}, \
                (kode, tab)
    visits = {(k, m.isoformat(), male, female) for k, m, male, female in query(sync_env, """
        select kode_desa, month, visitors_male, visitors_female from report.monthly_visits""")}
    assert visits == {(kode, r["month"], r["visitors_male"], r["visitors_female"])
                      for kode, v in truth["villages"].items() for r in v["tabs"]["Kunjungan"]["loaded"]}
    activities = sorted(query(sync_env, """select kode_desa, activity_date::varchar, category, strategy,
        participants_male, participants_female from report.activities"""))
    assert activities == sorted((kode, r["activity_date"], r["category"], r["strategy"], r["participants_male"],
                                 r["participants_female"])
                                for kode, v in truth["villages"].items() for r in v["tabs"]["Kegiatan"]["loaded"])


def test_a_run_that_fails_while_a_chunk_is_read_starts_no_further_read(sync_env, sheets_server, monkeypatch):
    """A run that fails while a chunk is read (here: the reference tables fail to load, after 3
    reads; SIGTERM leaves the same way) lets the reads under way finish and starts no other:
    the rest of the chunk is not read at the quota's pace before the run can end
    (flows.nightly_sync.chunk_fetches), and nothing of the run is published."""
    import time

    import flows.nightly_sync as flow_module
    monkeypatch.setenv("TPBIS_CHUNK_SIZE", "17")               # one chunk: all 17 villages
    monkeypatch.setenv("TPBIS_SHEETS_READS_PER_MINUTE", "60")  # paced: about one read a second
    monkeypatch.setenv("TPBIS_FETCH_WORKERS", "2")             # at most 2 reads under way

    def failing_reference_tables(*args, **kwargs):
        deadline = time.monotonic() + 60
        while sheets_server.counters.total("sheets.batchGet") < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        raise RuntimeError("reference tables could not be loaded")
    monkeypatch.setattr(flow_module.records, "load_reference_tables", failing_reference_tables)
    state = nightly_sync(return_state=True)
    assert state.is_failed()
    assert "reference tables could not be loaded" in state.message
    read = sheets_server.counters.total("sheets.batchGet")
    assert 3 <= read <= 3 + 2 + 1, read     # the 3, the 2 under way, one slot of leeway; never 17
    assert not sync_env.exists()


def test_chunks_load_on_one_duckdb_thread_and_the_setting_comes_back(sync_env, sheets_server, monkeypatch):
    """Loads insert on one DuckDB thread (tpbis.warehouse.store.one_thread: less CPU, while the
    parse workers use the other core); the writer's `threads` is back before publish, whose
    summaries use every thread; and after a load that failed too."""
    import duckdb

    import flows.nightly_sync as flow_module
    from tpbis.warehouse import store
    seen = []
    real_load, real_publish = flow_module.warehouse.load_batch, flow_module.snapshot.publish

    def spying_load(con, batch, **kwargs):
        seen.append(("load", con.execute("select current_setting('threads')").fetchone()[0]))
        return real_load(con, batch, **kwargs)

    def spying_publish(con, settings):
        seen.append(("publish", con.execute("select current_setting('threads')").fetchone()[0]))
        return real_publish(con, settings)
    monkeypatch.setattr(flow_module.warehouse, "load_batch", spying_load)
    monkeypatch.setattr(flow_module.snapshot, "publish", spying_publish)
    assert nightly_sync()["villages_loaded"] == 17
    default = duckdb.connect().execute("select current_setting('threads')").fetchone()[0]
    assert default > 1                              # else this test shows nothing
    assert seen[:-1] and all(s == ("load", 1) for s in seen[:-1]), seen
    assert seen[-1] == ("publish", default)

    con = duckdb.connect()
    con.execute("set threads = 3")
    with pytest.raises(RuntimeError):
        with store.one_thread(con):
            assert con.execute("select current_setting('threads')").fetchone()[0] == 1
            raise RuntimeError("a load failed")
    assert con.execute("select current_setting('threads')").fetchone()[0] == 3


def test_while_chunks_load_the_wal_is_checkpointed_by_its_real_size(sync_env, sheets_server, monkeypatch):
    """DuckDB's own checkpoint threshold is out of reach while chunks load (it over-estimates
    commits that close old rows: tpbis.warehouse.workfile.checkpoints_by_wal_size), so the
    sync itself checkpoints after a chunk that took the WAL past CHECKPOINT_BYTES: a first
    sync of thousands of sheets never holds them all in the WAL's memory."""
    import flows.nightly_sync as flow_module
    from tpbis.settings import Settings
    from tpbis.warehouse import workfile
    monkeypatch.setattr(workfile, "CHECKPOINT_BYTES", 100_000)
    monkeypatch.setenv("TPBIS_CHUNK_SIZE", "4")                     # 5 chunks or more
    wal = Settings.from_env().working_file.with_name(Settings.from_env().working_file.name + ".wal")
    after, real = [], workfile.checkpoint_past_threshold

    def spying(con):
        before = wal.stat().st_size if wal.exists() else 0
        did = real(con)
        after.append((before > 100_000, did, wal.stat().st_size if wal.exists() else 0,
                      con.execute("select current_setting('checkpoint_threshold')").fetchall()[0][0]))
        return did
    monkeypatch.setattr(flow_module.workfile, "checkpoint_past_threshold", spying)
    assert nightly_sync()["villages_loaded"] == 17
    assert len(after) >= 5 and any(past for past, _, _, _ in after), after    # some chunk took it past
    for past, did, size, threshold in after:
        assert did == past and (size == 0 if past else size <= 100_000), after
        assert threshold.endswith("GiB"), after                          # DuckDB's own: out of reach
