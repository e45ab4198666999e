"""Reading days and months: examples of every accepted spelling, what is refused, and
property tests that render generated dates in every supported form and read them back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.dates import parse_date, parse_month, serial_to_date

# Spellings the contract requires (section 4), written here independently of the parser's table.
MONTH_SPELLINGS = {
    1: ["Januari", "Jan", "January"],
    2: ["Februari", "Pebruari", "Feb", "Peb", "February"],
    3: ["Maret", "Mar", "March"],
    4: ["April", "Apr"],
    5: ["Mei", "May"],
    6: ["Juni", "Jun", "June"],
    7: ["Juli", "Jul", "July"],
    8: ["Agustus", "Agu", "Agt", "Ags", "Aug", "August"],
    9: ["September", "Sep", "Sept"],
    10: ["Oktober", "Okt", "Oct", "October"],
    11: ["November", "Nopember", "Nov", "Nop"],
    12: ["Desember", "Des", "Dec", "December"],
}
EPOCH = date(1899, 12, 30)


@pytest.mark.parametrize("text, expected", [
    ("13/10/2022", date(2022, 10, 13)), ("13-10-2022", date(2022, 10, 13)), ("13-10-22", date(2022, 10, 13)),
    ("13.10.2022", date(2022, 10, 13)), ("13 Oktober 2022", date(2022, 10, 13)), ("13 Okt 2022", date(2022, 10, 13)),
    ("2022-10-13", date(2022, 10, 13)), ("1/2/2022", date(2022, 2, 1)), ("02/01/2022", date(2022, 1, 2)),
    ("29 Pebruari 2024", date(2024, 2, 29)), ("Kamis, 13 Oktober 2022", date(2022, 10, 13)),
    ("October 13, 2022", date(2022, 10, 13)), ("13/10/2022 08.30", date(2022, 10, 13)), ("  13  okt  2022 ", date(2022, 10, 13)),
    (44847, date(2022, 10, 13)), (44847.99, date(2022, 10, 13)), (44847.0, date(2022, 10, 13)),
    ("13-14 Oktober 2022", date(2022, 10, 13)), ("13 s/d 15 Okt 2022", date(2022, 10, 13)),
])
def test_days(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["44847", "31/02/2022", "13/13/2022", "kemarin", "Oktober 2022", "13 Okto 2022",
                                  "", "-", True, None, -5, 0, "2022-13-01", "13/10"])
def test_days_refused(text):
    assert parse_date(text) is None


@pytest.mark.parametrize("text, expected", [
    ("Oktober 2022", date(2022, 10, 1)), ("Okt 2022", date(2022, 10, 1)), ("Okt-22", date(2022, 10, 1)),
    ("okt 22", date(2022, 10, 1)), ("10/2022", date(2022, 10, 1)), ("10-2022", date(2022, 10, 1)),
    ("2022-10", date(2022, 10, 1)), ("13/10/2022", date(2022, 10, 1)), ("13 Oktober 2022", date(2022, 10, 1)),
    ("Nopember 2022", date(2022, 11, 1)), ("Peb 2023", date(2023, 2, 1)), ("Sept. 2022", date(2022, 9, 1)),
    ("10/22", date(2022, 10, 1)), ("2022 Oktober", date(2022, 10, 1)),
    (44847, date(2022, 10, 1)), (44866.5, date(2022, 11, 1)),
])
def test_months(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["Oktober", "13/2022", "Okt 2022x", "44866", "", "bulan lalu", False, "2022"])
def test_months_refused(text):
    assert parse_month(text) is None


def test_serial_epoch():
    assert serial_to_date(1) == date(1899, 12, 31)
    assert serial_to_date(44927) == date(2023, 1, 1)
    assert serial_to_date(0) is None


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


def render_day(day: date, style: int, name: str, upper: bool) -> object:
    year2 = f"{day.year % 100:02d}"
    forms = [
        f"{day.day:02d}/{day.month:02d}/{day.year}", f"{day.day}/{day.month}/{day.year}",
        f"{day.day:02d}-{day.month:02d}-{day.year}", f"{day.day:02d}-{day.month:02d}-{year2}",
        f"{day.day:02d}.{day.month:02d}.{day.year}", f"{day.day} {name} {day.year}", f"{day.day} {name} {year2}",
        f"{day.day}-{name}-{year2}", day.isoformat(), f"{name} {day.day}, {day.year}",
        (day - EPOCH).days, (day - EPOCH).days + 0.25, f"Senin, {day.day} {name} {day.year}",
    ]
    form = forms[style % len(forms)]
    return form.upper() if upper and isinstance(form, str) else form


@settings(max_examples=200, deadline=None)
@given(days, st.integers(0, 12), st.integers(0, 5), st.booleans())
def test_day_round_trip(day, style, spelling, upper):
    names = MONTH_SPELLINGS[day.month]
    text = render_day(day, style, names[spelling % len(names)], upper)
    assert parse_date(text) == day, text


@settings(max_examples=200, deadline=None)
@given(days, st.integers(0, 9), st.integers(0, 5), st.booleans())
def test_month_round_trip(day, style, spelling, upper):
    names = MONTH_SPELLINGS[day.month]
    name = names[spelling % len(names)]
    forms = [f"{name} {day.year}", f"{name}-{day.year % 100:02d}", f"{name} {day.year % 100:02d}",
             f"{day.month}/{day.year}", f"{day.month:02d}-{day.year}", f"{day.year}-{day.month:02d}",
             f"{day.day}/{day.month}/{day.year}", f"{day.day} {name} {day.year}", (day - EPOCH).days,
             (day - EPOCH).days + 0.5]
    form = forms[style]
    text = form.upper() if upper and isinstance(form, str) else form
    assert parse_month(text) == day.replace(day=1), text


@given(days)
def test_day_first_always(day):
    """A date whose day is 12 or less is still read day first."""
    text = f"{day.day}/{day.month}/{day.year}"
    assert parse_date(text) == day
    assert parse_date(f"{day.day:02d}/{day.month:02d}/{day.year}") == day


def test_every_day_of_a_leap_year_in_text():
    day = date(2024, 1, 1)
    while day.year == 2024:
        assert parse_date(f"{day.day} {MONTH_SPELLINGS[day.month][0]} {day.year}") == day
        day += timedelta(days=1)
