"""Free text on its way to the warehouse: NIK-like and phone numbers masked, control characters
removed, text over Excel's 32,767 characters cut visibly, each with a warning row that never
holds the original number."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.text import CUT_MARK, EXCEL_MAX_CHARS, NIK_MASK, PHONE_MASK, guard_free_text

NIK = "1403025807900001"


def test_numbers_librarians_type_are_masked():
    cases = {
        f"Ibu Sari (NIK {NIK}) ikut pelatihan": f"Ibu Sari (NIK {NIK_MASK}) ikut pelatihan",
        "NIK 1403 0258 0790 0001": f"NIK {NIK_MASK}",
        "hubungi 0812-3456-7890 atau +62 812 3456 7891": f"hubungi {PHONE_MASK} atau {PHONE_MASK}",
        "WA 6281234567890": f"WA {PHONE_MASK}",
    }
    for typed, stored in cases.items():
        text, warning, shown, detail = guard_free_text(typed)
        assert (text, warning) == (stored, "personal_number_masked"), typed
        assert shown == stored and not re.search(r"\d{6}", shown)
    # numbers that are not personal stay as typed
    for typed in ("Rp 1.500.000", "14.03.02.2008", "tahun 2022, 120 peserta", "08.00-12.00 WIB"):
        assert guard_free_text(typed)[:2] == (typed, None), typed
    assert guard_free_text(NIK, mask=False)[:2] == (NIK, None)                # Profil's NPP: a number by design


def test_control_characters_go_and_long_text_is_cut_visibly():
    assert guard_free_text("Dongeng\x00 anak\x1b[31m\x07") == ("Dongeng anak[31m", None, None, None)
    text, warning, shown, detail = guard_free_text("kisah " * 8000)
    assert len(text) == EXCEL_MAX_CHARS and text.endswith(CUT_MARK) and warning == "text_truncated"
    assert detail == "47.999" and len(shown) <= 101


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 +-.ab\x00\x1f\n")), max_size=80)
       | st.text(max_size=60))
def test_nothing_stored_holds_sixteen_digits_or_a_control_character(typed):
    text, warning, shown, _ = guard_free_text(typed)
    for out in filter(None, (text, shown)):
        assert not re.search(r"\d(?:[ .\-]?\d){15}", out)
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", out)
        assert len(out) <= EXCEL_MAX_CHARS


def test_a_masked_cell_loads_masked_with_a_warning_row(parse, headers):
    rows = [headers["Kegiatan"], [1, "13/10/2022", "Pelatihan", "Literasi", "", 2, 3, "",
                                  f"peserta: Ani NIK {NIK}, HP 081234567890"],
            [2, "14/10/2022", "Dongeng", "Literasi", "", 2, 3, "", "x" * 40_000]]
    parsed = parse({"Kegiatan": rows})
    notes = parsed.tables["activities"]["notes"].tolist()
    assert notes[0] == f"peserta: Ani NIK {NIK_MASK}, HP {PHONE_MASK}"
    assert notes[1].endswith(CUT_MARK) and len(notes[1]) == EXCEL_MAX_CHARS
    warnings = parsed.warnings.set_index("reason")
    assert warnings.loc["personal_number_masked", "row_number"] == 2
    assert NIK not in warnings.loc["personal_number_masked", "value"]
    assert "081234567890" not in warnings.loc["personal_number_masked", "message"]
    assert warnings.loc["text_truncated", "row_number"] == 3
    assert "40.000 karakter" in warnings.loc["text_truncated", "message"]


# -- masking a whole workbook: the quick look at each tab's JSON never lets a number through ----------

NUMBERISH = st.one_of(
    st.text(st.sampled_from("0123456789 .-+"), min_size=8, max_size=24),
    st.text(st.sampled_from("08 62+.-\u0660\u0661\u0668\uff10\uff18\uff19"), min_size=8, max_size=20),
    st.sampled_from(["3171234567890123", "0812-3456-7890", "+62 812 3456 7890", "Telp:\n081234567890",
                     "\u0660\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660", "Rp 1.500.000.000",
                     "NIK \uff13\uff11\uff17\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12\uff13"]),
)
WORKBOOK_CELLS = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), NUMBERISH,
                           st.text(st.characters(codec=None), max_size=30),
                           st.builds(lambda a, b: a + b, st.text(max_size=6), NUMBERISH))


def _mask_cell_by_cell(value_ranges):
    """The reference: every text cell outside Profil with ten digits, masked."""
    from transforms.text import _TEN_DIGITS, mask_personal_numbers
    return {tab: rows if tab == "Profil" else
            [[mask_personal_numbers(c)[0] if type(c) is str and _TEN_DIGITS.match(c) else c for c in row]
             for row in rows] for tab, rows in value_ranges.items()}


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["Profil", "Kunjungan", "Kegiatan", "Dampak"]),
                       st.lists(st.lists(WORKBOOK_CELLS, max_size=5), max_size=5), min_size=1))
def test_mask_workbook_masks_exactly_what_a_look_at_every_cell_masks(value_ranges):
    from transforms.text import mask_and_write
    assert mask_and_write(value_ranges)[0] == _mask_cell_by_cell(value_ranges)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(st.sampled_from(["Profil", "Kunjungan", "Kegiatan", "Dampak", 'Ké"giatan\n']),
                                 st.integers(0, 3)),
                       st.one_of(st.lists(st.lists(st.one_of(WORKBOOK_CELLS, st.integers(2 ** 64, 2 ** 70),
                                                             st.just("\ud800"), st.booleans()), max_size=5),
                                          max_size=5),
                                 st.none(), st.text(max_size=3)), min_size=0))
def test_the_payload_written_while_masking_is_what_orjson_writes_of_the_masked_cells(value_ranges):
    """The sync lands and hashes the JSON mask_and_write puts together tab by tab: it must be
    byte for byte what writing the masked workbook at once gives (last night's hashes stay
    valid), or None where orjson cannot write it (then the workbook writes it its own way)."""
    import orjson

    from transforms.text import mask_and_write
    masked, payload = mask_and_write(value_ranges)
    assert masked == _mask_cell_by_cell_any(value_ranges)
    try:
        expected = orjson.dumps(masked)
    except (TypeError, orjson.JSONEncodeError):
        expected = None
    assert payload == expected


def _mask_cell_by_cell_any(value_ranges):
    """_mask_cell_by_cell for tabs that may not be lists of rows (left as they are)."""
    from transforms.text import _TEN_DIGITS, mask_personal_numbers
    return {tab: rows if tab == "Profil" or not isinstance(rows, list) else
            [[mask_personal_numbers(c)[0] if type(c) is str and _TEN_DIGITS.match(c) else c for c in row]
             if isinstance(row, list) else row for row in rows] for tab, rows in value_ranges.items()}
