"""Input guards of the template, as data, then as Sheets requests and as xlsxwriter options.

Why: the sync rejects a negative count, text in a count, a date before 2015 or in the future.
Stopping those at typing time (data validation), keeping the header row from being typed over
(protection) and showing which required cell of a started row is still empty (conditional
formatting) means fewer rejected rows to chase afterwards. Dropdowns stay warnings only: the
sync also reads synonyms (`PLM`) and loads an unknown Jenis Kegiatan as Lainnya.

Sheets' DataValidationRule has an input message but no custom error message (Google shows its
own when `strict` refuses a value), so the hint there says both what to type and an example;
the .xlsx carries the hint and the error message separately.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FIRST_YEAR = 2015                         # the sync rejects dates before this year
EMPTY_REQUIRED_FILL = "#F4CCCC"           # light red: a required cell of a started row is empty
HEADER_NOTE = "Judul kolom dibaca oleh sistem provinsi: jangan diubah."


@dataclass(frozen=True)
class Guard:
    """One validation: kind 'whole' | 'decimal' | 'date' | 'list', bounds, Indonesian texts."""

    kind: str
    title: str                    # xlsx input/error title (at most 32 characters)
    hint: str                     # shown when the cell is selected
    error: str                    # shown when the value is refused
    minimum: float | date | None = None
    maximum: float | date | None = None
    choices: tuple[str, ...] = ()
    strict: bool = True


def guard_for(kind: str, field: str, header: str, choices: tuple[str, ...], last_year: int) -> Guard | None:
    """The validation of one template column (or Profil field) of columns.csv `kind`."""
    title = header[:32]
    first, last = date(FIRST_YEAR, 1, 1), date(last_year, 12, 31)
    if choices:
        shown = ", ".join(choices) if len(", ".join(choices)) <= 160 else ", ".join(choices[:6]) + ", ..."
        other = ", atau tulis Lainnya" if "Lainnya" in choices else ""
        return Guard("list", title, f"Pilih dari daftar: {shown}.",
                     f"Isian ini tidak ada di daftar. Pilih dari daftar{other}.",
                     choices=choices, strict=False)
    if kind == "count":
        return Guard("whole", title, "Isi bilangan bulat 0 atau lebih, tanpa teks. Contoh: 125. "
                     "Isi 0 bila tidak ada.", "Harus bilangan bulat 0 atau lebih (contoh: 125), "
                     "bukan teks, pecahan atau angka negatif.", minimum=0)
    if kind == "money":
        return Guard("whole", title, "Isi nilai rupiah tanpa 'Rp' dan tanpa titik. Contoh: 1500000.",
                     "Harus nilai rupiah 0 atau lebih, angka saja (contoh: 1500000).", minimum=0)
    if kind == "integer" and field == "year_joined":
        return Guard("whole", title, f"Isi tahun, contoh: {last_year}.",
                     f"Harus tahun antara 2000 dan {last_year}.", minimum=2000, maximum=last_year)
    if kind == "integer":
        return Guard("whole", title, "Isi bilangan bulat 0 atau lebih. Contoh: 2.",
                     "Harus bilangan bulat 0 atau lebih (contoh: 2).", minimum=0)
    if kind == "decimal":
        return Guard("decimal", title, "Isi jumlah jam, 0 sampai 24. Contoh: 7,5.",
                     "Harus angka jam antara 0 dan 24 (contoh: 7,5).", minimum=0, maximum=24)
    if kind == "date":
        return Guard("date", title, f"Isi tanggal: hari/bulan/tahun. Contoh: 13/10/{last_year}.",
                     f"Harus tanggal antara 01/01/{FIRST_YEAR} dan 31/12/{last_year}, ditulis "
                     f"hari/bulan/tahun (contoh: 13/10/{last_year}).", minimum=first, maximum=last)
    if kind == "month":
        return Guard("date", title, f"Isi bulan laporan. Contoh: Oktober {last_year} atau 10/{last_year}.",
                     f"Harus bulan antara Januari {FIRST_YEAR} dan Desember {last_year} "
                     f"(contoh: Oktober {last_year}).", minimum=first, maximum=last)
    return None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def whole_formula(cell: str, guard: Guard, sep: str) -> str:
    """`=AND(ISNUMBER(B2);B2>=0;B2=INT(B2))` (Sheets takes `;` in every locale; xlsx wants `,`)."""
    parts = [f"ISNUMBER({cell})", f"{cell}=INT({cell})"]
    if guard.minimum is not None:
        parts.append(f"{cell}>={guard.minimum}")
    if guard.maximum is not None:
        parts.append(f"{cell}<={guard.maximum}")
    return f"=AND({sep.join(parts)})"


def empty_required_formula(row: int, column: int, started: list[int], sep: str) -> str:
    """True when the row has something typed in a non-prefilled column and this cell is empty."""
    cells = sep.join(f"${column_letter(j)}{row + 1}" for j in started)
    return f"=AND(COUNTA({cells})>0{sep}ISBLANK({column_letter(column)}{row + 1}))"


# --- as Sheets batchUpdate requests -------------------------------------------------------------

def sheets_validation(grid: dict, guard: Guard) -> dict:
    top_left = f"{column_letter(grid['startColumnIndex'])}{grid['startRowIndex'] + 1}"
    if guard.kind == "list":
        condition = {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": c} for c in guard.choices]}
    elif guard.kind == "whole":
        condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": whole_formula(top_left, guard, ";")}]}
    elif guard.kind == "decimal":
        condition = {"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": str(guard.minimum)},
                                                          {"userEnteredValue": str(guard.maximum)}]}
    else:       # dates: ISO text is read as a date in every locale
        condition = {"type": "DATE_BETWEEN", "values": [{"userEnteredValue": guard.minimum.isoformat()},
                                                        {"userEnteredValue": guard.maximum.isoformat()}]}
    return {"setDataValidation": {"range": grid, "rule": {
        "condition": condition, "inputMessage": guard.hint, "strict": guard.strict, "showCustomUi": True}}}


def sheets_protection(sheet_id: int, description: str, end_row: int | None = 1,
                      end_column: int | None = None) -> dict:
    """A warning-only protected range (the province's editors may still change it)."""
    grid = {"sheetId": sheet_id, "startRowIndex": 0}
    if end_row is not None:
        grid["endRowIndex"] = end_row
    if end_column is not None:
        grid.update(startColumnIndex=0, endColumnIndex=end_column)
    return {"addProtectedRange": {"protectedRange": {"range": grid, "description": description,
                                                     "warningOnly": True}}}


def _rgb(hex_colour: str) -> dict:
    return {name: int(hex_colour[1 + 2 * i:3 + 2 * i], 16) / 255 for i, name in enumerate(("red", "green", "blue"))}


def sheets_empty_required(grid: dict, started: list[int]) -> dict:
    formula = empty_required_formula(grid["startRowIndex"], grid["startColumnIndex"], started, ";")
    return {"addConditionalFormatRule": {"index": 0, "rule": {"ranges": [grid], "booleanRule": {
        "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]},
        "format": {"backgroundColor": _rgb(EMPTY_REQUIRED_FILL)}}}}}


# --- as xlsxwriter options ----------------------------------------------------------------------

def xlsx_validation(row: int, column: int, guard: Guard) -> dict:
    options = {"input_title": guard.title, "input_message": guard.hint[:255],
               "error_title": guard.title, "error_message": guard.error[:255],
               "error_type": "stop" if guard.strict else "warning"}
    if guard.kind == "list":
        options.update(validate="list", source=list(guard.choices))
    elif guard.maximum is None:
        options.update(validate="integer" if guard.kind == "whole" else guard.kind,
                       criteria=">=", value=guard.minimum)
    else:
        options.update(validate="integer" if guard.kind == "whole" else guard.kind, criteria="between",
                       minimum=guard.minimum, maximum=guard.maximum)
    return options


def xlsx_empty_required(row: int, column: int, started: list[int], fill) -> dict:
    return {"type": "formula", "criteria": empty_required_formula(row, column, started, ","), "format": fill}
