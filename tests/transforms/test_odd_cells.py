"""Whatever JSON a `values:batchGet` answer holds, parsing one workbook returns rows and
rejections, or the sheet-level UnreadableSheet; never anything else. Unit tests of the odd
shapes first, then a Hypothesis test through parse_workbook and build_batch."""
from __future__ import annotations

import math
import time
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transforms.conftest import DAMPAK, KEGIATAN, KUNJUNGAN, MITRA, VILLAGE
from tpbis.google.fetched import Workbook
from tpbis.sync.batches import Fetched, build_batch
from transforms.cells import OddCell, normalise_rows, normalise_value_ranges
from transforms.columns import TABLE_TABS
from transforms.workbook import UnreadableSheet, parse_workbook


def test_normalise_rows_keeps_plain_rows_and_fixes_odd_ones():
    plain = [["Bulan", 1, 2.5, None, "x \u202e\x00 \U0001F600"], []]
    assert normalise_rows(plain) is plain                  # the common case costs no copy
    rows = normalise_rows([None, "Oktober 2022", ["a", [1], {"b": 2}, float("nan"), "\ud800!", True, False],
                           ("t", 1)])
    assert rows[0] == [] and rows[1] == ["Oktober 2022"]
    assert rows[2][0] == "a" and rows[2][4:] == ["\ufffd!", "TRUE", "FALSE"]
    assert [type(c) for c in rows[2][1:4]] == [OddCell, OddCell, OddCell]
    assert [str(c) for c in rows[2][1:4]] == ["[1]", '{"b": 2}', "NaN"]
    assert rows[3] == ["t", 1]
    assert normalise_rows(None) == [] and normalise_rows({"a": 1})[0][0] == OddCell("object", '{"a": 1}')
    assert normalise_value_ranges(None) == {} and normalise_value_ranges({"Kunjungan": None}) == {"Kunjungan": []}
    assert len(str(normalise_rows([[["x" * 500]]])[0][0])) == 80


def test_odd_cells_reject_their_row_with_the_cell_address(parse, headers):
    parsed = parse({"Kunjungan": [headers["Kunjungan"], None, ["Oktober 2022", [5], 3], ["November 2022", 4, 5],
                                  ["Desember 2022", 1, 2, {"n": 1}]],
                    "Kegiatan": [headers["Kegiatan"], [1, "13/10/2022", {"t": "Lomba"}, "Literasi", "", 3, 4]],
                    "Profil": [["Isian", "Nilai"], ["Jumlah Komputer", [2]]]})
    got = parsed.rejections[["tab", "row_number", "column", "reason", "value"]].values.tolist()
    assert got == [["Profil", 2, "Jumlah Komputer", "bad_cell", "[2]"],
                   ["Kunjungan", 3, "Pengunjung Laki-laki", "bad_cell", "[5]"],
                   ["Kunjungan", 5, "Anggota Baru", "bad_cell", '{"n": 1}'],
                   ["Kegiatan", 2, "Nama Kegiatan", "bad_cell", '{"t": "Lomba"}']]
    assert parsed.rejections.message.iloc[1] == ("Baris 3, kolom Pengunjung Laki-laki: isi sel tidak dapat dibaca "
                                                 "([5]); ketik ulang nilainya sebagai teks atau angka biasa.")
    assert parsed.tables["visits"].source_row.tolist() == [4]


@pytest.mark.parametrize("rows", [300, 3])                 # both ways a column's distinct values are read
def test_a_checkbox_is_never_the_count_one(parse, headers, rows):
    """True == 1 in Python: TRUE must neither load as 1 nor make a real 1 look like TRUE."""
    months = [f"{m:02d}/{y}" for y in range(2015, 2040) for m in range(1, 13)][:rows]
    body = [[month, True if i == 0 else 1, 1, 0] for i, month in enumerate(months)]
    body[-1][3] = False
    parsed = parse({"Kunjungan": [headers["Kunjungan"], *body]}, today=date(2040, 1, 1))
    got = parsed.rejections[["row_number", "column", "value", "reason"]].values.tolist()
    assert got == [[2, "Pengunjung Laki-laki", "TRUE", "not_a_number"],
                   [rows + 1, "Anggota Baru", "FALSE", "not_a_number"]]
    assert parsed.tables["visits"].visitors_male.tolist() == [1] * (rows - 2)
    assert parsed.tables["visits"].new_members.tolist() == [0] * (rows - 2)


@pytest.mark.parametrize("cell, reason", [(True, "not_a_number"), (False, "not_a_number"),
                                          (9_007_199_254_740_993, "out_of_range"), (10**20, "out_of_range"),
                                          ("9.007.199.254.740.993", "out_of_range"), (50_001, "out_of_range"),
                                          (1e308, "out_of_range"), (float("inf"), "not_a_number")])
def test_implausible_counts_are_rejected(parse, headers, cell, reason):
    parsed = parse({"Kunjungan": [headers["Kunjungan"], ["Oktober 2022", cell, 3]]})
    assert parsed.rejections[["row_number", "reason"]].values.tolist() == [[2, reason]]
    assert parsed.tables["visits"].empty
    if reason == "out_of_range":
        assert "(paling banyak 50.000)" in parsed.rejections.message.iloc[0]


def test_bounds_are_read_from_config(tmp_path, headers):
    import shutil
    from transforms.reference import DEFAULT_CONFIG_DIR, load_reference
    shutil.copytree(DEFAULT_CONFIG_DIR, tmp_path / "config")
    (tmp_path / "config" / "bounds.csv").write_text("tab,field,max\nKunjungan,visitors_male,100\n", encoding="utf-8")
    ref = load_reference(tmp_path / "config")
    parsed = parse_workbook({"Kunjungan": [headers["Kunjungan"], ["Oktober 2022", 101, 60000]], "Kegiatan": [KEGIATAN]},
                            VILLAGE, spreadsheet_key="k", fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
                            today=date(2025, 1, 1), ref=ref)
    assert parsed.rejections[["column", "reason"]].values.tolist() == [["Pengunjung Laki-laki", "out_of_range"]]
    (tmp_path / "config" / "bounds.csv").write_text("tab,field,max\nKunjungan,month,100\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bounds.csv:2"):
        load_reference(tmp_path / "config")


# -- any JSON in any cell ---------------------------------------------------------------------------------

ANY_CHAR = st.characters(codec=None, exclude_categories=())          # surrogates, NUL, controls, RTL marks
PLAUSIBLE = st.sampled_from([*KUNJUNGAN, *KEGIATAN, *MITRA, *DAMPAK, "Oktober 2022", "13/10/2022", "Jumlah",
                             "Literasi", "1.234", "-", "", " ", "L", "Ya", "Rp 5.000.000", "12 orang", "Isian",
                             "Nilai", "Jumlah Komputer", "Kode Desa", "\u202eRTL", "\x00", "\U0001F600"])
SCALARS = st.one_of(
    st.none(), st.booleans(), PLAUSIBLE, PLAUSIBLE,
    st.integers(), st.integers(-(2**70), 2**70), st.integers(0, 80_000),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 60_000, allow_nan=False),
    st.text(ANY_CHAR, max_size=12), st.text(ANY_CHAR, min_size=500, max_size=1_000),
    st.integers(1, 40_000).map(lambda n: "panjang\u0000 " * n),      # up to 360,000 characters
)
CELLS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.text(max_size=3), inner, max_size=3)),
                     max_leaves=4)
ROW = st.one_of(st.lists(CELLS, max_size=9), st.lists(SCALARS, max_size=9), st.none(), SCALARS)
HEADERS = {"Kunjungan": KUNJUNGAN, "Kegiatan": KEGIATAN, "Mitra": MITRA, "Dampak": DAMPAK,
           "Profil": ["Isian", "Nilai"]}


@st.composite
def tab_values(draw, tab: str):
    """A tab's `values`: often the template header (maybe ragged) and any rows; sometimes not a list at all."""
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(st.one_of(st.none(), SCALARS, st.dictionaries(st.text(max_size=3), SCALARS, max_size=2)))
    rows = draw(st.lists(ROW, max_size=12))
    if shape > 2:
        header = list(HEADERS[tab])
        cut = draw(st.integers(0, len(header)))
        rows.insert(draw(st.integers(0, min(2, len(rows)))), header if shape > 4 else header[:cut])
    return rows


@st.composite
def value_ranges(draw):
    tabs = {tab: draw(tab_values(tab)) for tab in ("Kunjungan", "Kegiatan")}
    for tab in ("Profil", "Mitra", "Dampak"):
        if draw(st.booleans()):
            tabs[tab] = draw(tab_values(tab))
    return tabs


def _utf8(frame) -> bool:
    for column in frame.columns:
        if frame[column].dtype == "string" or frame[column].dtype == object:
            for value in frame[column].dropna():
                str(value).encode("utf-8")
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(value_ranges())
def test_any_json_parses_to_rows_and_rejections_or_an_unreadable_sheet(ref, tabs):
    fetched_at = datetime(2025, 1, 15, tzinfo=UTC)
    try:
        parsed = parse_workbook(tabs, VILLAGE, spreadsheet_key="k", fetched_at=fetched_at, today=date(2025, 1, 15),
                                ref=ref)
    except UnreadableSheet as e:
        assert e.tab in TABLE_TABS.values() and e.message
        parsed = None
    if parsed is not None:
        rejected = parsed.rejections.groupby("tab").row_number.nunique()
        for r in parsed.tab_counts.itertuples():
            assert r.rows_read == r.rows_loaded + rejected.get(r.tab, 0)
            table = next(t for t, tab in TABLE_TABS.items() if tab == r.tab)
            assert len(parsed.tables[table]) == (min(r.rows_loaded, 1) if table == "profile" else r.rows_loaded)
        assert parsed.rejections.message.str.startswith("Baris ").all()
        assert all(_utf8(frame) for frame in [*parsed.tables.values(), parsed.rejections, parsed.warnings])
        for frame in parsed.tables.values():               # nothing implausible or non-finite loaded
            for column in frame.select_dtypes("number").columns:
                values = frame[column].dropna().astype(float)
                assert all(math.isfinite(v) for v in values) and (values.abs() <= 1e11).all(), column

    # the sync step: the payload hashes, and the village is loaded or fails as unreadable, never a crash
    wb = Workbook("k", tabs, 1, time.time())
    village = {**VILLAGE, "spreadsheet_key": "k", "modified_time": None}
    batch = build_batch("run", fetched_at, [Fetched(village, workbook=wb)], {}, ref)
    run = batch.village_runs.iloc[0]
    assert (run.status, run.reason) == (("failed", "unreadable_sheet") if parsed is None else ("loaded", None))
    assert len(batch.fetches) == 1 and batch.fetches.payload.iloc[0].encode("utf-8")
