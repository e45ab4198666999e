"""Place names, categories, gender, yes/no, initials and free text."""

from __future__ import annotations

import pytest

from transforms.text import (clean_text, lookup_category, normalise_place_name, parse_gender, parse_yes_no,
                             read_initials, same_place)


@pytest.mark.parametrize("spelling", ["Desa Wonosari", "Ds. Wonosari", "Ds Wonosari", "Ds.Wonosari", "WONOSARI",
                                      "  wonosari  ", "Kel. Wonosari", "Kelurahan Wonosari"])
def test_village_spellings(spelling):
    assert normalise_place_name(spelling) == "wonosari"


@pytest.mark.parametrize("a, b", [("Kec. Bantan", "Bantan"), ("Kecamatan  BANTAN", "bantan"), ("Kab. Bengkalis", "Bengkalis"),
                                  ("Kabupaten Bengkalis", "BENGKALIS"), ("Sei Alam", "Sungai Alam"),
                                  ("Desa Sei Pakning", "Sungai Pakning")])
def test_same_place(a, b):
    assert same_place(a, b)


def test_spelling_variants_from_reference(ref):
    assert same_place("Desa Balai Punggut", "Balai Pungut", ref.name_variants)
    assert not same_place("Desa Balai Punggut", "Balai Pungut")          # only the variant list makes them equal
    assert not same_place("Wonosari", "Wonorejo", ref.name_variants)
    assert not same_place("Kota Dumai", "Dumai", ref.name_variants)       # Kota is part of the name


@pytest.mark.parametrize("kind, typed, canonical", [
    ("kegiatan", "Pelatihan", "Pelatihan Keterampilan"), ("kegiatan", "PLM", "Peer Learning Meeting"),
    ("kegiatan", "internet", "TIK"), ("kegiatan", "Pelatihan TIK", "TIK"), ("kegiatan", "BIMBEL", "Bimbingan Belajar"),
    ("kegiatan", "Sosialisai", "Sosialisasi"), ("kegiatan", " rapat  pemangku-kepentingan ", "Rapat Pemangku Kepentingan"),
    ("kegiatan", "Lomba Mewarnai", None), ("kegiatan", "", None),
    ("strategi", "PLI", "Peningkatan Layanan Informasi"), ("strategi", "Layanan Informasi", "Peningkatan Layanan Informasi"),
    ("strategi", "pelibatan", "Pelibatan Masyarakat"), ("strategi", "ADVOKASI", "Advokasi"),
    ("mitra", "Bumdes", "BUMDes"), ("mitra", "BUM Des", "BUMDes"), ("mitra", "dinas/opd", "Dinas/OPD"),
    ("mitra", "CSR", "Swasta/CSR"), ("dampak", "pendapatan naik", "Pendapatan Naik"), ("dampak", "Usaha", "Usaha Baru"),
])
def test_categories(ref, kind, typed, canonical):
    assert lookup_category(typed, ref.categories[kind]) == canonical


def test_every_category_has_a_known_default_strategy(ref):
    assert set(ref.default_strategy) == set(ref.category_values["kegiatan"])
    assert set(ref.default_strategy.values()) <= set(ref.category_values["strategi"])
    assert ref.default_strategy["Peer Learning Meeting"] == "Peningkatan Layanan Informasi"
    assert ref.default_strategy["Rapat Pemangku Kepentingan"] == "Advokasi"
    assert ref.default_strategy["Lainnya"] == "Pelibatan Masyarakat"


@pytest.mark.parametrize("typed, gender", [("L", "L"), ("P", "P"), ("Lk", "L"), ("Laki-laki", "L"), ("laki laki", "L"),
                                           ("Pria", "L"), ("Pr", "P"), ("Perempuan", "P"), ("Wanita", "P"), ("W", "P"),
                                           ("l.", "L"), ("X", None), ("", None), ("LP", None)])
def test_gender(typed, gender):
    assert parse_gender(typed) == gender


@pytest.mark.parametrize("typed, answer", [("Ya", True), ("Y", True), ("Ada", True), ("ya ", True), (True, True),
                                           ("TRUE", True), ("Tidak", False), ("T", False), ("Tdk", False),
                                           ("Tidak Ada", False), (False, False), ("tidak  ada", False),
                                           ("mungkin", None), ("", None)])
def test_yes_no(typed, answer):
    assert parse_yes_no(typed) is answer


@pytest.mark.parametrize("typed, initials, warning, shown", [
    ("S.A.", "S.A.", None, None), ("SA", "S.A.", None, None), ("s a", "S.A.", None, None), ("S. A", "S.A.", None, None),
    ("SAM", "S.A.M.", None, None),
    ("Siti Aminah", "S.A.", "full_name_masked", "S*** A***"), ("siti aminah binti ali", "S.A.B.A.", "full_name_masked", None),
    ("Budi", "B.", "full_name_masked", "B***"), ("Muh. Rizal", "M.R.", "full_name_masked", None),
    ("3171234567890123", None, "nik_removed", "[16 digit]"), (3171234567890123, None, "nik_removed", "[16 digit]"),
    ("NIK 3171 2345 6789 0123", None, "nik_removed", "[16 digit]"), ("12345678", None, "nik_removed", "[8 digit]"),
    ("", None, None, None),
])
def test_initials(typed, initials, warning, shown):
    got_initials, got_warning, got_shown = read_initials(typed)
    assert (got_initials, got_warning) == (initials, warning)
    if shown is not None:
        assert got_shown == shown
    if warning:                                   # what may be stored never holds the name or the number
        assert not any(part in got_shown for part in str(typed).split() if len(part) >= 3)


@pytest.mark.parametrize("typed, text", [("  Pelatihan   menjahit ", "Pelatihan menjahit"), ("-", None), ("", None),
                                         (None, None), (12, "12"), (12.0, "12"), (1.5, "1.5"), ("a\u00a0 b", "a b")])
def test_clean_text(typed, text):
    assert clean_text(typed) == text
