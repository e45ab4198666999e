"""Finding the header row and matching columns by name, never by position."""

from __future__ import annotations

import pickle

import pytest

from transforms.headers import UnreadableSheet, find_header, header_key


@pytest.mark.parametrize("text", ["Pengunjung Laki-laki", "PENGUNJUNG LAKI-LAKI", "Pengunjung Laki-Laki", "pengunjung laki laki",
                                  "Pengunjung (L)", "Pengunjung  Lk", "Pengunjung Pria", " Pengunjung L "])
def test_header_spellings(text):
    assert header_key(text) == "pengunjung l"


def test_title_and_blank_rows_above(ref, headers):
    rows = [["Laporan Kunjungan Perpustakaan"], [], ["Tahun 2022"], headers["Kunjungan"], ["Oktober 2022", 1, 2]]
    match = find_header(rows, ref.header_lookup["Kunjungan"])
    assert match.row == 3
    assert match.columns["month"] == 0 and match.columns["open_days"] == 6


def test_columns_in_any_order_with_extra_columns(ref):
    rows = [["Catatan", "Pengunjung (P)", "BULAN", "Pengunjung (L)", "Foto"]]
    match = find_header(rows, ref.header_lookup["Kunjungan"])
    assert match.columns == {"visitors_female": 1, "month": 2, "visitors_male": 3}
    assert match.labels["visitors_female"] == "Pengunjung (P)"


def test_merged_two_row_header(ref):
    rows = [["Bulan", "Pengunjung", "", "Anggota Baru"], ["", "Laki-laki", "Perempuan"], ["Okt 2022", 1, 2, 3]]
    match = find_header(rows, ref.header_lookup["Kunjungan"])
    assert match.row == 1
    assert match.columns == {"month": 0, "visitors_male": 1, "visitors_female": 2, "new_members": 3}
    assert match.labels["visitors_female"] == "Pengunjung Perempuan"


def test_first_of_two_matching_columns_wins(ref):
    match = find_header([["Bulan", "Bulan", "Pengunjung L"]], ref.header_lookup["Kunjungan"])
    assert match.columns["month"] == 0


def test_data_row_below_is_not_taken_for_a_second_header_row(ref, headers):
    rows = [headers["Kunjungan"], ["Oktober 2022", 1, 2]]
    assert find_header(rows, ref.header_lookup["Kunjungan"]).row == 0


def test_no_header(ref):
    assert find_header([["Oktober 2022", 1, 2], [1, 2, 3]], ref.header_lookup["Kunjungan"]) is None
    assert find_header([], ref.header_lookup["Kunjungan"]) is None
    assert find_header([[]] * 20 + [["Bulan", "Pengunjung L", "Pengunjung P"]], ref.header_lookup["Kunjungan"]) is None


def test_unreadable_sheet_message_and_pickle():
    error = UnreadableSheet("Kegiatan", ["Tanggal", "Jenis Kegiatan"])
    assert error.tab == "Kegiatan" and error.missing == ["Tanggal", "Jenis Kegiatan"]
    assert "kolom wajib tidak ditemukan" in str(error) and "required columns not found" in str(error)
    assert "Tanggal, Jenis Kegiatan" in str(error)
    again = pickle.loads(pickle.dumps(error))
    assert (again.tab, again.missing, str(again)) == (error.tab, error.missing, str(error))


@pytest.mark.parametrize("numbering", [[1, 2, 3, 4, 5, 6, 7], ["(1)", "(2)", "(3)", "(4)"], ["1", "2", "3"]])
def test_column_numbering_row_belongs_to_the_header(ref, headers, numbering):
    rows = [headers["Kunjungan"], numbering, ["Oktober 2022", 1, 2]]
    assert find_header(rows, ref.header_lookup["Kunjungan"]).row == 1


def test_a_data_row_of_small_numbers_is_not_numbering(ref, headers):
    rows = [headers["Kegiatan"], [1, 44847, "Rapat", "Rapat", "", 2, 3]]
    assert find_header(rows, ref.header_lookup["Kegiatan"]).row == 0


# --- headers remembered across sheets (a chunk's villages share their template) -------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from transforms import headers as headers_module  # noqa: E402


def _fresh(rows, keys):
    """find_header with nothing remembered before or after."""
    remembered = headers_module._HEADS
    headers_module._HEADS = headers_module._Heads()
    try:
        return find_header(rows, keys)
    finally:
        headers_module._HEADS = remembered


def test_a_remembered_header_still_takes_each_sheets_own_numbering_row(ref, headers):
    keys = ref.header_lookup["Kunjungan"]
    title = ["Laporan Kunjungan Perpustakaan Desa"]
    plain = [title, [], list(headers["Kunjungan"]), ["Oktober 2022", 1, 2]]
    numbered = [title, [], list(headers["Kunjungan"]), [1, 2, 3, 4, 5, 6, 7], ["Oktober 2022", 1, 2]]
    for rows, row in ((plain, 2), (numbered, 3), (plain, 2), (numbered, 3)):
        assert find_header(rows, keys).row == row


def test_a_header_half_named_is_never_taken_from_another_sheet(ref, headers):
    """Only a header that names every field ends the search: below a partial one, another
    sheet may have a better header, and it must be found."""
    keys = ref.header_lookup["Kunjungan"]
    partial = ["Bulan", "Pengunjung L"]
    first = [partial, ["Oktober 2022", 1, 2]]
    second = [partial, list(headers["Kunjungan"]), ["Oktober 2022", 1, 2]]
    assert find_header(first, keys).row == 0
    assert find_header(second, keys).row == 1


_CELLS = st.sampled_from(["", "Bulan", "BULAN", "Pengunjung", "Laki-laki", "Perempuan", "Pengunjung (L)",
                          "Pengunjung (P)", "Anggota Baru", "Buku Dipinjam", "Pengguna Internet", "Hari Buka",
                          "Laporan Kunjungan", "No", "(1)", "(2)", "(3)", "1", "Oktober 2022", None, 1, 2, 3, 1.0, True])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.lists(_CELLS, max_size=8), max_size=6), min_size=1, max_size=8))
def test_remembered_headers_are_what_each_sheet_alone_gives(ref, sheets):
    """Sheets drawn from a few rows, parsed one after another (so that heads are remembered
    and met again): each gets exactly the header it gets parsed alone."""
    keys = ref.header_lookup["Kunjungan"]
    for rows in sheets:
        assert find_header(rows, keys) == _fresh(rows, keys)


def test_title_rows_typed_differently_in_every_village_keep_a_few_head_lengths(ref, headers):
    """Each village's own title above the header: nothing is met twice, and the heads looked
    up for a sheet not met before stay few, however many depths the headers are found at."""
    keys = ref.header_lookup["Kunjungan"]
    remembered = headers_module._HEADS
    headers_module._HEADS = heads = headers_module._Heads()
    try:
        for village in range(200):
            rows = [[f"Laporan Desa {village}"]] + [[]] * (village % 9) + [list(headers["Kunjungan"]), ["Oktober 2022", 1]]
            assert find_header(rows, keys).row == 1 + village % 9
        assert len(heads.lengths) <= heads.LENGTHS
    finally:
        headers_module._HEADS = remembered
