"""Parsing a chunk of workbooks in one columnar pass (transforms.chunk) gives, village by
village, exactly what parsing each workbook alone gives: the same rows, rejections (reason,
cell reference, message), warnings, counts, and the same UnreadableSheet for a sheet that
cannot be read, which fails alone."""
from __future__ import annotations

import random
from datetime import UTC, datetime

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transforms.test_odd_cells import CELLS, SCALARS, value_ranges
from tpbis.local_sheets.synthetic import messy_workbook, synthetic_registry
from tpbis.local_sheets.workbook_format import UNFORMATTED, render_row
from transforms.chunk import Book, parse_chunk
from transforms.columns import PROBLEM_COLUMNS
from transforms.workbook import join_parts, parse_workbook_parts

VILLAGES = synthetic_registry(40, seed=3)
FETCHED = [datetime(2026, 11, 20, 1, 2, 3, tzinfo=UTC), datetime(2026, 11, 20, 20, 0, tzinfo=UTC)]   # 2 days in WIB


def served(workbook: dict) -> dict:
    """A workbook's tabs as `values:batchGet` answers them (UNFORMATTED_VALUE, serials)."""
    return {sheet["title"]: [render_row(row, UNFORMATTED, "in_ID") for row in sheet["rows"]]
            for sheet in workbook["sheets"]}


def book(tabs: dict, i: int, fetched_at: datetime = FETCHED[0]) -> Book:
    v = VILLAGES[i % len(VILLAGES)]
    return Book(tabs, v, v["spreadsheet_key"], fetched_at, (fetched_at + pd.Timedelta(hours=7)).date())


def alone(books: list[Book], ref) -> tuple:
    """The reference: each workbook parsed on its own, joined as the sync joined them."""
    parts, outcomes = [], []
    for b in books:
        try:
            part = parse_workbook_parts(b.value_ranges, b.village, spreadsheet_key=b.spreadsheet_key,
                                        fetched_at=b.fetched_at, today=b.today, ref=ref)
        except Exception as e:  # noqa: BLE001 - compared with the chunk's outcome below
            outcomes.append(e)
            continue
        parts.append(part)
        counts = part.tab_counts
        outcomes.append(tuple(int(counts[c].sum()) for c in ("rows_read", "rows_loaded", "rows_rejected")))

    def problems(name):
        frames = [getattr(p, name) for p in parts if len(getattr(p, name))]
        return pd.concat(frames, ignore_index=True) if frames else None
    return join_parts(parts), problems("rejections"), problems("warnings"), outcomes


def assert_same(books: list[Book], ref) -> None:
    tables, rejections, warnings, outcomes = alone(books, ref)
    chunk = parse_chunk(books, ref)
    assert [type(o) for o in chunk.outcomes] == [type(o) for o in outcomes]
    assert [str(o) if isinstance(o, Exception) else o for o in chunk.outcomes] == \
           [str(o) if isinstance(o, Exception) else o for o in outcomes]
    assert set(chunk.tables) == set(tables)
    for name, expected in tables.items():
        pd.testing.assert_frame_equal(chunk.tables[name], expected, check_exact=True, obj=name)
    for got, expected in ((chunk.rejections, rejections), (chunk.warnings, warnings)):
        assert list(got.columns) == list(PROBLEM_COLUMNS)
        if expected is None:
            assert len(got) == 0
        else:
            pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_ordinary_messy_workbooks_parse_the_same_together_as_alone(ref):
    books = [book(served(messy_workbook(VILLAGES[i], seed=5)), i) for i in range(12)]
    assert_same(books, ref)
    chunk = parse_chunk(books, ref)
    assert len(chunk.tables["activities"]) > 4000 and len(chunk.rejections) > 50


def test_an_unreadable_sheet_fails_alone_and_the_others_load(ref, headers):
    good = served(messy_workbook(VILLAGES[0], months=6, activities=20, seed=2))
    no_header = {**good, "Kegiatan": [["Apa", "Ini"], [1, 2]]}
    odd = {**good, "Kunjungan": "not rows", "Mitra": [headers["Mitra"], [["x"], {"y": 1}, float("nan")]]}
    books = [book(good, 0), book(no_header, 1), book(odd, 2), book(good, 3, FETCHED[1])]
    assert_same(books, ref)
    chunk = parse_chunk(books, ref)
    assert [type(o).__name__ for o in chunk.outcomes] == ["tuple", "UnreadableSheet", "UnreadableSheet", "tuple"]
    assert set(chunk.tables["visits"]["kode_desa"]) == {VILLAGES[0]["kode_desa"], VILLAGES[3]["kode_desa"]}


def _messy(draw, i: int) -> dict:
    """A small messy workbook with some of its cells replaced by any JSON at all."""
    tabs = served(messy_workbook(VILLAGES[i], months=draw(st.integers(1, 14)), activities=draw(st.integers(0, 30)),
                                 bad=0.2, seed=draw(st.integers(0, 10**6)), variants=4))
    rng = random.Random(draw(st.integers(0, 2**32)))
    for _ in range(draw(st.integers(0, 2))):         # totals rows, right or wrong, between the months
        visits = tabs["Kunjungan"]
        visits.insert(rng.randrange(3, len(visits) + 1), ["Jumlah", rng.randrange(3000), rng.choice(["-", 5, ""])])
    for tab, at in (("Kunjungan", 2), ("Kegiatan", 0)):   # the header typed again below, whole or in part
        if rng.random() < 0.3:
            rows = tabs[tab]
            rows.insert(rng.randrange(at + 1, len(rows) + 1), rows[at][:rng.randrange(1, 4)])
    for _ in range(draw(st.integers(0, 6))):
        tab = rng.choice(sorted(tabs))
        rows = tabs[tab]
        cell = draw(st.one_of(CELLS, SCALARS, st.sampled_from([10**20, 1e20, 1.0, 0.0, -0.0, "Jumlah", "Total 2024"])))
        if rows and rng.random() < 0.8:
            row = rows[rng.randrange(len(rows))]
            if row:
                row[rng.randrange(len(row))] = cell
            else:
                row.append(cell)
        else:
            rows.insert(rng.randrange(len(rows) + 1), [cell, cell])
    return tabs


@st.composite
def chunks(draw):
    books = []
    for i in range(draw(st.integers(1, 6))):
        tabs = draw(value_ranges()) if draw(st.integers(0, 3)) == 0 else _messy(draw, i)
        books.append(book(tabs, i, draw(st.sampled_from(FETCHED))))
    return books


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(chunks())
def test_any_chunk_parses_village_by_village_as_each_workbook_alone(ref, books):
    assert_same(books, ref)


def test_the_same_big_number_typed_two_ways_is_shown_as_each_sheet_has_it(ref, headers):
    def tabs(first, second):
        return {"Kunjungan": [headers["Kunjungan"], ["Oktober 2024", first, 1], ["November 2024", second, 2]],
                "Kegiatan": [headers["Kegiatan"], [1, "13/10/2024", "Lomba", "Literasi", "", 1, 2, "", first]]}
    books = [book(tabs(10**20, 1e20), 0), book(tabs(1e20, 10**20), 1), book(tabs(1e20, 1e20), 2)]
    assert_same(books, ref)
    values = parse_chunk(books, ref).rejections["value"].tolist()
    assert values == ["100000000000000000000", "100000000000000000000", "1e+20", "1e+20", "1e+20", "1e+20"]


def _as_fetched(books: list[Book]) -> tuple[list[Book], list[Book]]:
    """Each book's tabs sent as a batchGet answer and decoded as a fetch decodes it, twice:
    once marked `plain` as the decoding found (tpbis.google.fetched.Workbook.plain), once
    not (every cell looked at, the reference)."""
    import json

    from tpbis.google.fetched import Workbook
    trusted, checked = [], []
    for b in books:
        if not isinstance(b.value_ranges, dict):
            continue
        titles = list(b.value_ranges)
        body = json.dumps({"valueRanges": [{"values": rows} for rows in b.value_ranges.values()]},
                          ensure_ascii=True, default=repr).encode()
        for out, mark in ((trusted, True), (checked, False)):
            wb = Workbook.from_answer(b.spreadsheet_key, body, titles)
            out.append(Book(wb.value_ranges, b.village, b.spreadsheet_key, b.fetched_at, b.today,
                            plain=wb.plain and mark))
    return trusted, checked


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(chunks())
def test_workbooks_decoded_plain_parse_as_when_every_cell_is_looked_at(ref, books):
    """A workbook whose answer decoded as plain cells skips the chunk's cell checks and
    normalising: it parses exactly as with them (rows, problems, outcomes)."""
    trusted, checked = _as_fetched(books)
    if not trusted:
        return
    got, expected = parse_chunk(trusted, ref), parse_chunk(checked, ref)
    assert [repr(o) for o in got.outcomes] == [repr(o) for o in expected.outcomes]
    for name, frame in expected.tables.items():
        pd.testing.assert_frame_equal(got.tables[name], frame, check_exact=True, obj=name)
    pd.testing.assert_frame_equal(got.rejections, expected.rejections, check_exact=True)
    pd.testing.assert_frame_equal(got.warnings, expected.warnings, check_exact=True)


def test_ordinary_messy_workbooks_decode_plain(ref):
    books = [book(served(messy_workbook(VILLAGES[i], seed=5)), i) for i in range(3)]
    trusted, _ = _as_fetched(books)
    assert [b.plain for b in trusted] == [True, True, True]


def test_plain_cells_factorised_by_dict_keep_each_sheets_own_big_number_and_blanks(ref, headers):
    """The plain path (chunk_tab._factorise_plain): 10**17 and 1e17 are one key but shown as
    each sheet typed them, None cells are blanks, exactly as every cell looked at gives."""
    def tabs(first, second):
        return {"Kunjungan": [headers["Kunjungan"], ["Oktober 2024", first, None], ["November 2024", second, 2]],
                "Kegiatan": [headers["Kegiatan"], [1, "13/10/2024", "Lomba", "Literasi", None, 1, 2, "", first],
                             [None, None, None], [2, "14/10/2024", "Lomba", "Literasi", "", 0.0, -0.0, "", second]]}
    pairs = [(10**17, 1e17), (1e17, 10**17), (1e17, 1e17)]
    plain = [Book(**{**book(tabs(a, b), i).__dict__, "plain": True}) for i, (a, b) in enumerate(pairs)]
    checked = [book(tabs(a, b), i) for i, (a, b) in enumerate(pairs)]
    assert_same(plain, ref)
    got, expected = parse_chunk(plain, ref), parse_chunk(checked, ref)
    for name, frame in expected.tables.items():
        pd.testing.assert_frame_equal(got.tables[name], frame, check_exact=True, obj=name)
    pd.testing.assert_frame_equal(got.rejections, expected.rejections, check_exact=True)
    assert "100000000000000000" in got.rejections["value"].tolist() and "1e+17" in got.rejections["value"].tolist()
