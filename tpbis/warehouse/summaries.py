"""Summary tables of the report views, refreshed when a snapshot is published.

Some report views are too slow to compute at the province's full size for every query (the
region views: one quarter of 20,000 villages costs the whole history; the village-quarter
facts under report.quarterly_indicators and its siblings: the whole history costs seconds). `refresh(con)` writes
their whole history into a table of `report_internal` on the sync's working file, right
before publish() copies it, and switches the view to read that table when no `as_of` is set
(the live computation still answers under `as_of`). Applying the schema re-creates the views
in their live form, so a summary is only read in a file it was refreshed in, after the last
change of the core tables: a sync, a replay and a rebuilt working file all publish through
here. Why and how: sql/summaries/*.sql, sql/reports/base_region_quarters.sql and
sql/reports/base_village_quarters.sql.
"""
from __future__ import annotations

import duckdb

from tpbis.catalog.descriptions import load, plain
from tpbis.settings import SQL_DIR
from tpbis.warehouse.params import sql_literal
from tpbis.warehouse.store import run_script

# sql/summaries/<name>.sql, each refreshing one summary and switching the view(s) it serves
SUMMARIES = ("village_quarters", "region_quarters")
# the views re-created by them, whose descriptions (COMMENT ON) must be set again
SWITCHED_VIEWS = (("report_internal", "base_village_quarters"), ("report_internal", "base_region_quarters"))


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every summary from the core tables as they are now, in one transaction."""
    con.execute("reset variable as_of")           # the summaries hold "now", never a past day
    con.execute("begin transaction")
    try:
        for name in SUMMARIES:
            run_script(con, (SQL_DIR / "summaries" / f"{name}.sql").read_text(encoding="utf-8"))
        _comment_switched_views(con)
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass        # a failed COMMIT (e.g. disk full) already ended the transaction
        raise


def _comment_switched_views(con) -> None:
    """Re-creating a view drops its comments: set the descriptions of the switched ones again."""
    catalog = load()
    for schema, view in SWITCHED_VIEWS:
        doc = catalog.view(schema, view)
        if doc is None:
            continue
        con.execute(f"comment on view {schema}.{view} is " + sql_literal(plain(doc.about)))
        columns = [c for (c,) in con.execute(
            """select column_name from duckdb_columns() where database_name = current_database()
               and schema_name = ? and table_name = ?""", [schema, view]).fetchall()]
        for column in columns:
            text = catalog.column(schema, view, column)
            if text:
                con.execute(f'comment on column {schema}.{view}."{column}" is ' + sql_literal(plain(text)))
