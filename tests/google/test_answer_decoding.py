"""A batchGet answer is checked in the fetching process and decoded once, in the parse worker
(`tpbis.google.fetched.Workbook.from_answer`): its cells, the payload that lands, its hash and
what a parse worker receives are those of decoding the answer at once (the way it was done
before), whatever the cells hold: NaN, 65-bit integers, lone surrogates included."""
from __future__ import annotations

import json
import math
import pickle

import orjson
from hypothesis import given, settings, strategies as st

from tpbis.google import sheets
from transforms.cells import normalise_rows

TITLES = ["Profil", "Kunjungan", "Kegiatan"]

cells = st.one_of(
    st.sampled_from([float("nan"), 2 ** 65, -(2 ** 64) - 1, "\ud800", "a\udfffb", 1e308, "NaN"]),
    st.none(), st.booleans(),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),          # past 64 bits: orjson refuses
    st.floats(allow_nan=True, allow_infinity=False),                # NaN: only the standard library reads it
    st.text(st.characters(codec=None), max_size=12),                # lone surrogates included
    st.lists(st.integers(0, 9), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(0, 9), max_size=1),
)
rows = st.lists(st.one_of(st.none(), st.lists(cells, min_size=1, max_size=6)), min_size=1, max_size=6)


def answer(tabs: list) -> bytes:
    body = {"spreadsheetId": "k", "valueRanges": [
        {"range": f"'{t}'!A1:Z1000", "majorDimension": "ROWS", **({} if v is None else {"values": v})}
        for t, v in zip(TITLES, tabs)]}
    return json.dumps(body, ensure_ascii=True).encode()


def decoded_at_once(key: str, body: bytes) -> tuple[sheets.Workbook, bool]:
    """What fetch_workbook made of an answer before: its cells decoded at once (by orjson, or
    by the standard library when orjson refuses them), and whether orjson read them."""
    try:
        decoded, from_json = orjson.loads(body), True
    except orjson.JSONDecodeError:
        decoded, from_json = json.loads(body), False
    value_ranges = {t: vr.get("values", []) for t, vr in zip(TITLES, decoded["valueRanges"])}
    return sheets.Workbook(key, value_ranges, 1, 5.0), from_json


def same_cells(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_cells(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_cells(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), rows), min_size=0, max_size=3))
def test_an_answer_decoded_in_the_worker_equals_one_decoded_at_once(tabs):
    body = answer(tabs)
    before, from_json = decoded_at_once("k", body)
    now = sheets.Workbook.from_answer("k", body, TITLES, 1, 5.0)
    worker = pickle.loads(pickle.dumps(now))            # what a parse worker gets
    for wb in (now, worker):
        assert same_cells(wb.value_ranges, before.value_ranges)
        assert wb.payload == before.payload and wb.content_hash == before.content_hash
        assert wb.from_json == from_json and (wb.reads, wb.fetched_at) == (1, 5.0)
        if wb.plain:                                    # the parse will not look at its cells again
            for tab in wb.value_ranges.values():
                assert type(tab) is list and all(type(row) is list for row in tab)
                assert normalise_rows(tab) is tab and all(normalised is row for normalised, row in zip(normalise_rows(tab), tab))
    assert len(pickle.dumps(sheets.Workbook.from_answer("k", body, TITLES))) < len(body) + 200


def test_an_ordinary_answer_is_checked_in_c_and_decoded_only_when_its_cells_are_asked_for():
    body = answer([[["Nama desa", "Sungai Alam"]], [["Januari 2026", 12, "3 orang"]], None])
    sheets._ANSWER.decode(body)                 # the fetch thread's check: no fallback to decoding
    wb = sheets.Workbook.from_answer("k", body, TITLES)
    assert wb._cells is None
    assert wb.value_ranges["Kunjungan"] == [["Januari 2026", 12, "3 orang"]] and wb.value_ranges["Kegiatan"] == []
    assert wb.plain


def test_a_cell_the_api_never_sends_makes_the_answer_not_plain():
    for odd in (True, [1], {"a": 1}, 2 ** 63, float("nan"), 1e400, "\ud800"):
        wb = sheets.Workbook.from_answer("k", answer([[["x", odd]]]), TITLES)
        assert wb.value_ranges["Profil"][0][0] == "x" and not wb.plain, odd
    assert sheets.Workbook.from_answer("k", answer([[["x", 2 ** 63 - 1, -1.5e308, None]]]), TITLES).plain
