"""parse_workbook as a whole: unreadable sheets, lineage, dtypes, tabs present or not, and the
row-count invariant (a row read is loaded or rejected, never lost)."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import transforms.workbook as workbook
from transforms.columns import TABLE_TABS, all_columns
from transforms.tabs import TabResult
from transforms.workbook import ParsedWorkbook, UnreadableSheet, parse_workbook


def test_missing_kunjungan_tab(ref, village, headers):
    with pytest.raises(UnreadableSheet) as caught:
        parse_workbook({"Kegiatan": [headers["Kegiatan"]], "Sheet1": []}, village, spreadsheet_key="k",
                       fetched_at=datetime.now(UTC), today=date(2025, 1, 1), ref=ref)
    error = caught.value
    assert error.tab == "Kunjungan"
    assert error.missing == ["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"]
    assert "Tab 'Kunjungan' tidak ditemukan" in str(error) and "is missing" in str(error)


def test_kegiatan_without_a_recognisable_header(parse, headers):
    rows = [["Laporan kegiatan"], [1, "13/10/2022", "Dongeng", "Literasi", "", 2, 3]]
    with pytest.raises(UnreadableSheet) as caught:
        parse({"Kunjungan": [headers["Kunjungan"]], "Kegiatan": rows})
    assert caught.value.tab == "Kegiatan"
    assert caught.value.missing == ["Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Peserta Laki-laki", "Peserta Perempuan"]
    assert "Tanggal, Nama Kegiatan, Jenis Kegiatan" in str(caught.value)


def test_header_missing_one_required_column(parse):
    with pytest.raises(UnreadableSheet) as caught:
        parse({"Kegiatan": [["Tanggal", "Nama Kegiatan", "Peserta L", "Peserta P"]]})
    assert (caught.value.tab, caught.value.missing) == ("Kegiatan", ["Jenis Kegiatan"])
    assert pickle.loads(pickle.dumps(caught.value)).missing == ["Jenis Kegiatan"]


def test_present_optional_tab_without_its_required_column(parse):
    with pytest.raises(UnreadableSheet) as caught:
        parse({"Mitra": [["Jenis Mitra", "MoU"], ["PKK", "Ya"]]})
    assert (caught.value.tab, caught.value.missing) == ("Mitra", ["Nama Mitra"])


def test_optional_tab_left_empty_is_an_empty_table(parse):
    parsed = parse({"Mitra": [], "Dampak": [[], ["", " "]], "Profil": []})
    assert len(parsed.tables["partners"]) == len(parsed.tables["benefits"]) == len(parsed.tables["profile"]) == 0
    assert parsed.warnings.empty
    assert parsed.tab_counts.tab.tolist() == ["Profil", "Kunjungan", "Kegiatan", "Mitra", "Dampak"]


def test_lineage_and_dtypes(parse, headers):
    parsed = parse({"Kunjungan": [["Judul"], headers["Kunjungan"], ["Oktober 2022", 1, 2]],
                    "Kegiatan": [headers["Kegiatan"], [7, "13/10/2022", "Dongeng", "Literasi", "", 2, 3]],
                    "Profil": [["Isian", "Nilai"], ["Nama Perpustakaan", "Cahaya"]]}, key="1abc")
    assert isinstance(parsed, ParsedWorkbook)
    for table, frame in parsed.tables.items():
        assert list(frame.columns) == list(all_columns(table))
        assert frame.dtypes.astype(str).tolist() == [str(pd.api.types.pandas_dtype(t)) for t in all_columns(table).values()]
    visits = parsed.tables["visits"].iloc[0]
    assert (visits.kode_desa, visits.spreadsheet_key, visits.tab, visits.source_row) == ("14.03.02.2008", "1abc", "Kunjungan", 3)
    assert visits.fetched_at == pd.Timestamp("2025-01-15 01:02:03", tz="UTC")
    assert parsed.tables["activities"].iloc[0].tab == "Kegiatan"
    assert parsed.tables["profile"].iloc[0].library_name == "Cahaya"
    assert parsed.tables["profile"].iloc[0].source_row == 2


def test_fetched_at_in_another_zone_is_stored_in_utc(ref, village, headers):
    wib = timezone(timedelta(hours=7))
    parsed = parse_workbook({"Kunjungan": [headers["Kunjungan"], ["Oktober 2022", 1, 2]], "Kegiatan": [headers["Kegiatan"]]},
                            village, spreadsheet_key="k", fetched_at=datetime(2025, 1, 15, 8, 0, tzinfo=wib),
                            today=date(2025, 1, 15), ref=ref)
    assert parsed.tables["visits"].fetched_at.iloc[0] == pd.Timestamp("2025-01-15 01:00", tz="UTC")


def test_other_tabs_are_ignored_and_first_matching_title_wins(parse, headers):
    parsed = parse({"Validasi": [["anything"]], "Kunjungan": [headers["Kunjungan"], ["Oktober 2022", 1, 2]],
                    "KUNJUNGAN ": [headers["Kunjungan"], ["November 2022", 1, 2]], "Rekap": [[1, 2]]})
    assert parsed.tables["visits"].month.tolist() == [pd.Timestamp("2022-10-01")]


def test_missing_profil_is_a_warning(parse):
    parsed = parse({})
    assert [(r.tab, r.reason) for r in parsed.warnings.itertuples()] == [
        ("Profil", "missing_tab"), ("Mitra", "missing_tab"), ("Dampak", "missing_tab")]
    assert parsed.warnings.row_number.isna().all()
    assert parsed.warnings.message.iloc[0] == "Tab 'Profil' tidak ditemukan; dianggap kosong."


def test_invariant_is_asserted(parse, headers, monkeypatch):
    real = workbook.parse_table_tab

    def losing_a_row(*args, **kwargs):
        result = real(*args, **kwargs)
        return TabResult(result.tab, result.columns, result.source_rows, result.rejections, result.warnings,
                         result.rows_read + 1, result.rows_loaded)

    monkeypatch.setattr(workbook, "parse_table_tab", losing_a_row)
    with pytest.raises(AssertionError, match="tab Kunjungan: rows_read=2, rows_loaded=1"):
        parse({"Kunjungan": [headers["Kunjungan"], ["Oktober 2022", 1, 2]]})


MESSY_CELLS = st.one_of(
    st.sampled_from(["", " ", "-", "Jumlah", "TOTAL", "Oktober 2022", "Okt-22", "13/10/2022", "31/02/2022", "1.234",
                     "12 orang", "banyak", "-5", "Pelatihan", "PLM", "xyz", "Siti Aminah", "3171234567890123", "L", "P",
                     "Ya", "Rp 5.000.000", "Bulan", "Tanggal", "0"]),
    st.integers(-3, 50000), st.floats(0, 50000, allow_nan=False), st.booleans(),
)


def trimmed(row: list) -> list:
    """The Sheets API drops trailing empty cells."""
    while row and row[-1] == "":
        row = row[:-1]
    return row


ROWS = st.lists(st.lists(MESSY_CELLS, max_size=10).map(trimmed), max_size=25)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, ROWS, ROWS, ROWS, ROWS)
def test_never_loses_a_row(ref, village, headers, kunjungan, kegiatan, mitra, dampak, profil):
    tabs = {"Kunjungan": [headers["Kunjungan"], *kunjungan], "Kegiatan": [headers["Kegiatan"], *kegiatan],
            "Mitra": [headers["Mitra"], *mitra], "Dampak": [headers["Dampak"], *dampak], "Profil": [["Isian", "Nilai"], *profil]}
    parsed = parse_workbook(tabs, village, spreadsheet_key="k", fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
                            today=date(2025, 1, 1), ref=ref)
    rejected = parsed.rejections.groupby("tab").row_number.nunique()
    for r in parsed.tab_counts.itertuples():
        assert r.rows_read == r.rows_loaded + rejected.get(r.tab, 0)
        table = next(t for t, tab in TABLE_TABS.items() if tab == r.tab)
        assert len(parsed.tables[table]) == (min(r.rows_loaded, 1) if table == "profile" else r.rows_loaded)
    for table, frame in parsed.tables.items():
        assert frame.source_row.notna().all() and frame.source_row.is_unique
        assert not set(frame.source_row) & set(parsed.rejections[parsed.rejections.tab == TABLE_TABS[table]].row_number)
    assert parsed.rejections.message.str.startswith("Baris ").all()
    private = "Siti Aminah|3171234567890123"
    initials_warnings = parsed.warnings[parsed.warnings.column == "Inisial Penerima"]
    assert not initials_warnings.value.str.contains(private, na=False).any()
    assert not initials_warnings.message.str.contains(private, na=False).any()
    assert not parsed.tables["benefits"].initials.str.contains(private, na=False).any()
    assert "Inisial Penerima" not in set(parsed.rejections.column)


def test_profil_without_header_and_with_a_number_column(parse):
    parsed = parse({"Profil": [["PROFIL PERPUSTAKAAN DESA"], [1, "Nama Perpustakaan", "Cahaya Ilmu"],
                               [2, "Jumlah Komputer", "2 unit"], [3, "Akses Internet", "Tidak"]]})
    profile = parsed.tables["profile"].iloc[0]
    assert (profile.library_name, profile.computers, profile.internet_access) == ("Cahaya Ilmu", 2, False)
    assert profile.source_row == 2
    assert parsed.rejections.empty


@pytest.mark.parametrize("label, is_totals", [("Jumlah", True), ("TOTAL", True), ("Jumlah Total", True),
                                              ("Total Pengunjung 2022", True), ("Sub Total", True), ("jumlah:", True),
                                              ("Total Bangun Persada", False), ("Totalitas", False)])
def test_totals_labels(parse, headers, label, is_totals):
    parsed = parse({"Mitra": [headers["Mitra"], ["PKK"], [label, "Swasta"], ["BUMDes"]]})
    names = parsed.tables["partners"].partner_name.tolist()
    assert names == (["PKK", "BUMDes"] if is_totals else ["PKK", label, "BUMDes"])
    assert parsed.tab_counts.set_index("tab").loc["Mitra", "rows_read"] == len(names)
