"""Reading and writing the cells of one workbook, as the values endpoints do.

All functions take a workbook dict (the JSON format of workbook_format.py). Writers never
mutate a row list they were given: they build new lists and assign them to the sheet, so a
reader that picked up the old rows keeps a consistent snapshot (see store.Store.modify).
"""

from __future__ import annotations

from typing import Any

from tpbis.local_sheets.server.ranges import A1Range, GridBox, RangeError, parse_a1, resolve
from tpbis.local_sheets.cell_input import cell_from_input
from tpbis.local_sheets.workbook_format import (
    FORMATTED,
    RENDER_OPTIONS,
    SERIAL_NUMBER,
    render_row,
)

DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26
KEEP = object()  # in a matrix given to put_cells: leave this cell as it is


class ApiError(Exception):
    """An error the API answers with Google's envelope {"error": {code, message, status}}."""

    STATUSES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED",
                500: "INTERNAL", 501: "NOT_IMPLEMENTED", 503: "UNAVAILABLE",
                504: "DEADLINE_EXCEEDED"}

    def __init__(self, code: int, message: str, status: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or self.STATUSES.get(code, "UNKNOWN")
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


def grid_size(sheet: dict) -> tuple[int, int]:
    """(rowCount, columnCount): the stored grid, grown to hold every stored cell."""
    rows = sheet["rows"]
    widest = max(map(len, rows), default=0)
    return (max(sheet.get("rowCount", DEFAULT_ROWS), len(rows)),
            max(sheet.get("columnCount", DEFAULT_COLUMNS), widest))


def sheet_properties(sheet: dict, index: int) -> dict:
    """A tab's `properties` as spreadsheets.get returns them."""
    row_count, col_count = grid_size(sheet)
    grid = {"rowCount": row_count, "columnCount": col_count}
    for name in ("frozenRowCount", "frozenColumnCount"):
        if sheet.get(name):
            grid[name] = sheet[name]
    props = {"sheetId": sheet["sheetId"], "title": sheet["title"], "index": index,
             "sheetType": "GRID", "gridProperties": grid}
    if sheet.get("hidden"):
        props["hidden"] = True
    return props


def locate(workbook: dict, text: str) -> tuple[dict, A1Range]:
    """The tab a range names (the first tab when it names none) and the parsed range."""
    sheets = workbook["sheets"]
    try:
        rng = parse_a1(text, [s["title"] for s in sheets])
    except RangeError:
        raise bad_request(f"Unable to parse range: {text}") from None
    if rng.tab is None:
        if not sheets:
            raise bad_request(f"Unable to parse range: {text}")
        return sheets[0], rng
    for sheet in sheets:
        if sheet["title"] == rng.tab:
            return sheet, rng
    raise bad_request(f"Unable to parse range: {text}")


def _box(sheet: dict, rng: A1Range) -> GridBox:
    return resolve(rng, sheet["title"], *grid_size(sheet))


def _transpose(rows: list[list], fill: Any) -> list[list]:
    width = max(map(len, rows), default=0)
    return [[row[i] if i < len(row) else fill for row in rows] for i in range(width)]


def read_range(workbook: dict, text: str, render: str = FORMATTED,
               date_time_render: str = SERIAL_NUMBER, major: str = "ROWS") -> dict:
    """A ValueRange: values from the range's top-left, trailing empties trimmed, as Google."""
    if render not in RENDER_OPTIONS:
        raise bad_request(f"Invalid value at 'value_render_option' ({render})")
    sheet, rng = locate(workbook, text)
    box = _box(sheet, rng)
    locale = workbook.get("locale", "en_US")
    c0, c1 = box.start_col - 1, box.end_col
    out = []
    for row in sheet["rows"][box.start_row - 1:box.end_row]:
        part = row[c0:c1] if c0 or len(row) > c1 else row
        out.append(render_row(part, render, locale, date_time_render))
    while out and not out[-1]:
        out.pop()
    if major == "COLUMNS":
        out = [_trim_row(column) for column in _transpose(out, "")]
    value_range = {"range": box.a1(), "majorDimension": major}
    if out:
        value_range["values"] = out
    return value_range


def _trim_row(row: list) -> list:
    end = len(row)
    while end and (row[end - 1] is None or row[end - 1] == ""):
        end -= 1
    return row if end == len(row) else row[:end]


def put_cells(sheet: dict, start_row: int, start_col: int, matrix: list[list]) -> None:
    """Store cells with their top-left at (start_row, start_col), 1-based; KEEP skips."""
    rows = list(sheet["rows"])
    last = start_row - 1 + len(matrix)
    rows.extend([] for _ in range(last - len(rows)))
    for i, cells in enumerate(matrix):
        r = start_row - 1 + i
        row = list(rows[r])
        row.extend([None] * (start_col - 1 + len(cells) - len(row)))
        for j, cell in enumerate(cells):
            if cell is not KEEP:
                row[start_col - 1 + j] = None if cell == "" else cell
        rows[r] = _trim_row(row)
    while rows and not rows[-1]:
        rows.pop()
    sheet["rows"] = rows


def _check_cell(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise bad_request(f"Invalid values: {value!r} is not a string, number or boolean")


def write_range(workbook: dict, text: str, values: list, major: str = "ROWS",
                input_option: str = "RAW") -> dict:
    """values.update: write from the range's top-left; null leaves a cell unchanged."""
    if input_option not in ("RAW", "USER_ENTERED"):
        raise bad_request("Invalid valueInputOption: must be RAW or USER_ENTERED")
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise bad_request("Invalid values: expected a list of lists")
    sheet, rng = locate(workbook, text)
    if major == "COLUMNS":
        values = _transpose(values, None)
    height, width = len(values), max(map(len, values), default=0)
    start_row, start_col = rng.start_row or 1, rng.start_col or 1
    written = GridBox(sheet["title"], start_row, start_col,
                      start_row + max(height, 1) - 1, start_col + max(width, 1) - 1)
    if (rng.start_row, rng.start_col) == (rng.end_row, rng.end_col):
        rng = A1Range(rng.tab, start_row, start_col)  # one cell: an anchor, as Google
    if rng.end_row and written.end_row > rng.end_row and height:
        raise bad_request(f"Requested writing within range [{text}], but tried writing to "
                          f"row [{written.end_row}]")
    if rng.end_col and written.end_col > rng.end_col and width:
        raise bad_request(f"Requested writing within range [{text}], but tried writing to "
                          f"column [{written.a1().rsplit('!', 1)[1].split(':')[-1]}]")
    locale = workbook.get("locale", "en_US")
    matrix = [[KEEP if v is None else cell_from_input(_check_cell(v), input_option, locale)
               for v in row] for row in values]
    put_cells(sheet, start_row, start_col, matrix)
    cells = sum(len(row) for row in values)
    return {"spreadsheetId": workbook["spreadsheetId"], "updatedRange": written.a1(),
            "updatedRows": height, "updatedColumns": width, "updatedCells": cells}


def clear_range(workbook: dict, text: str) -> str:
    """values.clear: empty every cell of the range; returns the cleared range."""
    sheet, rng = locate(workbook, text)
    box = _box(sheet, rng)
    if rng.whole_tab:
        sheet["rows"] = []
        return box.a1()
    width = box.end_col - box.start_col + 1
    height = max(0, min(box.end_row, len(sheet["rows"])) - box.start_row + 1)
    put_cells(sheet, box.start_row, box.start_col, [[None] * width for _ in range(height)])
    return box.a1()


def append_rows(workbook: dict, text: str, values: list, major: str = "ROWS",
                input_option: str = "RAW") -> dict:
    """values.append: write below the last non-empty row of the range's columns."""
    sheet, rng = locate(workbook, text)
    box = _box(sheet, rng)
    c0, c1 = box.start_col - 1, box.end_col
    last = 0
    for number, row in enumerate(sheet["rows"], start=1):
        if any(cell not in (None, "") for cell in row[c0:c1]):
            last = number
    target = GridBox(sheet["title"], last + 1, box.start_col, last + 1, box.start_col).a1()
    updates = write_range(workbook, target, values, major, input_option)
    table = GridBox(sheet["title"], 1, box.start_col, max(last, 1), box.end_col).a1()
    return {"spreadsheetId": workbook["spreadsheetId"], "tableRange": table,
            "updates": updates}
