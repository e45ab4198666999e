"""Cells of the workbook JSON files, and how Google would render them (render options).

The local Sheets server and the sample generator share one description of a cell (see
docs/architecture.md, "The workbook JSON file"), so that what the sample generator writes is
exactly what the server answers, in each of the Sheets API's render options. Getting the
rendering right matters: the sync reads UNFORMATTED values, but librarians' sheets (and the
transforms' tests) also meet FORMATTED strings such as "1.234" and "Okt 2022".
The files themselves: workbook_files.py; a value written through the API: cell_input.py.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

UNFORMATTED = "UNFORMATTED_VALUE"
FORMATTED = "FORMATTED_VALUE"
FORMULA = "FORMULA"
RENDER_OPTIONS = (UNFORMATTED, FORMATTED, FORMULA)
SERIAL_NUMBER = "SERIAL_NUMBER"
FORMATTED_STRING = "FORMATTED_STRING"

EPOCH = date(1899, 12, 30)  # day 0 of Google/Lotus date serials

MONTHS = {
    "in": ("Januari Februari Maret April Mei Juni Juli Agustus September Oktober November "
           "Desember").split(),
    "en": ("January February March April May June July August September October November "
           "December").split(),
}
MONTHS_SHORT = {
    "in": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split(),
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
}
WEEKDAYS = {  # Monday first, as date.weekday()
    "in": "Senin Selasa Rabu Kamis Jumat Sabtu Minggu".split(),
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
}
DEFAULT_DATE_FORMAT = {"in": "dd/mm/yyyy", "en": "m/d/yyyy"}

_DATE_TOKENS = re.compile(r'"[^"]*"|\\.|yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|.', re.IGNORECASE)
_NUMBER_PART = re.compile(r"[#0?][#0?,]*(?:\.[#0?]*)?|\.[#0?]+")


def language(locale: str) -> str:
    """'in' for Indonesian locales (in_ID, id_ID), else 'en': the two the project meets."""
    return "in" if locale.split("_")[0].lower() in ("in", "id") else "en"


def separators(locale: str) -> tuple[str, str]:
    """(thousands, decimal) signs of a locale, as Sheets uses them in formatted values."""
    return (".", ",") if language(locale) == "in" else (",", ".")


def date_to_serial(day: date) -> int:
    """Days since 1899-12-30: how Sheets stores a date (UNFORMATTED_VALUE, SERIAL_NUMBER)."""
    if isinstance(day, datetime):
        day = day.date()
    return (day - EPOCH).days


def serial_to_date(serial: float) -> date:
    """The day of a date serial; a time-of-day fraction is dropped."""
    return EPOCH + timedelta(days=math.floor(serial))


def format_date(day: date, fmt: str | None, locale: str) -> str:
    """Render a date by a Sheets date pattern (dd, d, mm, m, mmm, mmmm, yy, yyyy, ddd, dddd)."""
    lang = language(locale)
    out = []
    for token in _DATE_TOKENS.findall(fmt or DEFAULT_DATE_FORMAT[lang]):
        low = token.lower()
        if low == "yyyy":
            out.append(f"{day.year:04d}")
        elif low == "yy":
            out.append(f"{day.year % 100:02d}")
        elif low == "mmmm":
            out.append(MONTHS[lang][day.month - 1])
        elif low == "mmm":
            out.append(MONTHS_SHORT[lang][day.month - 1])
        elif low == "mm":
            out.append(f"{day.month:02d}")
        elif low == "m":
            out.append(str(day.month))
        elif low == "dddd":
            out.append(WEEKDAYS[lang][day.weekday()])
        elif low == "ddd":
            out.append(WEEKDAYS[lang][day.weekday()][:3])
        elif low == "dd":
            out.append(f"{day.day:02d}")
        elif low == "d":
            out.append(str(day.day))
        elif token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        else:
            out.append(token)
    return "".join(out)


def _localise(text: str, locale: str) -> str:
    """Swap Python's ',' / '.' for the locale's thousands / decimal signs."""
    thousands, decimal = separators(locale)
    return text.translate(str.maketrans({",": thousands, ".": decimal}))


def format_general(number: float, locale: str) -> str:
    """Sheets' General format: integers as plain digits, others with the decimal sign."""
    if isinstance(number, int) or (number.is_integer() and abs(number) < 1e15):
        return str(int(number))
    text = format(number, ".15g").replace("e", "E")
    return text.replace(".", separators(locale)[1])


def format_number(number: float, fmt: str | None, locale: str) -> str:
    """Render a number by a Sheets number pattern ('#,##0', '0.00', '"Rp"#,##0', '0%')."""
    if not fmt or fmt.strip().lower() == "general":
        return format_general(number, locale)
    section = fmt.split(";")[0]
    match = _NUMBER_PART.search(section)
    if match is None:
        return format_general(number, locale)
    pattern = match.group(0)
    prefix = section[: match.start()].replace('"', "")
    suffix = section[match.end():].replace('"', "")
    if "%" in suffix:
        number = number * 100
    decimals = len(pattern.split(".", 1)[1]) if "." in pattern else 0
    grouping = "," if "," in pattern.split(".", 1)[0] else ""
    body = _localise(format(abs(number), f"{grouping}.{decimals}f"), locale)
    sign = "-" if number < 0 and any(ch in "123456789" for ch in body) else ""
    return f"{sign}{prefix}{body}{suffix}"


def plain_number(number: int | float) -> int | float:
    """Integral numbers as ints: Google answers 1234, not 1234.0, in UNFORMATTED_VALUE."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


@lru_cache(maxsize=4096)
def _date_serial(iso: str) -> int:
    return date_to_serial(date.fromisoformat(iso[:10]))


@lru_cache(maxsize=4096)
def _date_text(iso: str, fmt: str | None, locale: str) -> str:
    return format_date(date.fromisoformat(iso[:10]), fmt, locale)


def cell_value(cell: Any, render: str = FORMATTED, locale: str = "in_ID",
               date_time_render: str = SERIAL_NUMBER) -> Any:
    """The JSON value Sheets returns for one stored cell under a render option."""
    kind = type(cell)
    if kind is str:
        return cell
    if cell is None:
        return ""
    if kind is bool:
        return ("TRUE" if cell else "FALSE") if render == FORMATTED else cell
    if kind is int or kind is float:
        return format_general(cell, locale) if render == FORMATTED else plain_number(cell)
    if kind is not dict:
        raise ValueError(f"not a workbook cell: {cell!r}")
    if "formula" in cell:
        if render == FORMULA:
            return cell["formula"]
        value = cell.get("value")
        if "fmt" in cell and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = {"n": value, "fmt": cell["fmt"]}
        return cell_value(value, render, locale, date_time_render)
    if "n" in cell:
        number = cell["n"]
        if render == FORMATTED:
            return format_number(number, cell.get("fmt"), locale)
        return plain_number(number)
    if "date" in cell:
        if render == FORMATTED or date_time_render == FORMATTED_STRING:
            return _date_text(str(cell["date"]), cell.get("fmt"), locale)
        return _date_serial(str(cell["date"]))
    raise ValueError(f"not a workbook cell: {cell!r}")


def render_row(row: list, render: str, locale: str,
               date_time_render: str = SERIAL_NUMBER) -> list:
    """One row as the API returns it: cells rendered, trailing empty cells dropped.

    The hot loop of the server (a 20,000-row tab is 140,000 cells): text and, when not
    formatting, integers pass through without a call.
    """
    if render == FORMATTED:
        out = [c if (kind := type(c)) is str else str(c) if kind is int
               else cell_value(c, render, locale, date_time_render) for c in row]
    else:
        out = [c if type(c) is str or type(c) is int
               else cell_value(c, render, locale, date_time_render) for c in row]
    end = len(out)
    while end and out[end - 1] == "":
        end -= 1
    return out if end == len(out) else out[:end]
