"""The report views are created in an order written down (sql/reports/ORDER), not in the
alphabetical order of their file names: a new view that reads another must be listed after it."""
from __future__ import annotations

import duckdb

from tpbis.settings import SQL_DIR
from tpbis.warehouse.store import apply_schema, report_view_files


def test_every_view_file_is_listed_once():
    listed = [p.name for p in report_view_files()]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(p.name for p in (SQL_DIR / "reports").glob("*.sql"))


def test_views_are_created_in_the_listed_order_on_a_new_file(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        apply_schema(con)
        apply_schema(con)                                     # safe twice
        views = {name for (name,) in con.execute(
            "select schema_name || '.' || view_name from duckdb_views() where not internal").fetchall()}
    finally:
        con.close()
    assert {"report.quarterly_province", "report.villages", "report_internal.base_region_quarters"} <= views
