"""Every report view and column carries a description (COMMENT ON, from the one source
sql/reports/descriptions.toml), docs/reports.md is generated from that source and up to date,
and helper views stay out of the `report` schema."""
from __future__ import annotations

import duckdb
import pytest

from flows.nightly_sync import nightly_sync
from tests.contract_views import CONTRACT_VIEWS, missing_contract_columns
from tpbis.catalog import reports_doc
from tpbis.catalog.descriptions import load, plain


def test_docs_reports_md_is_generated_from_the_descriptions_and_up_to_date():
    assert reports_doc.DOC.read_text(encoding="utf-8") == reports_doc.render(), \
        "docs/reports.md is stale: run `python -m tpbis.catalog.reports_doc`"
    assert reports_doc.main(["--check"]) == 0


def test_every_described_view_exists_and_every_view_has_an_example():
    columns = reports_doc.view_columns()
    catalog = load()
    described = {(v.schema, v.name) for v in catalog.views}
    assert sorted(described - set(columns)) == []               # no description of a view that is gone
    for view in catalog.views:
        assert view.examples, f"{view.qualified} has no example query"
        stale = sorted(set(view.columns) - {c for c, _ in columns[(view.schema, view.name)]})
        assert stale == [], f"{view.qualified} describes columns it does not have"


@pytest.mark.usefixtures("prefect_harness")
def test_a_synced_warehouse_describes_every_report_view_and_column(sync_env):
    assert nightly_sync()["villages_failed"] == 0
    assert missing_contract_columns(sync_env) == []
    with duckdb.connect(str(sync_env), read_only=True) as con:
        views = dict(con.execute("select view_name, comment from duckdb_views() "
                                 "where schema_name = 'report'").fetchall())
        columns = con.execute("""select table_name, column_name, comment from duckdb_columns()
            where schema_name = 'report' and table_name in (select view_name from duckdb_views())""").fetchall()
        internal = {v for (v,) in con.execute("select view_name from duckdb_views() "
                                               "where schema_name = 'report_internal'").fetchall()}
    assert set(CONTRACT_VIEWS) <= set(views)
    assert {"base_quarters", "base_village_quarters"} <= internal
    assert not {v for v in views if v.startswith("base_")}           # helpers left `report`
    assert [v for v, comment in views.items() if not (comment or "").strip()] == []
    assert len(columns) > 300
    assert [f"{v}.{c}" for v, c, comment in columns if not (comment or "").strip()] == []
    # the comment is the description from the source, as plain text
    catalog = load()
    assert views["quarterly_indicators"] == plain(catalog.view("report", "quarterly_indicators").about)
    assert dict(((v, c), m) for v, c, m in columns)[("villages", "kode_desa")] == plain(
        catalog.column("report", "villages", "kode_desa"))
