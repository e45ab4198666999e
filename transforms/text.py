"""Reading the words librarians type: free text, place names, categories, gender, yes/no, initials.

Every function here takes one cell value (whatever the Sheets API returned: str, int, float,
bool or None) and returns a plain Python value. The tab parser calls them once per DISTINCT
cell value, so they favour clarity over speed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

import orjson

DASHES = frozenset({"-", "--", "---", "\u2013", "\u2014", "\u2212"})

_SPACES = re.compile(r"[ \t\xa0\u2007\u202f]+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_PLACE_PREFIX = re.compile(r"^(desa|ds|kelurahan|kel|kecamatan|kec|kabupaten|kab)\b\.?\s*")


def is_blank(value) -> bool:
    """An empty cell: missing, "" or only spaces (a bool or a number is never blank)."""
    return value is None or (isinstance(value, str) and not value.strip(" \t\n\r\xa0"))


def cell_text(value) -> str:
    """A cell as the librarian would read it back; used for rejection values and text columns.

    Whole floats lose their ".0" because Sheets shows `12`, not `12.0` (huge ones stay `1e+308`).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def clean_text(value) -> str | None:
    """Free text with outer whitespace removed and runs of spaces collapsed; None when empty.

    A lone dash is how librarians write "nothing", so it is empty too.
    """
    if type(value) is str:                      # the common case, kept fast: called per distinct value
        text = value.strip()
        if "  " in text or "\t" in text or "\xa0" in text:
            text = _SPACES.sub(" ", text).strip()
    elif value is None:
        return None
    elif type(value) is int:
        return str(value)
    else:
        text = cell_text(value)
    return None if not text or text in DASHES else text


@lru_cache(maxsize=65536, typed=True)
def simple_key(value) -> str:
    """Case-, accent-, space- and punctuation-insensitive key: `Dinas/OPD ` -> `dinas opd`."""
    text = unicodedata.normalize("NFKD", cell_text(value)).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub(" ", text.casefold()).strip()


def normalise_place_name(name, variants: Mapping[str, str] | None = None) -> str:
    """Comparable form of a village, district or regency name.

    `Desa Wonosari`, `Ds.Wonosari` and ` WONOSARI ` all become `wonosari`; `Sei` becomes
    `sungai` (the Riau abbreviation); `variants` (already normalised keys, from
    config/name_variants.csv) maps known misspellings such as `balai punggut` onto one form.
    """
    text = cell_text(name).casefold().replace("\xa0", " ").strip()
    text = _PLACE_PREFIX.sub("", text)
    words = ["sungai" if word == "sei" else word for word in simple_key(text).split()]
    key = " ".join(words)
    return variants.get(key, key) if variants else key


def same_place(a, b, variants: Mapping[str, str] | None = None) -> bool:
    """True when two spellings name the same place after normalisation."""
    return normalise_place_name(a, variants) == normalise_place_name(b, variants)


def lookup_category(value, synonyms: Mapping[str, str]) -> str | None:
    """Canonical category for a cell, or None when it is not in the list.

    `synonyms` maps `simple_key` forms (and their space-less forms) to canonical names; the
    reference data builds it from config/categories.csv.
    """
    key = simple_key(value)
    if not key:
        return None
    return synonyms.get(key) or synonyms.get(key.replace(" ", ""))


_GENDER = {
    "l": "L", "lk": "L", "laki laki": "L", "lakilaki": "L", "laki": "L", "pria": "L", "cowok": "L", "male": "L", "m": "L",
    "p": "P", "pr": "P", "pere": "P", "perempuan": "P", "wanita": "P", "w": "P", "cewek": "P", "female": "P", "f": "P",
}


def parse_gender(value) -> str | None:
    """'L' or 'P' for the usual spellings; None for anything else (the caller rejects it)."""
    return _GENDER.get(simple_key(value))


_YES = frozenset({"ya", "y", "iya", "ada", "sudah", "sdh", "yes", "punya", "true", "1", "v"})
_NO = frozenset({"tidak", "t", "tdk", "tidak ada", "tdk ada", "tak ada", "belum", "blm", "belum ada",
                 "no", "n", "false", "0", "gak", "ga", "tiada", "x"})


def parse_yes_no(value) -> bool | None:
    """True/False for Ya/Tidak and their variants (and real booleans); None if unreadable."""
    if isinstance(value, bool):
        return value
    key = simple_key(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


_WORD = re.compile(r"[^\W\d_]+")


def read_initials(value) -> tuple[str | None, str | None, str | None]:
    """Initials for a beneficiary, never more: returns (initials, warning reason, safe display).

    `SA`, `S.A.`, `s a` -> `S.A.`. A name (`Siti Aminah`, `Budi`) is cut down to its initials
    with reason `full_name_masked`; a cell with 8 or more digits is an identity number (NIK)
    and is dropped with reason `nik_removed`. The display text never contains the name or the
    number, so it may be stored in the warehouse.
    """
    if is_blank(value):
        return None, None, None
    text = cell_text(value)
    digits = sum(ch.isdigit() for ch in text)
    if digits >= 8:
        return None, "nik_removed", f"[{digits} digit]"
    if NIK_MASK in text or PHONE_MASK in text:      # masked before it landed (mask_and_write)
        return None, "nik_removed", text
    words = _WORD.findall(text)
    if not words:
        return clean_text(text), None, None
    only = words[0] if len(words) == 1 else ""
    if only and (len(only) <= 2 or (len(only) == 3 and only.isupper())):
        letters, is_name = list(only), False           # `SA`, `sa`, `SAM` written without dots
    else:
        letters, is_name = [w[0] for w in words], any(len(w) >= 3 for w in words)
    initials = "".join(f"{ch.upper()}." for ch in letters)
    if is_name:
        return initials, "full_name_masked", " ".join(f"{w[0].upper()}***" for w in words)
    return initials, None, None


# --- free text on its way to the warehouse and the extracts --------------------------------------
# A NIK is 16 digits (spaces, dots or dashes between them allowed; a longer run of digits is
# masked too: a NIK typed with an extra digit is still one); a phone number starts 08, 628 or
# +628 and has 10 to 14 digits. Both are replaced, never stored.
_NIK = re.compile(r"(?<![\d])\d(?:[ .\-]?\d){15,}(?![\d])")
_PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)[ .\-]?8(?:[ .\-]?\d){7,11}(?!\d)")
NIK_MASK, PHONE_MASK = "[NIK disamarkan]", "[nomor HP disamarkan]"
_TEN_DIGITS = re.compile(r"(?:\D*\d){10}")     # 10 digits anywhere: only then can a cell hold either
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
EXCEL_MAX_CHARS = 32_767
CUT_MARK = "… [dipotong]"


def mask_personal_numbers(text: str) -> tuple[str, int]:
    """(text with NIK-like numbers and phone numbers replaced, how many were replaced)."""
    text, niks = _NIK.subn(NIK_MASK, text)
    text, phones = _PHONE.subn(PHONE_MASK, text)
    return text, niks + phones


_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _tab_json(rows) -> bytes | None:
    """The tab's cells as orjson writes them, or None when it cannot (an integer beyond 64
    bits, a lone surrogate...)."""
    try:
        return orjson.dumps(rows)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _may_hold_numbers(text: bytes | None) -> bool:
    """False when no cell of the tab can hold a NIK or phone number, decided on the tab's
    JSON in C (0.1 instead of 0.75 ms per ordinary workbook): every digit made `0` and the
    separators a number may have (` .-`) removed, both need a run of 9 digits. True (look
    cell by cell) for anything else: non-ASCII text (other scripts' digits), or cells orjson
    cannot write (`text` None)."""
    return text is None or not text.isascii() or text.translate(_DIGITS_AS_ZERO, b" .-").find(b"000000000") >= 0


def mask_and_write(value_ranges) -> tuple[object, bytes | None]:
    """(the cells as they may land in the warehouse's raw tables, their JSON exactly as
    `orjson.dumps` writes them, or None when orjson cannot write every tab or a title is not
    text). Every text cell outside `Profil` (whose NPP is 16 digits by design) has its
    NIK-like and phone numbers masked.

    The sync parses and lands these cells, never the original, so no copy of such a number is
    kept anywhere, and a replay of the landed cells gives exactly what the sync gave (the masks
    are read as masked numbers: a warning in free text, `nik_removed` in Inisial Penerima). The
    same object comes back when nothing needed masking (the common case costs one scan).

    The JSON is put together from the one serialisation of each tab that the mask's check
    reads (a tab masked is written again), so the sync writes a workbook's cells once, not
    twice, to check them and to land them (~0.1 s of CPU per 2,000 messy sheets)."""
    if not isinstance(value_ranges, dict):
        return value_ranges, None
    out, written = None, {}
    for tab, rows in value_ranges.items():
        text = written[tab] = _tab_json(rows)
        if tab == "Profil" or not isinstance(rows, list) or not _may_hold_numbers(text):
            continue
        for i, row in enumerate(rows):
            if not isinstance(row, list):
                continue
            for j, cell in enumerate(row):
                if type(cell) is str and _TEN_DIGITS.match(cell):
                    masked, count = mask_personal_numbers(cell)
                    if count:
                        if out is None:
                            out = dict(value_ranges)
                        if out[tab] is rows:            # copy on first write: the input stays as it was
                            out[tab] = [list(r) if isinstance(r, list) else r for r in rows]
                        out[tab][i][j] = masked
        if out is not None and out[tab] is not rows:
            written[tab] = _tab_json(out[tab])
    result = value_ranges if out is None else out
    if any(text is None for text in written.values()) or any(type(tab) is not str for tab in written):
        return result, None
    return result, b"{" + b",".join(orjson.dumps(tab) + b":" + text for tab, text in written.items()) + b"}"


def printable(text: str) -> str:
    """Text without control characters (NUL, escapes; tab and line breaks stay) and without
    lone surrogates, which neither a CSV reader nor an .xlsx file accepts."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def cut_visibly(text: str, limit: int = EXCEL_MAX_CHARS) -> str:
    """Text that fits an Excel cell; a longer one ends with `… [dipotong]`, never cut silently."""
    return text if len(text) <= limit else text[:limit - len(CUT_MARK)] + CUT_MARK


def guard_free_text(value, mask: bool = True) -> tuple[str | None, str | None, str | None, str | None]:
    """A free-text cell (Kisah Sukses, Keterangan, Bentuk Dukungan...) as it may be stored:
    (text, warning reason, safe display, detail). Control characters are removed; NIK-like and
    phone numbers masked (`personal_number_masked`); text over Excel's 32,767 characters cut
    visibly (`text_truncated`). The display never holds the original number. `mask` False for
    fields that are numbers by design (Profil's NPP is 16 digits)."""
    text = clean_text(value)
    if text is None:
        return None, None, None, None
    length = len(text)
    text = printable(text)
    masked, count = mask_personal_numbers(text) if mask and sum(ch.isdigit() for ch in text) >= 10 else (text, 0)
    if mask:                                        # masked before it landed: warn just the same
        count += text.count(NIK_MASK) + text.count(PHONE_MASK)
    cut = cut_visibly(masked)
    if count:
        shown = masked if len(masked) <= 200 else masked[:199] + "…"
        return cut, "personal_number_masked", shown, str(count)
    if cut is not masked:
        return cut, "text_truncated", cut[:100] + "…", f"{length:,}".replace(",", ".")
    return cut, None, None, None
