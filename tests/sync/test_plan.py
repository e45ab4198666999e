"""Which sheets a sync reads (`plan`) and when it re-reads everything (`due_for_full_sweep`):
plain functions, tested without Prefect, Google or DuckDB."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, strategies as st

from tpbis.sync.steps import due_for_full_sweep, plan

T0 = "2026-11-01T00:00:00.000Z"
LATER = "2026-11-02T08:30:00.000Z"


def village(key: str) -> dict:
    return {"kode_desa": f"14.03.02.{2000 + len(key)}", "spreadsheet_key": key}


def keys(rows: list[dict]) -> list[str]:
    return [r["spreadsheet_key"] for r in rows]


def test_new_changed_and_unchanged_sheets():
    villages = [village("new"), village("changed"), village("same")]
    listed = {"new": T0, "changed": LATER, "same": T0}
    state = {"changed": (T0, None), "same": (T0, None)}
    p = plan(villages, listed, state, full_sweep=False)
    assert keys(p.fetch) == ["new", "changed"]
    assert keys(p.skipped) == ["same"]
    assert p.fetch[1]["modified_time"] == LATER          # recorded as the time it was read at
    assert p.full_sweep is False


def test_a_sheet_drive_does_not_list_is_read_so_google_says_why():
    p = plan([village("revoked")], {}, {"revoked": (T0, None)}, full_sweep=False)
    assert keys(p.fetch) == ["revoked"] and p.fetch[0]["modified_time"] is None


def test_unreadable_times_mean_read():
    villages = [village("odd-listed"), village("odd-stored")]
    listed = {"odd-listed": "yesterday", "odd-stored": T0}
    state = {"odd-listed": (T0, None), "odd-stored": ("not a time", None)}
    assert keys(plan(villages, listed, state, full_sweep=False).fetch) == ["odd-listed", "odd-stored"]


def test_full_sweep_reads_every_sheet():
    villages = [village("a"), village("b")]
    listed = {"a": T0, "b": T0}
    p = plan(villages, listed, {"a": (T0, None), "b": (LATER, None)}, full_sweep=True)
    assert keys(p.fetch) == ["a", "b"] and p.skipped == [] and p.full_sweep is True


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), max_size=30), st.booleans())
def test_every_village_is_read_or_skipped_exactly_once(flags, full):
    villages = [village(f"k{i}") for i in range(len(flags))]
    listed = {v["spreadsheet_key"]: LATER if changed else T0
              for v, (listed_, changed, _) in zip(villages, flags) if listed_}
    state = {v["spreadsheet_key"]: (T0, None) for v, (_, _, known) in zip(villages, flags) if known}
    p = plan(villages, listed, state, full_sweep=full)
    assert sorted(keys(p.fetch) + keys(p.skipped)) == sorted(keys(villages))
    for v in p.skipped:                                   # skipped only when known and unchanged
        assert not full and v["spreadsheet_key"] in state and listed.get(v["spreadsheet_key"]) == T0


NOW = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)


def test_full_sweep_due_after_its_interval():
    assert due_for_full_sweep(None, NOW, 7) is True                      # never swept
    assert due_for_full_sweep((NOW - timedelta(days=7)).isoformat(), NOW, 7) is True
    assert due_for_full_sweep((NOW - timedelta(days=6, hours=23)).isoformat(), NOW, 7) is False


def test_full_sweep_never_when_switched_off():
    assert due_for_full_sweep(None, NOW, 0) is False
    assert due_for_full_sweep((NOW - timedelta(days=400)).isoformat(), NOW, -1) is False
