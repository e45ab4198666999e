"""report.quarterly_province / _kabupaten / _kecamatan (thin views over
report_internal.base_region_quarters) against the village grid of report.quarterly_indicators,
which is built another way (report_internal.base_village_quarters), on a synthetic warehouse
of 120 villages x 2 years with gaps (benchmarks/bench_reports.py's builder): every region's
sums, counts and earlier-quarter comparisons, for every quarter."""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from tpbis.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from bench_reports import build      # noqa: E402

SUMMED = ["villages_reported", "villages_complete", "months_reported", "visitors_male", "visitors_female",
          "visitors_total", "activities", "participants_male", "participants_female", "participants_total",
          "beneficiaries"]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("regions") / "tpbis.duckdb"
    build(path, villages=120, years=2)
    c = duckdb.connect(str(path))
    # gaps: a kabupaten silent for a whole quarter, villages silent in others
    c.execute("delete from core.visits where kode_desa like '14.03.%' and month between '2017-04-01' and '2017-06-30'")
    c.execute("delete from core.activities where kode_desa like '14.03.%' and activity_date between '2017-04-01' and '2017-06-30'")
    c.execute("delete from core.benefits where kode_desa like '14.03.%' and month between '2017-04-01' and '2017-06-30'")
    c.execute("delete from core.visits where hash(kode_desa, month) % 7 = 0")
    c.close()
    c = duckdb.connect(str(path), read_only=True)
    yield c
    c.close()


def expected(con, keys: list[str]) -> dict[tuple, dict]:
    """Region rows summed from the village grid, comparisons from the region's own totals."""
    group = ", ".join(keys)
    rel = con.sql(f"""
        select quarter, {group}, count(*) as villages,
            count(*) filter (months_reported > 0 or activities > 0 or beneficiaries > 0) as villages_reported,
            count(*) filter (months_reported = 3 and activities >= 1) as villages_complete,
            {", ".join(f"sum({c}) as {c}" for c in SUMMED[2:])}
        from report.quarterly_indicators i join core.villages v using (kode_desa, kabupaten, kecamatan)
        group by all""")
    found = {tuple(r[:len(keys) + 1]): dict(zip(rel.columns, r)) for r in rel.fetchall()}
    quarters = sorted({k[0] for k in found})
    for (quarter, *region), row in found.items():
        at = quarters.index(quarter)
        for name, back in (("visitors_total_prev_quarter", 1), ("visitors_total_prev_year", 4)):
            row[name] = found[(quarters[at - back], *region)]["visitors_total"] if at >= back else None
    return found


@pytest.mark.parametrize("view, keys", [("quarterly_province", ["provinsi"]),
                                        ("quarterly_kabupaten", ["provinsi", "kabupaten"]),
                                        ("quarterly_kecamatan", ["provinsi", "kabupaten", "kecamatan"])])
def test_region_views_sum_the_village_grid(con, view, keys):
    want = expected(con, keys)
    rel = con.sql(f"from report.{view}")
    got = {tuple(r[:len(keys) + 1]): dict(zip(rel.columns, r)) for r in rel.fetchall()}
    assert len(got) == len(want) and set(got) == set(want)
    assert len({k[0] for k in got}) == 8                              # 2016Q1 .. 2017Q4
    for key, row in want.items():
        for name, value in row.items():
            assert got[key][name] == value, (key, name)
    if view == "quarterly_province":
        return
    silent = [r for k, r in got.items() if k[0] == "2017Q2" and "Bengkalis" in k]
    assert silent and all(r["villages_reported"] == 0 and r["visitors_total"] == 0 for r in silent)
    # the quarter after the silent one compares with zero visitors: no change ratio
    after = [r for k, r in got.items() if k[0] == "2017Q3" and "Bengkalis" in k]
    assert after and all(r["visitors_total_prev_quarter"] == 0 and r["visitors_change_qoq"] is None for r in after)
