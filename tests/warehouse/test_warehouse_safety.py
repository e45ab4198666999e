"""A warehouse that never lies: history, as-of, crash safety, readers during a sync, replay,
schema upgrades. Real DuckDB files, real processes, real SIGKILL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from flows.nightly_sync import nightly_sync
from tpbis.settings import SQL_DIR
from tpbis.local_sheets.synthetic import synthetic_registry, synthetic_workbook, write_registry_csv
from tpbis.warehouse.snapshot import open_reader
from tpbis.warehouse.store import apply_schema
from tests.helpers import KEYS

pytestmark = pytest.mark.usefixtures("prefect_harness")
VIEWS = ["monthly_visits", "activities", "benefits", "partners", "quarterly_indicators", "rejected_rows",
         "row_warnings"]


def q(path, sql, params=None, as_of=None):
    con = open_reader(Path(path), as_of)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def views(path, as_of=None) -> dict:
    return {v: sorted(map(repr, q(path, f"select * from report.{v}", as_of=as_of))) for v in VIEWS}


def _visits_tab(wb):
    return next(s for s in wb["sheets"] if s["title"].strip().lower() == "kunjungan")


def test_correction_makes_a_new_version_and_as_of_shows_the_old(sync_env, sheets_server):
    """Jangkang's librarian corrects one month; the old number stays answerable."""
    nightly_sync()
    kode, key = "14.03.02.2008", KEYS["14.03.02.2008"]
    month, male = q(sync_env, "select month, visitors_male from report.monthly_visits where kode_desa = ? "
                              "order by month limit 1", [kode])[0]
    between = datetime.now(timezone.utc)
    time.sleep(0.01)
    wb = sheets_server.get_workbook(key)
    rows = _visits_tab(wb)["rows"]
    row_no = q(sync_env, "select source_row from report.monthly_visits where kode_desa = ? and month = ?",
               [kode, month])[0][0]
    header = [str(c).lower() for c in rows[[i for i, r in enumerate(rows) if r and any(
        "laki" in str(c).lower() or "(l)" in str(c).lower() for c in r)][0]]]
    col = next(i for i, h in enumerate(header) if "laki" in h or "(l)" in h)
    rows[row_no - 1][col] = male + 1000
    sheets_server.put_workbook(wb)
    nightly_sync()
    now = q(sync_env, "select visitors_male from report.monthly_visits where kode_desa = ? and month = ?",
            [kode, month])
    then = q(sync_env, "select visitors_male from report.monthly_visits where kode_desa = ? and month = ?",
             [kode, month], as_of=between)
    assert now == [(male + 1000,)] and then == [(male,)]
    versions = q(sync_env, "select count(*) from core.visits where kode_desa = ? and month = ?", [kode, month])
    assert versions == [(2,)]
    # only that row got a new version; the rest of the village is untouched
    assert q(sync_env, "select count(*) from core.visits where replaced_run is not null") == [(1,)]


def test_reader_keeps_answering_during_a_full_sync_and_sees_new_data_after(sync_env, sheets_server, tmp_path):
    nightly_sync()
    total_before = q(sync_env, "select sum(visitors_total) from report.monthly_visits")[0][0]
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(sync_env)!r}, read_only=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            print(con.execute("select sum(visitors_total) from report.monthly_visits").fetchone()[0], flush=True)
            if sys.stdin.readline().strip() == "stop":
                break
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert int(reader.stdout.readline()) == total_before       # the reader holds the file open
        wb = sheets_server.get_workbook(KEYS["14.03.02.2008"])
        _visits_tab(wb)["rows"].append(["Agustus 2014", 5, 5])     # new rejected row; visits unchanged
        sheets_server.put_workbook(wb)
        summary = nightly_sync(full=True)
        assert summary["status"] == "success"
        reader.stdin.write("again\n"); reader.stdin.flush()
        assert int(reader.stdout.readline()) == total_before       # old snapshot, still consistent
        reader.stdin.write("stop\n"); reader.stdin.flush()
        assert reader.wait(timeout=30) == 0
    finally:
        reader.kill()
    assert q(sync_env, "select count(*) from report.rejected_rows where value = 'Agustus 2014'") == [(1,)]


def test_replay_rebuilds_core_from_raw_alone(sync_env, sheets_server):
    nightly_sync()
    wb = sheets_server.get_workbook(KEYS["14.03.01.2020"])
    _visits_tab(wb)["rows"].append(["Juni 2014", 1, 2])
    sheets_server.put_workbook(wb)
    nightly_sync()
    before = views(sync_env)
    versions = q(sync_env, "select count(*), count(valid_to), min(valid_from), max(valid_from) from core.activities")
    from typer.testing import CliRunner
    from tpbis.cli.main import app
    sheets_server.stop()                                   # no Google, no server: raw cells only
    result = CliRunner().invoke(app, ["replay"])
    assert result.exit_code == 0, result.output
    assert views(sync_env) == before
    assert q(sync_env, "select count(*), count(valid_to), min(valid_from), max(valid_from) "
                       "from core.activities") == versions


def test_upgrade_from_the_first_schema_keeps_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table main.schema_migrations (version integer primary key, name varchar not null, "
                "applied_at timestamptz not null default now())")
    first = sorted((SQL_DIR / "schema").glob("001_*.sql"))[0]
    con.execute(first.read_text())
    con.execute("insert into main.schema_migrations (version, name) values (1, ?)", [first.name])
    con.execute("insert into raw.fetches values ('r1', now(), 'k', '14.03.02.2008', now(), null, 'h', 1)")
    applied = apply_schema(con)
    assert applied and applied[0].startswith("002_")
    assert con.execute("select count(*) from raw.fetches").fetchone() == (1,)
    assert con.execute("select count(*) from report.monthly_visits").fetchone() == (0,)
    assert apply_schema(con) == []


KILL_SCRIPT = """
import os, sys
from flows.nightly_sync import nightly_sync
summary = nightly_sync()
print("SUMMARY", summary["status"], flush=True)
"""


@pytest.mark.parametrize("kill_at", ["loading", "loading#3", "publishing"])
def test_sigkill_mid_sync_leaves_a_consistent_warehouse(sheets_server, tmp_path, kill_at):
    """Kill -9 the sync process at a load (the first, the third) or at publish; the working
    file holds whole batches only, and the next sync completes with every village exact."""
    from prefect.settings import PREFECT_API_URL
    villages = synthetic_registry(60, seed=7)
    for v in villages:
        sheets_server.put_workbook(synthetic_workbook(v, months=12, activities_per_month=4))
    registry = write_registry_csv(villages, tmp_path / "villages.csv")
    warehouse = tmp_path / "wh" / "tpbis.duckdb"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_LOGGING_LEVEL": "INFO",
           "TPBIS_SHEETS_API_URL": sheets_server.url, "TPBIS_DRIVE_API_URL": sheets_server.url,
           "TPBIS_SHEETS_READS_PER_MINUTE": "100000", "TPBIS_REGISTRY": str(registry),
           "TPBIS_WAREHOUSE": str(warehouse), "TPBIS_CHUNK_SIZE": "10", "TPBIS_FULL_SWEEP_DAYS": "0"}
    marker, _, nth = kill_at.partition("#")
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    seen, killed = 0, False
    try:
        for line in proc.stdout:
            if marker in line:
                seen += 1
                if seen >= int(nth or 1):
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                    break
    finally:
        proc.kill()
        proc.wait()
    assert killed, f"never saw {kill_at!r}"
    work = warehouse.with_name("tpbis.sync.duckdb")
    con = duckdb.connect(str(work))                    # opens: WAL replays committed work only
    per_village = dict(con.execute("""select kode_desa, count(*) from core.activities
                                      where valid_to is null group by kode_desa""").fetchall())
    con.close()
    assert set(per_village.values()) <= {48}           # each village whole or absent, never half
    os.environ.update({k: env[k] for k in ("TPBIS_SHEETS_API_URL", "TPBIS_DRIVE_API_URL",
                                           "TPBIS_SHEETS_READS_PER_MINUTE", "TPBIS_REGISTRY",
                                           "TPBIS_WAREHOUSE", "TPBIS_FULL_SWEEP_DAYS")})
    try:
        summary = nightly_sync()
    finally:
        for k in ("TPBIS_SHEETS_API_URL", "TPBIS_DRIVE_API_URL", "TPBIS_SHEETS_READS_PER_MINUTE",
                  "TPBIS_REGISTRY", "TPBIS_WAREHOUSE", "TPBIS_FULL_SWEEP_DAYS"):
            os.environ.pop(k, None)
    assert summary["villages_failed"] == 0
    counts = q(warehouse, "select count(distinct kode_desa), count(*) from report.activities "
                          "where substr(kode_desa, 7, 1) = '9'")
    assert counts == [(60, 60 * 48)]
    statuses = [s for (s,) in q(warehouse, "select status from report.sync_runs order by started_at")]
    # killed while publishing, the run itself had finished: only the publish is redone
    assert statuses == ["success" if marker == "publishing" else "interrupted", "success"]
