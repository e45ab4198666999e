"""Reading counts and Rupiah: examples, refusals, and property tests that render generated
numbers with Indonesian thousands separators, units and `Rp` and read them back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.numbers import read_number


def dotted(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@pytest.mark.parametrize("cell, kind, value", [
    ("1.234", "count", 1234), ("1,234", "count", 1234), ("1.234.567", "count", 1234567), ("12 orang", "count", 12),
    ("12orang", "count", 12), ("  7 ", "count", 7), ("-", "count", 0), ("\u2014", "count", 0), ("0", "count", 0),
    (12, "count", 12), (12.0, "count", 12), ("Rp 5.000.000", "money", 5000000), ("Rp5.000.000,-", "money", 5000000),
    ("Rp. 250.000,00", "money", 250000), ("5 jt", "money", 5000000), ("1,5 jt", "money", 1500000),
    ("1,5 juta", "money", 1500000), ("2 rb", "money", 2000), ("2 ribu", "money", 2000), ("IDR 10.000", "money", 10000),
    ("Rp -", "money", 0), ("7,5", "decimal", 7.5), ("7.5", "decimal", 7.5), ("8 jam", "decimal", 8.0), (6, "decimal", 6.0),
    ("-5", "count", -5), ("2019", "integer", 2019),
])
def test_reads(cell, kind, value):
    reading = read_number(cell, kind)
    assert (reading.value, reading.reason, reading.warning) == (value, None, None)
    assert type(reading.value) is (float if kind == "decimal" else int)


@pytest.mark.parametrize("cell, kind, reason", [
    ("banyak", "count", "not_a_number"), ("12 L / 10 P", "count", "not_a_number"), ("1.2.3", "count", "not_a_number"),
    ("12,5", "count", "not_integer"), ("1.5", "count", "not_integer"), (12.5, "count", "not_integer"),
    (1.5, "money", "not_integer"), ("kira-kira 10", "count", "not_a_number"), (float("inf"), "count", "not_a_number"),
    ("99999999999999999999", "count", "out_of_range"), (10**19, "count", "out_of_range"),
    (True, "count", "not_a_number"), (False, "count", "not_a_number"), (True, "decimal", "not_a_number"),
    (float("nan"), "money", "not_a_number"),
])
def test_refuses(cell, kind, reason):
    assert read_number(cell, kind).reason == reason
    assert read_number(cell, kind).value is None


def test_blank_is_not_a_decision_of_the_parser():
    assert read_number("", "count") == (None, None, None)
    assert read_number(None, "count") == (None, None, None)


def test_english_locale_float_with_three_decimals_is_thousands():
    assert read_number(1.234, "count") == (1234, None, "thousands_separator_assumed")
    assert read_number(12.345, "money") == (12345, None, "thousands_separator_assumed")
    assert read_number(1.23, "count").reason == "not_integer"          # two decimals: not a separator
    assert read_number(1.234, "decimal") == (1.234, None, None)         # decimals stay decimals


@settings(max_examples=250, deadline=None)
@given(st.integers(0, 10**10), st.integers(0, 7))
def test_count_round_trip(n, style):
    forms = [str(n), dotted(n), f"{n:,}", f"{dotted(n)} orang", f"{n} org", f" {dotted(n)} ", f"{dotted(n)} buku", n]
    assert read_number(forms[style], "count").value == n, forms[style]


@settings(max_examples=250, deadline=None)
@given(st.integers(0, 10**10), st.integers(0, 5))
def test_rupiah_round_trip(n, style):
    forms = [f"Rp {dotted(n)}", f"Rp{dotted(n)},-", f"Rp. {dotted(n)},00", f"{dotted(n)},-", f"rp {n}", f"IDR {dotted(n)}"]
    assert read_number(forms[style], "money").value == n, forms[style]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9999), st.sampled_from([("jt", 10**6), ("juta", 10**6), ("rb", 1000), ("ribu", 1000)]),
       st.booleans())
def test_multiplier_round_trip(tenths, unit, spaced):
    """`1,5 jt` = 1.500.000: one decimal digit with a comma, times the unit."""
    name, factor = unit
    whole, decimal = divmod(tenths, 10)
    text = f"{whole},{decimal}" if decimal else str(whole)
    text = f"{text} {name}" if spaced else f"{text}{name}"
    assert read_number(text, "money").value == tenths * factor // 10, text


@settings(max_examples=200, deadline=None)
@given(st.integers(1001, 999_999).filter(lambda n: n % 10))
def test_en_locale_float_round_trip(n):
    assert read_number(n / 1000, "count") == (n, None, "thousands_separator_assumed")
