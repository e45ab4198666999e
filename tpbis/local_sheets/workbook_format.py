"""Cells of the workbook JSON files, and how Google would render them.

The local Sheets server and the sample generator share one description of a cell (see
docs/architecture.md, "The workbook JSON file"), so that what the sample generator writes is
exactly what the server answers, in each of the Sheets API's render options. Getting the
rendering right matters: the sync reads UNFORMATTED values, but librarians' sheets (and the
transforms' tests) also meet FORMATTED strings such as "1.234" and "Okt 2022".
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from tpbis import files

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


def format_rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and 'Z', as Drive writes modifiedTime."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_rfc3339() -> str:
    """The current time as Drive would stamp a file's modifiedTime."""
    return format_rfc3339(datetime.now(timezone.utc))


def parse_rfc3339(text: str) -> datetime:
    """An aware datetime from Drive's time syntax; a time without offset is UTC (as Drive)."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


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


def load_workbook(path: str | Path) -> dict:
    """Read one workbook file; the spreadsheetId defaults to the file's name."""
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        workbook = json.load(handle)
    if not isinstance(workbook, dict) or not isinstance(workbook.get("sheets"), list):
        raise ValueError(f"{path}: not a workbook (needs a 'sheets' list)")
    workbook.setdefault("spreadsheetId", path.stem)
    workbook.setdefault("title", workbook["spreadsheetId"])
    for sheet in workbook["sheets"]:
        sheet.setdefault("rows", [])
    return workbook


def dumps_workbook(workbook: dict) -> str:
    """JSON text with one row per line: compact, yet readable and diffable."""
    head = {k: v for k, v in workbook.items() if k != "sheets"}
    lines = ["{"]
    for name, value in head.items():
        lines.append(f"  {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "sheets": [')
    for i, sheet in enumerate(workbook.get("sheets", [])):
        props = {k: v for k, v in sheet.items() if k != "rows"}
        fields = json.dumps(props, ensure_ascii=False)[1:-1]
        lines.append("    {" + (fields + ", " if fields else "") + '"rows": [')
        rows = sheet.get("rows", [])
        for j, row in enumerate(rows):
            comma = "," if j < len(rows) - 1 else ""
            lines.append("      " + json.dumps(row, ensure_ascii=False) + comma)
        lines.append("    ]}" + ("," if i < len(workbook["sheets"]) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def save_workbook(workbook: dict, path: str | Path) -> None:
    """Write a workbook file atomically (a reader never sees half a file)."""
    files.write_text(path, dumps_workbook(workbook))
