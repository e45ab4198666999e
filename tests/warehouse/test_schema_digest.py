"""Opening a working file re-creates the report views and their comments only when what they
are made of changed (a digest in core.meta) or a view is missing; otherwise it re-creates
just the views a publish switched to their summaries, live, so a summary is never read in a
file whose core tables may change. Real DuckDB files."""
from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from tpbis.catalog.descriptions import load, plain
from tpbis.settings import SQL_DIR
from tpbis.warehouse import store, summaries
from tpbis.warehouse.records import get_meta

HAND = "changed by hand"


def comment_of(con, schema: str, view: str) -> str | None:
    return con.execute("select comment from duckdb_views() where schema_name = ? and view_name = ?",
                       [schema, view]).fetchone()[0]


def column_comments(con, schema: str, view: str) -> dict[str, str | None]:
    return dict(con.execute("select column_name, comment from duckdb_columns() where schema_name = ? "
                            "and table_name = ?", [schema, view]).fetchall())


def reads(con, view: str) -> str:
    return con.execute("select sql from duckdb_views() where schema_name = 'report_internal' and view_name = ?",
                       [view]).fetchone()[0]


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    store.apply_schema(con)
    yield con
    con.close()


def test_an_unchanged_schema_is_not_re_created(con):
    villages = plain(load().view("report", "villages").about)
    assert comment_of(con, "report", "villages") == villages
    con.execute(f"comment on view report.villages is '{HAND}'")
    assert store.apply_schema(con) == []
    assert comment_of(con, "report", "villages") == HAND          # left alone: nothing changed
    digest, views = get_meta(con, store.REPORT_SCHEMA_KEY).split()
    assert digest == store.report_schema_digest() and int(views) >= 30


def test_a_changed_digest_re_creates_views_and_comments(con, monkeypatch):
    con.execute(f"comment on view report.villages is '{HAND}'")
    monkeypatch.setattr(store, "REPORT_SCHEMA_CODE", "changed")
    store.apply_schema(con)
    assert comment_of(con, "report", "villages") == plain(load().view("report", "villages").about)


def test_a_missing_view_is_re_created(con):
    con.execute("drop view report.quarterly_indicators")
    store.apply_schema(con)
    assert con.execute("select count(*) from report.quarterly_indicators").fetchone() == (0,)


@pytest.mark.parametrize("changed", ["reports/ORDER", "reports/villages.sql", "reports/descriptions.toml",
                                     "summaries/region_quarters.sql"])
def test_the_digest_covers_every_file_the_views_and_comments_are_made_of(tmp_path, monkeypatch, changed):
    copy = tmp_path / "sql"
    shutil.copytree(SQL_DIR, copy)
    monkeypatch.setattr(store, "SQL_DIR", copy)
    before = store.report_schema_digest()
    assert before == store.report_schema_digest()
    with open(copy / changed, "a", encoding="utf-8") as f:
        f.write("\n-- an edit\n" if changed.endswith(".sql") else "\n# an edit\n")
    assert store.report_schema_digest() != before


def test_every_view_a_summary_switches_is_put_back_live():
    created = set()
    for path in (SQL_DIR / "summaries").glob("*.sql"):
        created |= set(re.findall(r"create\s+or\s+replace\s+view\s+(\w+)\.(\w+)", path.read_text(encoding="utf-8"),
                                  flags=re.I))
    assert created and set(store.summary_switched_views()) == created == set(summaries.SWITCHED_VIEWS)


def test_views_switched_by_a_publish_are_live_again_with_their_comments_after_a_skipped_apply(con):
    summaries.refresh(con)                                        # as publish() does
    assert "village_quarters_summary" in reads(con, "base_village_quarters")
    assert "region_quarters_summary" in reads(con, "base_region_quarters")
    digest = get_meta(con, store.REPORT_SCHEMA_KEY)

    store.apply_schema(con)                                       # the next sync opens the file

    assert get_meta(con, store.REPORT_SCHEMA_KEY) == digest       # nothing else was re-created
    for view in ("base_village_quarters", "base_region_quarters"):
        assert "_summary" not in reads(con, view) and f"{view}_live" in reads(con, view)
        assert comment_of(con, "report_internal", view) == plain(load().view("report_internal", view).about)
        described = {c: t for c, t in column_comments(con, "report_internal", view).items()
                     if load().column("report_internal", view, c)}
        assert described and all(described.values())
