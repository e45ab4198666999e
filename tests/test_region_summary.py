"""The region views and report_internal.base_village_quarters (with the report views built on
it) read summaries refreshed at publish (tpbis/warehouse/summaries.py) and compute live under
`as_of`. They give the same rows either way, for every quarter, the summaries are never read
stale (after a second sync that changes a village, under `as_of` before it, after a replay,
and in a file whose core tables changed after a refresh), and the branch not taken costs
nothing (it is not even in the plan)."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone

import duckdb
import pytest
from typer.testing import CliRunner

from flows.nightly_sync import nightly_sync
from tests.helpers import KEYS
from tpbis.cli.main import app
from tpbis.settings import PROJECT_ROOT
from tpbis.warehouse import summaries
from tpbis.warehouse.snapshot import open_reader
from tpbis.warehouse.store import apply_schema

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from bench_reports import build      # noqa: E402

VIEWS = ["report.quarterly_province", "report.quarterly_kabupaten", "report.quarterly_kecamatan",
         # the village summary, and the report views that read it
         "report_internal.base_village_quarters", "report.quarterly_indicators", "report.visits_change",
         "report.reporting_completeness", "report.quarterly_participants"]
LATER = datetime(2099, 1, 1, tzinfo=timezone.utc)      # an `as_of` after every sync: live, "now"


def summarised_rows(con) -> dict[str, list[str]]:
    return {v: sorted(map(repr, con.execute(f"select * from {v}").fetchall())) for v in VIEWS}


def set_as_of(con, when) -> None:
    if when is None:
        con.execute("reset variable as_of")
    else:
        con.execute("set variable as_of = ?::timestamptz", [when])


def scanned(con, query: str) -> set[str]:
    """The tables the physical plan of `query` scans (EXPLAIN's `Table` of each operator)."""
    def tables(node) -> set[str]:
        if isinstance(node, list):
            return set().union(*map(tables, node))
        table = node.get("extra_info", {}).get("Table")
        return ({table.rsplit(".", 1)[-1]} if table else set()) | tables(node.get("children", []))
    return tables(json.loads(con.execute(f"explain (format json) {query}").fetchall()[0][1]))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """120 villages x 2 years with gaps; its region rows computed live, before any refresh."""
    path = tmp_path_factory.mktemp("summary") / "tpbis.duckdb"
    build(path, villages=120, years=2)
    with duckdb.connect(str(path)) as con:
        con.execute("delete from core.visits where kode_desa like '14.03.%' and month between '2017-04-01' and '2017-06-30'")
        con.execute("delete from core.visits where hash(kode_desa, month) % 7 = 0")
        # what the live view handles on its own: a count left NULL (summed apart from the other),
        # a strategy outside core.strategies, visits only years before the rest of a village's data
        con.execute("update core.visits set visitors_female = null where hash(kode_desa, month) % 11 = 0")
        con.execute("update core.activities set strategy = 'Lainnya' where hash(kode_desa, activity_date) % 5 = 0")
        con.execute("""insert into core.visits (month, visitors_male, visitors_female, kode_desa, row_hash,
                           valid_from, loaded_run)
                       select date '2015-02-01', 7, 9, kode_desa, 0, valid_from, 'early' from core.visits
                       where kode_desa like '14.05.%' and month = '2016-01-01'""")
        # and a month no loader would let in (NULL): the live view keeps it in a NULL quarter
        con.execute("update core.visits set month = null where kode_desa like '14.06.%' and month = '2016-03-01'")
        live = summarised_rows(con)
    return path, live


def test_summary_gives_every_row_of_the_live_views_and_as_of_computes_live(built, tmp_path):
    path, live = built
    assert all(live[v] for v in VIEWS) and len(live["report.quarterly_kecamatan"]) > 8 * 12
    assert len({row.split(",")[0] for row in live["report_internal.base_village_quarters"]}) > 8   # quarters
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(path.read_bytes())
    with duckdb.connect(str(copy)) as con:
        summaries.refresh(con)
        assert con.execute("select count(*) from report_internal.region_quarters_summary").fetchone()[0] > 0
        assert con.execute("select count(*) from report_internal.village_quarters_summary").fetchone()[0] > 0
        assert summarised_rows(con) == live                                 # from the summary
        set_as_of(con, LATER)
        assert summarised_rows(con) == live                                 # computed live
        # the branch not taken is folded away when the query is planned: not even scanned
        set_as_of(con, None)
        for view in VIEWS[:3]:                                          # the region views
            assert scanned(con, f"select * from {view} where quarter = '2017Q4'") == {"region_quarters_summary"}
        village = "select * from report_internal.base_village_quarters where quarter = '2017Q4'"
        assert scanned(con, village) == {"village_quarters_summary"}
        set_as_of(con, LATER)
        assert scanned(con, "select * from report.quarterly_province") >= {"visits", "activities", "benefits", "villages"}
        assert "region_quarters_summary" not in scanned(con, "select * from report.quarterly_province")
        assert scanned(con, village) >= {"visits", "activities", "benefits"}
        assert "village_quarters_summary" not in scanned(con, village)


def test_a_file_changed_after_a_refresh_computes_live_again(built, tmp_path):
    """Applying the schema (what every sync does when it opens its working file, before it
    loads anything) puts the live views back: a refreshed summary is never read stale."""
    path, live = built
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(path.read_bytes())
    with duckdb.connect(str(copy)) as con:
        summaries.refresh(con)
        apply_schema(con)
        con.execute("delete from core.visits where kode_desa like '14.01.%'")
        changed = summarised_rows(con)
        assert changed != live
        set_as_of(con, LATER)
        assert summarised_rows(con) == changed
        set_as_of(con, None)
        summaries.refresh(con)
        assert summarised_rows(con) == changed


def _bump_first_month(sheets_server, kode: str, male: int, row_no: int, by: int) -> None:
    """The librarian of `kode` adds `by` male visitors to the Kunjungan row `row_no`."""
    wb = sheets_server.get_workbook(KEYS[kode])
    rows = next(s for s in wb["sheets"] if s["title"].strip().lower() == "kunjungan")["rows"]
    header = next(r for r in rows if r and any("laki" in str(c).lower() or "(l)" in str(c).lower() for c in r))
    col = next(i for i, h in enumerate(str(c).lower() for c in header) if "laki" in h or "(l)" in h)
    assert "".join(ch for ch in str(rows[row_no - 1][col]) if ch.isdigit()) == str(male)   # e.g. "55 orang"
    rows[row_no - 1][col] = male + by
    sheets_server.put_workbook(wb)


@pytest.mark.usefixtures("prefect_harness")
def test_a_second_sync_as_of_and_replay_never_read_a_stale_summary(sync_env, sheets_server):
    nightly_sync()
    kode = "14.03.02.2008"
    with open_reader(sync_env) as con:
        month, male, row_no, kabupaten, quarter = con.execute(
            """select m.month, m.visitors_male, m.source_row, v.kabupaten,
                      report.quarter_label(report.quarter_index(m.month))
               from report.monthly_visits m join report.villages v using (kode_desa)
               where kode_desa = ? order by month limit 1""", [kode]).fetchall()[0]
        first = summarised_rows(con)
        where = "from report.quarterly_kabupaten where kabupaten = ? and quarter = ?"
        before = con.execute(f"select visitors_male, visitors_total {where}", [kabupaten, quarter]).fetchall()
    between = datetime.now(timezone.utc)
    time.sleep(0.01)
    _bump_first_month(sheets_server, kode, male, row_no, 1000)
    assert nightly_sync()["villages_failed"] == 0

    with open_reader(sync_env) as con:                      # the new snapshot: its new summary
        after = con.execute(f"select visitors_male, visitors_total {where}", [kabupaten, quarter]).fetchall()
        assert after == [(before[0][0] + 1000, before[0][1] + 1000)]
        province = con.execute("select visitors_total from report.quarterly_province where quarter = ?",
                               [quarter]).fetchall()
        second = summarised_rows(con)
    assert province and second != first
    with open_reader(sync_env, as_of=LATER) as con:
        assert summarised_rows(con) == second                   # live "now" = the summary
    with open_reader(sync_env, as_of=between) as con:       # before the second sync: live, old numbers
        assert con.execute(f"select visitors_male, visitors_total {where}", [kabupaten, quarter]).fetchall() == before
        assert summarised_rows(con) == first

    sheets_server.stop()                                    # replay: raw cells only, then publish
    result = CliRunner().invoke(app, ["replay"])
    assert result.exit_code == 0, result.output
    with open_reader(sync_env) as con:
        assert summarised_rows(con) == second
    with open_reader(sync_env, as_of=between) as con:
        assert summarised_rows(con) == first
