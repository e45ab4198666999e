"""Reading counts and Rupiah amounts as Indonesian librarians type them.

In Indonesia the dot groups thousands (`1.234` is one thousand two hundred thirty-four) and
the comma marks decimals (`7,5`); librarians also write `1,234`, `12 orang`, `Rp 5.000.000,-`,
`1,5 jt` and `2 rb`. A typed number arrives from the Sheets API as int/float. One trap: on a
sheet whose locale is English, typing `1.234` stores the float 1.234; for a whole-number
field a float with exactly three decimals is therefore read as thousands (1234) and flagged.

`read_number` returns a `NumberReading`; it never raises.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from transforms.text import DASHES

INTEGRAL_KINDS = frozenset({"count", "integer", "money"})
NUMBER_KINDS = INTEGRAL_KINDS | {"decimal"}
INT64_MAX = 2**63 - 1

MULTIPLIERS = {
    "rb": 1_000, "ribu": 1_000, "rbu": 1_000, "k": 1_000,
    "jt": 1_000_000, "juta": 1_000_000, "jta": 1_000_000,
    "m": 1_000_000_000, "miliar": 1_000_000_000, "milyar": 1_000_000_000, "mlyr": 1_000_000_000,
}

_CURRENCY = re.compile(r"^(rp|idr)\.?\s*")
_TRAILING_NIL = re.compile(r"\s*[,.]\s*-+$|\s*[,.]-*$")
_SHAPE = re.compile(r"^(?P<number>\d[\d.,\s]*?)\s*(?P<unit>[a-z][a-z./]*)?$")
_PLAIN = re.compile(r"^\d+$")
_DOT_GROUPS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_COMMA_GROUPS = re.compile(r"^\d{1,3}(,\d{3})+$")
_SPACE_GROUPS = re.compile(r"^\d{1,3}( \d{3})+$")
_ID_DECIMAL = re.compile(r"^\d{1,3}(\.\d{3})*,\d+$|^\d+,\d+$")
_EN_DECIMAL = re.compile(r"^\d{1,3}(,\d{3})*\.\d+$|^\d+\.\d+$")


class NumberReading(NamedTuple):
    """value: int for whole-number kinds, float for `decimal`; None when blank or unreadable.

    reason: a rejection code (`not_a_number`, `not_integer`, `out_of_range` beyond 64 bits) or None.
    A boolean (TRUE/FALSE) is `not_a_number`, never 1 or 0.
    warning: a warning code (`thousands_separator_assumed`) or None.
    """

    value: int | float | None
    reason: str | None = None
    warning: str | None = None


def _digits_value(number: str) -> float | int | None:
    number = number.strip()
    if _PLAIN.match(number):
        return int(number)
    if _DOT_GROUPS.match(number):
        return int(number.replace(".", ""))
    if _COMMA_GROUPS.match(number):
        return int(number.replace(",", ""))
    if _SPACE_GROUPS.match(number):
        return int(number.replace(" ", ""))
    if _ID_DECIMAL.match(number):
        return float(number.replace(".", "").replace(",", "."))
    if _EN_DECIMAL.match(number):
        return float(number.replace(",", ""))
    return None


def text_to_number(text: str) -> float | int | None:
    """The number an Indonesian-written text means, or None; `-` alone is 0."""
    text = _CURRENCY.sub("", " ".join(text.replace("\xa0", " ").casefold().split()))
    if text in DASHES:
        return 0
    sign = 1
    if text[:1] in ("-", "\u2212", "\u2013"):
        sign, text = -1, _CURRENCY.sub("", text[1:].lstrip())
    text = _TRAILING_NIL.sub("", text)
    shape = _SHAPE.match(text)
    if not shape:
        return None
    number = _digits_value(shape["number"])
    if number is None:
        return None
    unit = (shape["unit"] or "").rstrip(".")
    if unit in MULTIPLIERS:
        number = number * MULTIPLIERS[unit]
        if isinstance(number, float) and abs(number - round(number)) < 1e-6:
            number = int(round(number))
    return sign * number


def _whole(value: float | int, kind: str) -> NumberReading:
    if kind == "decimal":
        return NumberReading(float(value)) if math.isfinite(value) else NumberReading(None, "not_a_number")
    if isinstance(value, float):
        if not math.isfinite(value):
            return NumberReading(None, "not_a_number")
        if not value.is_integer():
            return NumberReading(None, "not_integer")
        value = int(value)
    if abs(value) > INT64_MAX:                 # a 20-digit number: no column's bound is that high
        return NumberReading(None, "out_of_range")
    return NumberReading(value)


def read_number(cell, kind: str = "count") -> NumberReading:
    """Read one cell as a number of the given kind (count, integer, money or decimal).

    Blank cells read as NumberReading(None): whether blank means 0 or missing is the
    validation rules' decision, not the parser's.
    """
    if cell is None:
        return NumberReading(None)
    if isinstance(cell, bool):            # a checkbox or TRUE/FALSE typed in a count: not a number
        return NumberReading(None, "not_a_number")
    if isinstance(cell, (int, float)):
        if isinstance(cell, float) and kind != "decimal" and math.isfinite(cell) and not cell.is_integer():
            thousands = round(cell * 1000)
            if abs(cell * 1000 - thousands) < 1e-6 and thousands % 10:
                return NumberReading(thousands, None, "thousands_separator_assumed")
        return _whole(cell, kind)
    text = str(cell).strip()
    if not text:
        return NumberReading(None)
    value = text_to_number(text)
    if value is None:
        return NumberReading(None, "not_a_number")
    return _whole(value, kind)
