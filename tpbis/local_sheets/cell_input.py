"""What a value written through the values API becomes in a stored cell (RAW / USER_ENTERED).

The Sheets UI parses what is typed in the locale's syntax; this does the same for writes
(the write-back, the template), so that reading the cell back renders as Google would.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from tpbis.local_sheets.workbook_format import DEFAULT_DATE_FORMAT, language, plain_number, separators

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _user_number(text: str, locale: str) -> Any:
    """A typed number in the locale's syntax ('1.234', '1,5', '12%'), or None."""
    thousands, decimal = separators(locale)
    t, d = re.escape(thousands), re.escape(decimal)
    percent = text.endswith("%")
    body = text[:-1].strip() if percent else text
    if re.fullmatch(rf"-?\d+(?:{d}\d+)?", body):
        fmt = None
    elif re.fullmatch(rf"-?\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d+)?", body):
        fmt = "#,##0" + (".00" if decimal in body else "")
    else:
        return None
    number = plain_number(float(body.replace(thousands, "").replace(decimal, ".")))
    if percent:
        return {"n": number / 100, "fmt": "0%"}
    return number if fmt is None else {"n": number, "fmt": fmt}


def cell_from_input(value: Any, input_option: str = "RAW", locale: str = "in_ID") -> Any:
    """The stored cell for a value written through the API.

    RAW keeps strings as strings (a librarian's '0812345' stays text); USER_ENTERED parses
    them as the Sheets UI would: numbers in the locale's syntax, dates, TRUE/FALSE, formulas
    (stored without a computed value, since this server does not calculate).
    """
    if input_option != "USER_ENTERED" or not isinstance(value, str):
        return value
    text = value.strip()
    if value.startswith("'"):
        return value[1:]
    if value.startswith("="):
        return {"formula": value, "value": None}
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    if _ISO_DATE.match(text):
        return {"date": text, "fmt": "yyyy-mm-dd"}
    dmy = _DMY_DATE.match(text)
    if dmy:
        first, second, year = (int(g) for g in dmy.groups())
        day, month = (first, second) if language(locale) == "in" else (second, first)
        try:
            return {"date": date(year, month, day).isoformat(),
                    "fmt": DEFAULT_DATE_FORMAT[language(locale)]}
        except ValueError:
            return value
    number = _user_number(text, locale)
    return value if number is None else number
