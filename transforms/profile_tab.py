"""The Profil tab of a village's workbook (key/value lines) -> at most one typed row.

Each filled field line is a data row: it loads, or is rejected (unreadable value, unknown or
repeated field). Place fields are checked against the village registry: a Profil that names
another village loads, with a warning (`profile_other_village`). Used by the workbook parser
(transforms.workbook) and the chunk parser (transforms.chunk) alike.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from transforms.column_reading import read_column
from transforms.columns import TABLE_COLUMNS
from transforms.headers import HEADER_SCAN_ROWS, header_keys
from transforms.reference import Reference
from transforms.rules import CODES, Found
from transforms.tabs import TabResult, typed_array
from transforms.text import cell_text, is_blank, normalise_place_name

__all__ = ["PROFILE_REGISTRY_FIELDS", "ProfileRead", "parse_profile_tab", "profile_columns", "read_profile_tab"]

PROFILE_REGISTRY_FIELDS = {"kode_desa": "kode_desa", "desa_name": "desa", "kecamatan_name": "kecamatan",
                           "kabupaten_name": "kabupaten"}


def _profile_layout(rows: list, lookup) -> tuple[int, int, int, str]:
    """(key column, value column, first data row index, key header text): the `Isian`/`Nilai`
    header if there is one in the first rows; else, from the top, the column that names the
    most known fields (a `No` column may come first) and the column to its right."""
    hits: dict[int, int] = {}
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = {}
        for j, cell in enumerate(row):
            field = lookup.get(header_keys(cell)[0]) if not is_blank(cell) else None
            found.setdefault(field, (j, cell_text(cell).strip()))
            if field and not field.startswith("_"):
                hits[j] = hits.get(j, 0) + 1
        if "_key" in found and "_value" in found:
            return found["_key"][0], found["_value"][0], r + 1, found["_key"][1]
    key = max(hits, key=lambda j: (hits[j], -j)) if hits else 0
    return key, key + 1, 0, "Isian"


def _digits(value) -> str:
    return "".join(ch for ch in cell_text(value) if ch.isdigit())


def _differs(field: str, typed: object, village: Mapping, variants: Mapping) -> str | None:
    """The registry's value when a Profil place field names another village, else None.
    Codes compare by their digits (`14.03.02.2008` = `1403022008`), names by place-name form."""
    expected = village.get(PROFILE_REGISTRY_FIELDS[field])
    if typed is None or expected is None or str(expected).strip() == "":
        return None
    if field == "kode_desa":
        same = _digits(typed) == _digits(expected)
    else:
        same = normalise_place_name(typed, variants) == normalise_place_name(expected, variants)
    return None if same else str(expected)


@dataclass
class ProfileRead:
    """A Profil tab read, before its typed columns are built: the loaded field values (at most
    one row, `source_rows`), the problems and the counts (as in `TabResult`)."""

    values: dict[str, object]
    source_rows: np.ndarray
    rejections: list[Found]
    warnings: list[Found]
    rows_read: int
    rows_loaded: int


def profile_columns(values: list[dict[str, object]]) -> dict[str, object]:
    """Typed profile columns, one row per dict of field values (a chunk builds them once)."""
    index = np.arange(len(values), dtype=np.int64)
    return {name: typed_array(dtype, [v.get(name) for v in values], index)
            for name, dtype in TABLE_COLUMNS["profile"].items()}


def _read(field: str, value, spec, ref: Reference, today: date, readings: dict | None) -> tuple:
    """(reason id, Cell with the detail or None, typed value) of one field's value."""
    key = (field, type(value), value)
    if readings is not None and type(value) is not float and key in readings:   # (-0.0 == 0.0)
        return readings[key]
    reading = read_column([value], "Profil", spec, ref, today)
    found = (int(reading.reasons[0]), reading.notes.get(0), reading.values[0])
    if readings is not None and type(value) is not float:
        readings[key] = found
    return found


def parse_profile_tab(rows: list, ref: Reference, village: Mapping, today: date) -> TabResult:
    """The Profil tab as at most one row. Each filled field line is a data row: it loads, or is
    rejected (unreadable value, unknown or repeated field). Place fields that name another
    village than the registry's are loaded and warned about (`profile_other_village`)."""
    read = read_profile_tab(rows, ref, village, today)
    return TabResult("Profil", profile_columns([read.values][:len(read.source_rows)]), read.source_rows,
                     read.rejections, read.warnings, read.rows_read, read.rows_loaded)


def read_profile_tab(rows: list, ref: Reference, village: Mapping, today: date,
                     readings: dict | None = None) -> ProfileRead:
    """`parse_profile_tab` without building the typed columns. `readings` remembers each
    (field, value) read, for the other workbooks of a chunk (same `today` and Reference)."""
    tab, lookup = "Profil", ref.header_lookup["Profil"]
    specs = {s.field: s for s in ref.columns[tab] if not s.field.startswith("_")}
    key_col, value_col, start, key_label = _profile_layout(rows, lookup)
    values: dict[str, object] = {}
    seen: dict[str, int] = {}
    rejected, warned, loaded_rows, read = [], [], [], 0

    def problem(into, reason, row, column, value, detail=""):
        into.append(Found(tab, reason, np.array([row]), column, [value], [detail], len(into)))

    for r in range(start, len(rows)):
        row, sheet_row = rows[r], r + 1
        key = row[key_col] if len(row) > key_col else None
        value = row[value_col] if len(row) > value_col else None
        field = None if is_blank(key) else next((lookup[k] for k in header_keys(key) if k in lookup), None)
        field = field if field in specs else None
        if is_blank(value) and (is_blank(key) or field is None):
            continue                        # blank line, title or section heading
        read += 1
        label = " ".join(cell_text(key).split()) if field else key_label
        if field is None:
            problem(rejected, "unknown_field", sheet_row, key_label, cell_text(key if not is_blank(key) else value))
            continue
        if field in seen:
            problem(rejected, "duplicate_field", sheet_row, label, label, str(seen[field]))
            continue
        reason, note, typed = _read(field, value, specs[field], ref, today, readings)
        if reason:
            problem(rejected, CODES[reason], sheet_row, label, cell_text(value), note.detail if note else "")
            continue
        seen[field] = sheet_row
        values[field] = typed
        loaded_rows.append(sheet_row)
        if field in PROFILE_REGISTRY_FIELDS and (expected := _differs(field, values[field], village, ref.name_variants)):
            problem(warned, "profile_other_village", sheet_row, label, cell_text(value), expected)
    return ProfileRead(values, np.array(loaded_rows[:1], dtype=np.int64), rejected, warned, read, len(loaded_rows))
