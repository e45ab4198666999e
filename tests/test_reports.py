"""Every report view against a tiny warehouse whose numbers are worked out by hand
(tests/small_warehouse.py), plus the docs page and `tpbis report`.

The expected values below are arithmetic on the rows in small_warehouse, written out; no
test re-runs the views' SQL to get its expectations.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests import small_warehouse as sw
from tpbis.cli.main import app
from tpbis.settings import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs" / "reports.md"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return sw.build(tmp_path_factory.mktemp("small") / "tpbis.duckdb")


@pytest.fixture
def con(warehouse):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


def rows(con, query: str, params=None) -> list[dict]:
    rel = con.sql(query, params=params)
    return [dict(zip(rel.columns, r)) for r in rel.fetchall()]


def one(con, query: str, params=None) -> dict:
    found = rows(con, query, params)
    assert len(found) == 1, found
    return found[0]


# --- regions ------------------------------------------------------------------------------

def test_quarterly_kabupaten_sums_villages_and_compares_quarters(con):
    r = one(con, "from report.quarterly_kabupaten where quarter = '2022Q4' and kabupaten = 'Bengkalis'")
    assert (r["villages"], r["villages_reported"], r["villages_complete"]) == (2, 2, 1)
    assert r["months_reported"] == 4                               # Alpha 3, Beta 1
    assert (r["visitors_male"], r["visitors_female"], r["visitors_total"]) == (65, 105, 170)
    assert r["activities"] == 3
    assert (r["participants_male"], r["participants_female"], r["participants_total"]) == (6, 19, 25)
    assert r["participants_female_share"] == 19 / 25
    assert r["beneficiaries"] == 3
    assert r["visitors_total_prev_quarter"] == 96                  # Alpha's July-September
    assert r["visitors_change_qoq"] == (170 - 96) / 96
    assert r["visitors_total_prev_year"] is None                   # 2021Q4 is before any data
    later = one(con, "from report.quarterly_kabupaten where quarter = '2023Q4' and kabupaten = 'Bengkalis'")
    assert later["visitors_total_prev_year"] == 170
    assert later["visitors_change_yoy"] == (120 - 170) / 170


def test_a_kabupaten_that_sent_nothing_still_has_its_rows(con):
    r = one(con, "from report.quarterly_kabupaten where quarter = '2022Q4' and kabupaten = 'Kota Dumai'")
    assert (r["villages"], r["villages_reported"], r["visitors_total"], r["activities"]) == (1, 0, 0, 0)
    assert r["visitors_change_qoq"] is None
    assert len(rows(con, "from report.quarterly_kabupaten")) == 2 * 6   # 2022Q3 .. 2023Q4


def test_quarterly_province_and_kecamatan(con):
    p = one(con, "from report.quarterly_province where quarter = '2022Q4'")
    assert (p["provinsi"], p["villages"], p["villages_reported"], p["visitors_total"]) == ("Riau", 3, 2, 170)
    kec = {r["kecamatan"]: r["visitors_total"]
           for r in rows(con, "from report.quarterly_kecamatan where quarter = '2022Q4'")}
    assert kec == {"Bengkalis": 160, "Bantan": 10, "Dumai Barat": 0}


# --- activities ---------------------------------------------------------------------------

def test_activities_by_strategy_has_every_strategy_even_at_zero(con):
    got = {(r["kode_desa"], r["strategy"]): (r["activities"], r["participants_male"], r["participants_female"])
           for r in rows(con, "from report.activities_by_strategy where quarter = '2022Q4'")}
    assert got[(sw.ALPHA, "Peningkatan Layanan Informasi")] == (1, 4, 4)
    assert got[(sw.ALPHA, "Pelibatan Masyarakat")] == (1, 0, 12)
    assert got[(sw.ALPHA, "Advokasi")] == (1, 2, 3)
    assert got[(sw.GAMMA, "Advokasi")] == (0, 0, 0)
    assert len(got) == 3 * 3
    quarters = {r["quarter"] for r in rows(con, "select distinct quarter from report.activities_by_strategy")}
    assert quarters == {"2022Q3", "2022Q4", "2023Q1", "2023Q4"}


def test_activities_by_category(con):
    got = {r["category"]: (r["activities"], r["participants_total"])
           for r in rows(con, "from report.activities_by_category where quarter = '2022Q4'")}
    assert got == {"Advokasi": (1, 5), "Peer Learning Meeting": (1, 8), "Pelatihan Keterampilan": (1, 12)}


def test_quarterly_participants_shares_of_women(con):
    r = one(con, "from report.quarterly_participants where quarter = '2022Q4' and kode_desa = ?", [sw.ALPHA])
    assert (r["participants_total"], r["participants_female_share"]) == (25, 19 / 25)
    assert r["visitors_female_share"] == 100 / 160
    assert (r["beneficiaries"], r["beneficiaries_female"], r["beneficiaries_female_share"]) == (3, 2, 2 / 3)
    g = one(con, "from report.quarterly_participants where quarter = '2022Q4' and kode_desa = ?", [sw.GAMMA])
    assert g["participants_female_share"] is None and g["visitors_female_share"] is None


# --- reporting ----------------------------------------------------------------------------

def test_reporting_completeness_names_missing_months(con):
    got = {r["kode_desa"]: (r["status"], r["months_reported"], r["missing_months"], r["complete"])
           for r in rows(con, "from report.reporting_completeness where quarter = '2022Q4'")}
    assert got == {
        sw.ALPHA: ("lengkap", 3, "", True),
        sw.BETA: ("tidak lengkap", 1, "Nov 2022, Des 2022", False),
        sw.GAMMA: ("tidak lapor", 0, "Okt 2022, Nov 2022, Des 2022", False),
    }
    late = one(con, "from report.reporting_completeness where quarter = '2023Q4' and kode_desa = ?", [sw.ALPHA])
    assert (late["status"], late["missing_months"], late["quarter_closed"]) == ("tidak lengkap", "Des 2023", True)


def test_visits_change_quarter_on_quarter_and_year_on_year(con):
    q4 = one(con, "from report.visits_change where quarter = '2022Q4' and kode_desa = ?", [sw.ALPHA])
    assert (q4["visitors_total"], q4["visitors_total_prev_quarter"], q4["visitors_diff_qoq"]) == (160, 96, 64)
    assert q4["visitors_change_qoq"] == 64 / 96
    assert q4["visitors_total_prev_year"] is None and q4["visitors_change_yoy"] is None
    y = one(con, "from report.visits_change where quarter = '2023Q4' and kode_desa = ?", [sw.ALPHA])
    assert (y["visitors_total_prev_quarter"], y["visitors_change_qoq"]) == (0, None)   # nothing in 2023Q3
    assert (y["visitors_total_prev_year"], y["visitors_diff_yoy"]) == (160, -40)
    assert y["visitors_change_yoy"] == -0.25
    assert (y["months_reported"], y["months_reported_prev_year"]) == (2, 3)


def test_cohort_monthly_averages_over_libraries_that_reported(con):
    got = {(r["kabupaten"], r["cohort"]): r
           for r in rows(con, "from report.cohort_monthly where month = '2022-10-01'")}
    rep = got[("Bengkalis", "replikasi")]
    assert (rep["libraries"], rep["libraries_reported"], rep["visitors_total"]) == (1, 1, 50)
    assert (rep["activities"], rep["participants_total"], rep["visitors_per_library"]) == (1, 5, 50.0)
    assert got[("Bengkalis", "calon_replikasi_mandiri")]["visitors_total"] == 10
    dumai = got[("Kota Dumai", "replikasi_mandiri")]
    assert (dumai["libraries"], dumai["libraries_reported"], dumai["visitors_per_library"]) == (1, 0, None)
    nov = one(con, "from report.cohort_monthly where month = '2022-11-01' and cohort = 'calon_replikasi_mandiri'")
    assert (nov["libraries_reported"], nov["visitors_total"]) == (0, 0)


# --- partners, impact, standard -----------------------------------------------------------

def test_partners_by_village_and_type(con):
    a = one(con, "from report.partners_by_village where kode_desa = ?", [sw.ALPHA])
    assert (a["partners"], a["partners_with_mou"], a["mous_without_date"]) == (3, 2, 1)
    assert str(a["first_mou_date"]) == str(a["last_mou_date"]) == "2022-11-20"
    assert (a["support_value_rp"], a["partner_types"]) == (1_500_000, "PKK, Pemerintah Desa, Sekolah")
    b = one(con, "from report.partners_by_village where kode_desa = ?", [sw.BETA])
    assert (b["partners"], b["support_value_rp"], b["partner_types"]) == (0, 0, "")
    t = one(con, "from report.partners_by_type where partner_type = 'Pemerintah Desa'")
    assert (t["kabupaten"], t["villages"], t["partners"], t["partners_with_mou"], t["support_value_rp"]) == \
        ("Bengkalis", 1, 1, 1, 1_000_000)


def test_impact_counts_people_incomes_and_products(con):
    r = one(con, "from report.impact where quarter = '2022Q4'")
    assert (r["kode_desa"], r["beneficiaries"], r["beneficiaries_female"], r["beneficiaries_male"]) == (sw.ALPHA, 3, 2, 1)
    assert (r["income_up"], r["got_job"], r["new_business"], r["new_product"], r["other_benefit"]) == (1, 1, 1, 0, 0)
    assert r["with_income"] == 2                                   # Dapat Kerja left both blank
    assert (r["income_before_avg"], r["income_after_avg"], r["income_change_avg"]) == (50_000, 400_000, 350_000)
    assert (r["products"], r["products_count"]) == (f"{sw.FORMULA_PRODUCT}, Kerupuk", 2)


def test_library_standard_gaps_in_indonesian(con):
    got = {r["kode_desa"]: r for r in rows(con, "from report.library_standard")}
    assert got[sw.ALPHA]["meets_standard"] is True and got[sw.ALPHA]["gaps"] == ""
    beta = got[sw.BETA]
    assert (beta["meets_titles"], beta["meets_staff"], beta["meets_hours"], beta["meets_standard"]) == \
        (False, False, False, False)
    assert beta["gaps"] == "koleksi kurang 200 judul; tenaga kurang 1 orang; jam buka kurang 0,5 jam per hari"
    gamma = got[sw.GAMMA]                                          # no Profil at all: unknown, not failing
    assert gamma["meets_standard"] is None
    assert gamma["gaps"] == "koleksi judul belum diisi; jumlah tenaga belum diisi; jam buka belum diisi"


# --- history ------------------------------------------------------------------------------

def test_views_show_a_past_state_with_as_of(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("set variable as_of = '2024-01-20 00:00:00+00'::timestamptz")
        past = one(con, "from report.quarterly_kabupaten where quarter = '2022Q4' and kabupaten = 'Bengkalis'")
        assert (past["visitors_male"], past["visitors_total"], past["activities"]) == (60, 165, 4)
        strategy = one(con, "from report.activities_by_strategy where quarter = '2022Q4' and kode_desa = ? "
                            "and strategy = 'Pelibatan Masyarakat'", [sw.ALPHA])
        assert strategy["activities"] == 2                         # the deleted Senam was still there
        con.execute("set variable as_of = '2023-06-01 00:00:00+00'::timestamptz")
        assert rows(con, "from report.quarterly_province") == []  # nothing loaded yet
    finally:
        con.close()


# --- docs and CLI -------------------------------------------------------------------------

def documented_examples() -> dict[str, list[str]]:
    """docs/reports.md: `### report.<name>` headings, each followed by ```sql examples."""
    text = DOCS.read_text(encoding="utf-8")
    sections = re.split(r"^### `?report(?:_internal\.\w+|\.(\w+))`?.*$", text, flags=re.M)
    return {name: re.findall(r"```sql\n(.*?)```", body, flags=re.S)
            for name, body in zip(sections[1::2], sections[2::2]) if name}


def test_every_report_view_is_documented_with_an_example_that_runs(con):
    views = [v for (v,) in con.execute(
        "select view_name from duckdb_views() where schema_name = 'report'").fetchall()]
    examples = documented_examples()
    assert sorted(set(views) - set(examples)) == []
    assert sorted(set(examples) - set(views)) == []                # no docs for views that do not exist
    for view in views:
        assert examples[view], f"report.{view} has no example query"
        for query in examples[view]:
            assert f"report.{view}" in query
            con.sql(query).fetchall()                              # runs as written


def test_report_command_filters_by_quarter_and_kabupaten(warehouse):
    result = CliRunner().invoke(app, ["report", "quarterly_kabupaten", "--quarter", "2022Q4",
                                      "--kabupaten", "kota-dumai", "--csv", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("quarter,provinsi,kabupaten,villages,")
    assert len(lines) == 2 and lines[1].startswith("2022Q4,Riau,Kota Dumai,1,0,")


def test_report_command_filters_a_view_without_kabupaten_through_the_registry(warehouse):
    result = CliRunner().invoke(app, ["report", "activities", "--quarter", "2022Q4", "--kabupaten",
                                      "Bengkalis", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert "Audiensi Kades" in result.output and "Pelatihan Sabun" in result.output
    assert "Dongeng" not in result.output                          # 2022Q3
    assert "Sosialisasi" not in result.output                      # 2023Q1


def test_report_command_csv_never_emits_a_formula(warehouse):
    result = CliRunner().invoke(app, ["report", "impact", "--csv", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert f"'{sw.FORMULA_PRODUCT}, Kerupuk" in result.output
    assert "\n@" not in result.output and ",@" not in result.output


def test_report_command_rejects_unknown_views_and_filters(warehouse):
    runner = CliRunner()
    unknown = runner.invoke(app, ["report", "nope", "--warehouse", str(warehouse)])
    assert unknown.exit_code == 2 and "quarterly_kabupaten" in unknown.output
    no_quarter = runner.invoke(app, ["report", "library_standard", "--quarter", "2022Q4", "--warehouse", str(warehouse)])
    assert no_quarter.exit_code == 2 and "no quarter" in no_quarter.output
    no_kab = runner.invoke(app, ["report", "villages", "--kabupaten", "Siak", "--warehouse", str(warehouse)])
    assert no_kab.exit_code == 2 and "Unknown kabupaten" in no_kab.output


# --- building blocks ----------------------------------------------------------------------

def test_base_quarters_span_the_reported_quarters(con):
    got = rows(con, "from report_internal.base_quarters order by quarter_index")
    assert [r["quarter"] for r in got] == ["2022Q3", "2022Q4", "2023Q1", "2023Q2", "2023Q3", "2023Q4"]
    assert {r["first_quarter_index"] for r in got} == {2022 * 4 + 2}
    assert (str(got[1]["quarter_start"]), str(got[1]["next_quarter_start"])) == ("2022-10-01", "2023-01-01")


def test_base_village_quarters_carries_earlier_quarters(con):
    q4 = one(con, "from report_internal.base_village_quarters where quarter = '2022Q4' and kode_desa = ?", [sw.ALPHA])
    assert (q4["months_reported"], q4["month_mask"], q4["visitors_total"], q4["activities"]) == (3, 7, 160, 3)
    assert (q4["activities_pli"], q4["activities_pm"], q4["activities_adv"]) == (1, 1, 1)
    assert (q4["visitors_total_prev_quarter"], q4["months_reported_prev_quarter"]) == (96, 3)
    assert q4["visitors_total_prev_year"] is None and q4["has_data"] is True
    beta = one(con, "from report_internal.base_village_quarters where quarter = '2022Q4' and kode_desa = ?", [sw.BETA])
    assert (beta["month_mask"], beta["months_reported"]) == (1, 1)          # October only
    echo = one(con, "from report_internal.base_village_quarters where quarter = '2023Q4' and kode_desa = ?", [sw.ALPHA])
    assert (echo["visitors_total_prev_year"], echo["months_reported_prev_year"]) == (160, 3)
    ghost = one(con, "from report_internal.base_village_quarters where quarter = '2023Q1' and kode_desa = ?", [sw.ALPHA])
    assert (ghost["has_data"], ghost["visitors_total"], ghost["visitors_total_prev_quarter"]) == (False, 0, 160)


def test_new_views_agree_with_quarterly_indicators(con):
    """The views built on base_village_quarters and report.quarterly_indicators (built its own
    way) must tell the same story for every village and quarter."""
    mismatches = rows(con, """
        select i.quarter, i.kode_desa
        from report.quarterly_indicators i
        join report.quarterly_participants p using (quarter, kode_desa)
        join report.reporting_completeness c using (quarter, kode_desa)
        join report.visits_change v using (quarter, kode_desa)
        where i.participants_total <> p.participants_total or i.visitors_total <> p.visitors_total
           or i.beneficiaries <> p.beneficiaries or i.months_reported <> c.months_reported
           or i.activities <> c.activities or i.visitors_total <> v.visitors_total""")
    assert mismatches == []
    counts = [one(con, f"select count(*) as n from report.{v}")["n"] for v in
              ("quarterly_indicators", "quarterly_participants", "reporting_completeness", "visits_change")]
    assert counts == [18, 18, 18, 18]
