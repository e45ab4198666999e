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


# -- page by page: reads start while Drive still lists (tpbis.sync.planning) ----------------------

from tpbis.sync.planning import Planner, fetch_chunks, taper  # noqa: E402


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans(), st.integers(0, 3)), max_size=40),
       st.booleans())
def test_planning_page_by_page_reads_what_the_whole_listing_reads(flags, full):
    """Whatever pages Drive cuts its listing into, each village is read at most once, and
    the villages read and skipped are exactly those of `plan` over the whole listing."""
    villages = [village(f"k{i}") for i in range(len(flags))]
    listed = {v["spreadsheet_key"]: LATER if changed else T0
              for v, (listed_, changed, _, _) in zip(villages, flags) if listed_}
    state = {v["spreadsheet_key"]: (T0, None) for v, (_, _, known, _) in zip(villages, flags) if known}
    pages: dict[int, dict] = {}
    for v, (listed_, _, _, page) in zip(villages, flags):
        if listed_:
            pages.setdefault(page, {})[v["spreadsheet_key"]] = listed[v["spreadsheet_key"]]
    planner = Planner(villages, state, full_sweep=full)
    early = [row for page in sorted(pages) for row in planner.add(pages[page])]
    rest, whole = planner.finish()
    expected = plan(villages, listed, state, full_sweep=full)
    assert sorted(keys(early) + keys(rest)) == sorted(keys(expected.fetch))       # each once
    assert (whole.fetch, whole.skipped) == (expected.fetch, expected.skipped)      # registry order


def test_a_sheet_listed_without_a_readable_time_is_read_even_if_another_page_listed_it():
    planner = Planner([village("a"), village("b")], {"a": (LATER, None), "b": (LATER, None)}, full_sweep=False)
    assert planner.add({"a": T0}) == []                   # unchanged so far
    assert planner.add({}, doubtful={"a"}) == []          # then listed again, with no time
    rest, whole = planner.finish()
    assert keys(rest) == ["a", "b"] and keys(whole.fetch) == ["a", "b"]    # b: not listed at all
    assert whole.fetch[0]["modified_time"] is None


def rows(n: int) -> list[dict]:
    return [village(f"s{i}") for i in range(n)]


def test_a_one_page_listing_is_chunked_as_a_whole():
    """One page (any registry under 1,000 sheets): chunks are cut only at the end, so a small
    run stays one chunk (parsed on a thread, no worker processes)."""
    for quota in (600, None):
        chunks = list(fetch_chunks(iter([(rows(150), False)]), lambda: rows(3), 200, quota))
        assert [len(c) for c in chunks] == [153]


def test_while_drive_lists_chunks_are_cut_only_as_fast_as_the_quota_reads_them():
    t = [0.0]

    def pages(times):                     # 50 villages to read per page, listed at these times
        for i, at in enumerate(times):
            t[0] = at
            yield rows(50), i < len(times) - 1

    # first page of several: reads start at once (50 reads = 5 s at 600/min); pages listed while
    # more than 2 s of reads are ahead wait for the end of the listing
    chunks = fetch_chunks(pages([0.0, 1.0, 2.0, 2.5]), lambda: rows(10), 200, 600, lead=2.0, clock=lambda: t[0])
    assert [len(c) for c in chunks] == [50, 160]
    # a slow listing: page 3 comes when the reads handed out end within 2 s, and is cut then
    chunks = fetch_chunks(pages([0.0, 1.0, 3.5, 9.0]), lambda: [], 200, 600, lead=2.0, clock=lambda: t[0])
    assert [len(c) for c in chunks] == [50, 100, 50]


def test_without_a_quota_chunks_are_cut_as_soon_as_pages_come():
    pages = iter([(rows(450), True), (rows(450), True), (rows(100), False)])
    assert [len(c) for c in fetch_chunks(pages, lambda: rows(1), 200, None)] == [200, 200, 50, 200, 200, 50, 100, 1]


@given(st.integers(0, 3000), st.integers(1, 300))
def test_taper_keeps_every_row_once_in_order_and_ends_small(n, size):
    items = list(range(n))
    chunks = taper(items, size)
    assert [x for c in chunks for x in c] == items
    assert all(0 < len(c) <= size for c in chunks)
    if n > 2 * size:                                      # a long run ends with two small chunks
        assert len(chunks[-1]) == len(chunks[-2]) == max(1, size // 16)
    else:
        assert len(chunks) == -(-n // size)               # a short one: plain chunks, as before
