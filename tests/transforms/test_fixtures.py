"""One fixture per way librarians break sheets (fixtures/*.json), each checked for the exact
typed values, rejections and warnings that come out.

A fixture is {"description", "tabs": {tab title: rows as UNFORMATTED_VALUE returns them},
"expect": {"tables": {table: [row subsets]}, "rejections": [[tab, row, column, reason]],
"warnings": [...], optional "tab_counts", "today", "village", "never_stored"}}. Tables listed
in "tables" must have exactly the rows listed (only the keys given are compared).
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from transforms.columns import PROBLEM_COLUMNS, TAB_COUNT_COLUMNS, all_columns

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.json"))


def plain(value):
    """A cell of a parsed frame as the JSON value a fixture states."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def problems(frame: pd.DataFrame) -> list[list]:
    return [[r.tab, plain(r.row_number), r.column, r.reason] for r in frame.itertuples()]


def test_every_fixture_is_described():
    assert len(FIXTURES) >= 26
    for path in FIXTURES:
        body = json.loads(path.read_text())
        assert set(body) == {"description", "tabs", "expect"}, path.name
        assert body["description"].strip(), path.name


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture(path: Path, parse, village):
    body = json.loads(path.read_text())
    expect = body["expect"]
    today = date.fromisoformat(expect.get("today", "2025-01-15"))
    parsed = parse(body["tabs"], today=today, village=expect.get("village", village), fill=False)
    check_fixture(parsed, expect)


def check_fixture(parsed, expect: dict) -> None:
    """Assert a ParsedWorkbook is exactly what a fixture's "expect" states (also used by
    tests/test_fixtures_via_server.py, which fetches the same fixtures through gspread)."""
    for table, frame in parsed.tables.items():
        assert frame.dtypes.astype(str).to_dict() == {c: str(pd.api.types.pandas_dtype(t))
                                                       for c, t in all_columns(table).items()}, table
    for table, rows in expect["tables"].items():
        frame = parsed.tables[table]
        got = [{key: plain(row[key]) for key in want} for want, (_, row) in zip(rows, frame.iterrows())]
        assert got == rows, table
        assert len(frame) == len(rows), table

    assert problems(parsed.rejections) == expect["rejections"]
    assert problems(parsed.warnings) == expect["warnings"]
    for frame in (parsed.rejections, parsed.warnings):
        assert list(frame.columns) == list(PROBLEM_COLUMNS)
        for r in frame.itertuples():
            if r.row_number is not pd.NA:
                assert r.message.startswith(f"Baris {r.row_number}, kolom {r.column}:"), r.message

    counts = {r.tab: [r.rows_read, r.rows_loaded, r.rows_rejected] for r in parsed.tab_counts.itertuples()}
    assert list(parsed.tab_counts.columns) == list(TAB_COUNT_COLUMNS)
    if "tab_counts" in expect:
        assert {tab: counts[tab] for tab in expect["tab_counts"]} == expect["tab_counts"]

    for secret in expect.get("never_stored", []):
        for frame in [*parsed.tables.values(), parsed.rejections, parsed.warnings]:
            for column in frame.select_dtypes("string").columns:
                assert not frame[column].str.contains(secret, regex=False).any(), (secret, column)
