"""The chunk parser checks the data cells of a whole chunk at once instead of normalising them
row by row (transforms.chunk_tab._factorise): its types in one pass, NaN and lone surrogates
among the distinct values. A cell that normalising would change (a boolean hiding behind an
equal 1, a NaN, a surrogate, a str subclass, a list...) must still give, village by village,
exactly what the workbook gives alone, wherever it sits: in the data, in the header rows,
right of the sheet's columns, or in a tab that also has a `null` row."""
from __future__ import annotations

import enum
import random
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transforms.test_chunk import VILLAGES, assert_same, book, served
from tpbis.local_sheets.synthetic import messy_workbook
from transforms.chunk import parse_chunk


class Text(str):
    pass


class Level(enum.IntEnum):
    ONE = 1


DATA_TABS = ("Kunjungan", "Kegiatan", "Mitra", "Dampak")
# each next to a plain value it equals or hashes like (True == 1, Decimal(1) == 1, Text("x") == "x")
ODD = st.sampled_from([True, False, 1, 0, float("nan"), np.float64("nan"), float("inf"), 2.5, 1.0, 10**20, 1e20,
                       "\ud800", "Lit\udfffrasi", "Literasi", Text("Literasi"), Text("\ud800"), Level.ONE,
                       Decimal(1), np.int64(3), [1], {"a": 1}, ("t", 1), "", " ", "Jumlah"])


def _workbook(i: int, seed: int) -> dict:
    return served(messy_workbook(VILLAGES[i], months=8, activities=25, bad=0.1, seed=seed, variants=4))


@st.composite
def odd_chunks(draw):
    books = []
    for i in range(draw(st.integers(2, 5))):
        tabs = _workbook(i, draw(st.integers(0, 10**6)))
        rng = random.Random(draw(st.integers(0, 2**32)))
        for _ in range(draw(st.integers(0, 3))):
            rows = tabs[rng.choice(DATA_TABS)]
            where = draw(st.sampled_from(["data", "header", "right", "null row"]))
            cell = draw(ODD)
            r = rng.randrange(len(rows)) if where == "header" else rng.randrange(len(rows) // 2, len(rows))
            if where == "null row":
                rows.insert(r, None)
            elif where == "right":
                rows[r] = [*(rows[r] or []), *[""] * 12, cell]
            elif rows[r]:
                rows[r][rng.randrange(len(rows[r]))] = cell
        books.append(book(tabs, i))
    return books


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(odd_chunks())
def test_cells_that_need_normalising_give_each_village_what_it_gets_alone(ref, books):
    assert_same(books, ref)


def test_a_checkbox_after_a_count_of_one_in_another_workbook_is_still_rejected(ref, headers):
    """True == 1 and hash(True) == hash(1): checked only among distinct values, the TRUE of the
    second workbook would hide behind the first workbook's 1 and load as 1."""
    def visits(cell):
        return {"Kunjungan": [headers["Kunjungan"], ["Oktober 2024", 1, 2], ["November 2024", cell, 2]],
                "Kegiatan": [headers["Kegiatan"], [1, "13/10/2024", "Lomba", "Literasi", "", 1, 2]]}
    books = [book(visits(1), 0), book(visits(True), 1), book(visits(float("nan")), 2), book(visits("\ud800"), 3)]
    assert_same(books, ref)
    chunk = parse_chunk(books, ref)
    got = chunk.rejections[["kode_desa", "row_number", "value", "reason"]].values.tolist()
    codes = [v["kode_desa"] for v in VILLAGES[:4]]
    assert got == [[codes[1], 3, "TRUE", "not_a_number"], [codes[2], 3, "NaN", "bad_cell"],
                   [codes[3], 3, "\ufffd", "not_a_number"]]
    assert chunk.tables["visits"].groupby("kode_desa").size().to_dict() == {codes[0]: 2, codes[1]: 1,
                                                                           codes[2]: 1, codes[3]: 1}


def test_plain_floats_and_a_null_row_next_to_plain_sheets(ref, headers):
    """Floats take the NaN check; a tab with a `null` row is normalised whole before, and not
    again when another sheet of the chunk needs normalising."""
    plain = {"Kunjungan": [headers["Kunjungan"], ["Oktober 2024", 1.0, 2.5], ["November 2024", 3, 4]],
             "Kegiatan": [headers["Kegiatan"], [1, "13/10/2024", "Lomba", "Literasi", "", 1, 2]]}
    null_row = {"Kunjungan": [headers["Kunjungan"], None, ["Oktober 2024", [5], 2]],
                "Kegiatan": [headers["Kegiatan"], [1, "13/10/2024", {"t": 1}, "Literasi", "", 1, 2]]}
    odd = {"Kunjungan": [headers["Kunjungan"], ["Oktober 2024", [5], 2]],
           "Kegiatan": [headers["Kegiatan"], [1, "13/10/2024", Text("Lomba"), "Literasi", "", 1, 2]]}
    books = [book(plain, 0), book(null_row, 1), book(odd, 2), book(plain, 3)]
    assert_same(books, ref)
    values = parse_chunk(books, ref).rejections["value"].tolist()
    assert values == ["2.5", "[5]", '{"t": 1}', "[5]", "2.5"]
