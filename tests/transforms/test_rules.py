"""Each validation rule of contract section 5 produces its stable reason code and an
Indonesian message that names the sheet row and the column; the row is not loaded."""

from __future__ import annotations

import re
import string
from datetime import date

import pytest

from transforms.rules import ALL_REASONS, REJECT_REASONS, WARNING_REASONS

K, G = "Kunjungan", "Kegiatan"
OK_ACTIVITY = [1, "10/10/2022", "Dongeng", "Literasi", "", 2, 3]


def activity(**changes):
    row = list(OK_ACTIVITY)
    positions = {"date": 1, "title": 2, "category": 3, "male": 5, "female": 6}
    for name, value in changes.items():
        row[positions[name]] = value
    return row


# (reason, tab, data rows below the template header, sheet row, column as in the sheet)
CASES = [
    ("negative_count", K, [["Oktober 2022", 5, "-5"]], 2, "Pengunjung Perempuan"),
    ("not_a_number", K, [["Oktober 2022", "banyak", 5]], 2, "Pengunjung Laki-laki"),
    ("not_a_number", G, [activity(female="lima")], 2, "Peserta Perempuan"),
    ("not_integer", K, [["Oktober 2022", 5, 5, "2,5"]], 2, "Anggota Baru"),
    ("bad_date", G, [activity(date="kemarin")], 2, "Tanggal"),
    ("bad_date", G, [activity(date="31/02/2022")], 2, "Tanggal"),
    ("bad_month", K, [["Oktober", 1, 1]], 2, "Bulan"),
    ("future_date", G, [activity(date="16/01/2025")], 2, "Tanggal"),
    ("future_date", K, [["Februari 2025", 1, 1]], 2, "Bulan"),
    ("before_2015", G, [activity(date="31/12/2014")], 2, "Tanggal"),
    ("before_2015", K, [["Desember 2014", 1, 1]], 2, "Bulan"),
    ("no_participants", G, [activity(male=0, female=0)], 2, "Peserta Laki-laki + Peserta Perempuan"),
    ("duplicate_month", K, [["Oktober 2022", 1, 1], ["Okt-22", 2, 2]], 3, "Bulan"),
    ("missing_required", K, [["", 1, 1]], 2, "Bulan"),
    ("missing_required", G, [activity(date="")], 2, "Tanggal"),
    ("missing_required", G, [activity(title=" ")], 2, "Nama Kegiatan"),
    ("missing_required", G, [activity(category="")], 2, "Jenis Kegiatan"),
    ("missing_required", K, [["Oktober 2022", 1]], 2, "Pengunjung Perempuan"),
    ("bad_value", K, [["Oktober 2022", 1, 1, 0, 0, 0, 45]], 2, "Hari Buka"),
]


@pytest.mark.parametrize("reason, tab, rows, row, column", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule(parse, headers, ref, reason, tab, rows, row, column):
    parsed = parse({tab: [headers[tab], *rows]}, today=date(2025, 1, 15))
    found = parsed.rejections[(parsed.rejections.reason == reason) & (parsed.rejections.row_number == row)]
    assert len(found) == 1, parsed.rejections[["row_number", "column", "reason"]]
    problem = found.iloc[0]
    assert problem.column == column and problem.tab == tab
    assert problem.message.startswith(f"Baris {row}, kolom {column}:")
    assert problem.message == ref.messages[reason].template.format(
        row=row, column=column, value=problem.value, detail=_detail(problem, ref), tab=tab)
    assert ref.messages[reason].severity == "reject"
    table = {K: "visits", G: "activities"}[tab]
    assert row not in set(parsed.tables[table].source_row.dropna())


def _detail(problem, ref) -> str:
    """Recover {detail} from the message by matching it against its template."""
    template = ref.messages[problem.reason].template
    pattern = re.escape(template).replace(r"\{detail\}", "(?P<detail>.*)")
    for name in ("row", "column", "value", "tab"):
        pattern = pattern.replace(re.escape("{" + name + "}"), ".*?")
    found = re.fullmatch(pattern, problem.message)
    return found["detail"] if found and "detail" in found.groupdict() else ""


def test_duplicate_month_rejects_all_rows_of_that_month(parse, headers):
    rows = [["Oktober 2022", 1, 1], ["November 2022", 1, 1], ["10/2022", 2, 2], [44835, 3, 3]]
    parsed = parse({K: [headers[K], *rows]})
    assert parsed.rejections.row_number.tolist() == [2, 4, 5]
    assert set(parsed.rejections.reason) == {"duplicate_month"}
    assert parsed.tables["visits"].source_row.tolist() == [3]
    assert "baris 2, 4, 5" in parsed.rejections.message.iloc[0]


def test_all_problems_of_a_sheet_are_reported_at_once(parse, headers):
    parsed = parse({
        K: [headers[K], ["Oktober 2022", -1, "x"], ["Oktober", 1, 1]],
        G: [headers[G], activity(date="kemarin", male=-2), activity(male=0, female=0)],
        "Mitra": [["Nama Mitra", "MoU"], ["", "Ya"], ["PKK", "entah"]],
    })
    got = [(r.tab, r.row_number, r.reason) for r in parsed.rejections.itertuples()]
    assert got == [(K, 2, "negative_count"), (K, 2, "not_a_number"), (K, 3, "bad_month"),
                   (G, 2, "bad_date"), (G, 2, "negative_count"), (G, 3, "no_participants"),
                   ("Mitra", 2, "missing_required"), ("Mitra", 3, "bad_value")]
    assert parsed.tab_counts.set_index("tab").loc[K].tolist() == [2, 0, 2]


def test_a_dash_in_a_required_count_is_zero_but_blank_is_missing(parse, headers):
    parsed = parse({K: [headers[K], ["Oktober 2022", "-", 4], ["November 2022", "", 4]]})
    assert parsed.tables["visits"].visitors_male.tolist() == [0]
    assert [(r.row_number, r.reason) for r in parsed.rejections.itertuples()] == [(3, "missing_required")]


def test_rejected_value_is_shown_as_the_librarian_sees_it(parse, headers):
    serial = (date(2030, 1, 2) - date(1899, 12, 30)).days
    parsed = parse({G: [headers[G], activity(date=serial)]})
    assert parsed.rejections.value.tolist() == ["02/01/2030"]
    assert "'02/01/2030' jatuh sesudah tanggal sinkronisasi (15/01/2025)" in parsed.rejections.message.iloc[0]


def test_reasons_and_messages_agree(ref):
    assert set(ref.messages) == ALL_REASONS
    for reason, spec in ref.messages.items():
        assert spec.severity == ("reject" if reason in REJECT_REASONS else "warning"), reason
        fields = {name for _, name, _, _ in string.Formatter().parse(spec.template) if name}
        assert fields <= {"row", "column", "value", "detail", "tab"}, reason
        if reason != "missing_tab":
            assert spec.template.startswith("Baris {row}, kolom {column}:"), reason
    assert not REJECT_REASONS & WARNING_REASONS
