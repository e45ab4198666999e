"""The summaries written at publish hold exactly the rows of the live views they stand for,
whatever the facts look like: report_internal.village_quarters_summary those of
report_internal.base_village_quarters_live, report_internal.region_quarters_summary (summed
from the village summary) those of report_internal.base_region_quarters_live. Hypothesis
draws small warehouses with gaps, repeated months, NULL counts and dates, strategies outside
core.strategies, unregistered villages and superseded rows (tests/test_region_summary.py
checks the same at a larger size, through real syncs and a replay)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tpbis.warehouse import summaries
from tpbis.warehouse.store import apply_schema

VILLAGES = [("14.03.02.2008", "Bengkalis", "Bantan"), ("14.03.02.2009", "Bengkalis", "Bantan"),
            ("14.03.05.2001", "Bengkalis", "Bukit Batu"), ("14.71.01.1001", "Kota Pekanbaru", "Sukajadi")]
CODES = [v[0] for v in VILLAGES] + ["14.09.01.2001"]           # the last one is not registered
LOADED = datetime(2020, 1, 1, tzinfo=timezone.utc)
REPLACED = datetime(2020, 6, 1, tzinfo=timezone.utc)


def months():
    """A month in 2016-2018, now and then NULL (what no loader lets in)."""
    return st.one_of(st.none(), st.builds(lambda y, m: date(y, m, 1), st.integers(2016, 2018), st.integers(1, 12)))


counts = st.one_of(st.none(), st.integers(0, 500))
valid_to = st.sampled_from([None, None, None, REPLACED])       # some rows superseded since
visits = st.lists(st.tuples(st.sampled_from(CODES), months(), counts, counts, valid_to), max_size=40)
activities = st.lists(st.tuples(
    st.sampled_from(CODES),
    st.one_of(st.none(), st.dates(date(2016, 1, 1), date(2018, 12, 31))),
    st.sampled_from(["Advokasi", "Pelibatan Masyarakat", "Peningkatan Layanan Informasi", "Lainnya", None]),
    counts, counts, valid_to), max_size=30)
benefits = st.lists(st.tuples(st.sampled_from(CODES), months(), st.sampled_from(["L", "P", None]), valid_to),
                    max_size=20)


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        apply_schema(con)
        con.executemany("insert into core.villages (kode_desa, desa, kecamatan, kabupaten, provinsi) "
                        "values (?, ?, ?, ?, 'Riau')", [(k, f"Desa {k}", kec, kab) for k, kab, kec in VILLAGES])
        yield con


def rows(con, view: str) -> list[str]:
    return sorted(map(repr, con.execute(f"select * from {view}").fetchall()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(visits=visits, activities=activities, benefits=benefits)
def test_the_summaries_hold_the_rows_of_the_live_views(con, visits, activities, benefits):
    for table in ("visits", "activities", "benefits"):
        con.execute(f"delete from core.{table}")
    common = "kode_desa, row_hash, valid_from, valid_to, loaded_run"
    if visits:
        con.executemany(f"insert into core.visits (month, visitors_male, visitors_female, {common}) "
                        "values (?, ?, ?, ?, 0, ?, ?, 'r')", [(m, vm, vf, k, LOADED, to) for k, m, vm, vf, to in visits])
    if activities:
        con.executemany(f"insert into core.activities (activity_date, strategy, participants_male, "
                        f"participants_female, {common}) values (?, ?, ?, ?, ?, 0, ?, ?, 'r')",
                        [(d, s, pm, pf, k, LOADED, to) for k, d, s, pm, pf, to in activities])
    if benefits:
        con.executemany(f"insert into core.benefits (month, gender, {common}) values (?, ?, ?, 0, ?, ?, 'r')",
                        [(m, g, k, LOADED, to) for k, m, g, to in benefits])
    summaries.refresh(con)
    assert rows(con, "report_internal.village_quarters_summary") == \
        rows(con, "report_internal.base_village_quarters_live")
    assert rows(con, "report_internal.base_village_quarters") == \
        rows(con, "report_internal.base_village_quarters_live")
    assert rows(con, "report_internal.region_quarters_summary") == \
        rows(con, "report_internal.base_region_quarters_live")
