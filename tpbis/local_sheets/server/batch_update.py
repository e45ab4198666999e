"""spreadsheets:batchUpdate requests: the structural edits the project makes.

`tpbis sync --write-back` adds or updates a `Validasi` tab, sets data validation and may
format it; the template command creates tabs. Most formatting is accepted and not stored
(this server serves values), but what guards input is stored on the tab so tests can see
it: data validation (`dataValidation`), protected ranges (`protectedRanges`, each with its
`protectedRangeId`) and conditional format rules (`conditionalFormats`). Requests apply in
order to a working copy; the store keeps the result only if all of them succeed, as Google
does.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable

from tpbis.local_sheets.server.values import KEEP, bad_request, put_cells, sheet_properties
from tpbis.local_sheets.workbook_format import serial_to_date

HYPERLINK = re.compile(r'^=HYPERLINK\(\s*"([^"]*)"\s*[;,]\s*"((?:[^"]|"")*)"\s*\)$', re.IGNORECASE)

# Accepted, reply {}, nothing stored: only cell values matter to this server.
FORMATTING_REQUESTS = frozenset({
    "repeatCell", "updateBorders", "mergeCells", "unmergeCells", "autoResizeDimensions",
    "updateDimensionProperties", "setBasicFilter", "clearBasicFilter", "addBanding",
    "addNamedRange", "deleteNamedRange", "autoFill",
})


def _find(workbook: dict, sheet_id: Any, where: str) -> tuple[int, dict]:
    for index, sheet in enumerate(workbook["sheets"]):
        if sheet["sheetId"] == sheet_id:
            return index, sheet
    raise bad_request(f"Invalid {where}: No grid with id: {sheet_id}")


def _check_title(workbook: dict, title: str, where: str, other_than: dict | None = None):
    if not isinstance(title, str) or not title.strip():
        raise bad_request(f"Invalid {where}: the sheet name must not be empty")
    for sheet in workbook["sheets"]:
        if sheet is not other_than and sheet["title"].lower() == title.lower():
            raise bad_request(f'Invalid {where}: A sheet with the name "{title}" already '
                              "exists. Please enter another name.")


def _new_sheet_id(workbook: dict) -> int:
    return max((s["sheetId"] for s in workbook["sheets"]), default=-1) + 1


def _apply_properties(workbook: dict, sheet: dict, props: dict, fields: str, where: str):
    """Apply updateSheetProperties/addSheet properties named by `fields` ('*' = all given)."""
    grid = props.get("gridProperties", {})
    wanted = {f.strip() for f in fields.split(",")} if fields else {"*"}
    everything = "*" in wanted

    def named(field: str) -> bool:
        return everything or field in wanted or field.split(".")[0] in wanted

    if named("title") and "title" in props:
        _check_title(workbook, props["title"], where, other_than=sheet)
        sheet["title"] = props["title"]
    if named("hidden") and "hidden" in props:
        sheet["hidden"] = bool(props["hidden"])
    for name in ("rowCount", "columnCount", "frozenRowCount", "frozenColumnCount"):
        if named(f"gridProperties.{name}") and name in grid:
            sheet[name] = int(grid[name])
    if named("index") and "index" in props:
        sheets = workbook["sheets"]
        sheets.remove(sheet)
        sheets.insert(min(int(props["index"]), len(sheets)), sheet)


def add_sheet(workbook: dict, request: dict, where: str) -> dict:
    props = request.get("properties", {})
    title = props.get("title")
    if title is None:
        taken = {s["title"] for s in workbook["sheets"]}
        title = next(f"Sheet{n}" for n in range(1, len(taken) + 2) if f"Sheet{n}" not in taken)
    _check_title(workbook, title, where)
    sheet_id = props.get("sheetId", _new_sheet_id(workbook))
    if any(s["sheetId"] == sheet_id for s in workbook["sheets"]):
        raise bad_request(f"Invalid {where}: A sheet with the id {sheet_id} already exists.")
    sheet = {"title": title, "sheetId": sheet_id, "rows": []}
    workbook["sheets"].append(sheet)
    _apply_properties(workbook, sheet, {k: v for k, v in props.items() if k != "title"},
                      "*", where)
    return {"addSheet": {"properties": sheet_properties(
        sheet, workbook["sheets"].index(sheet))}}


def delete_sheet(workbook: dict, request: dict, where: str) -> dict:
    index, _ = _find(workbook, request.get("sheetId"), where)
    if len(workbook["sheets"]) == 1:
        raise bad_request(f"Invalid {where}: You can't remove all the sheets in a document.")
    del workbook["sheets"][index]
    return {}


def duplicate_sheet(workbook: dict, request: dict, where: str) -> dict:
    _, source = _find(workbook, request.get("sourceSheetId"), where)
    title = request.get("newSheetName") or f"Copy of {source['title']}"
    _check_title(workbook, title, where)
    sheet = copy.deepcopy(source)
    sheet.update(title=title, sheetId=request.get("newSheetId", _new_sheet_id(workbook)))
    index = request.get("insertSheetIndex", len(workbook["sheets"]))
    workbook["sheets"].insert(min(int(index), len(workbook["sheets"])), sheet)
    return {"duplicateSheet": {"properties": sheet_properties(
        sheet, workbook["sheets"].index(sheet))}}


def update_sheet_properties(workbook: dict, request: dict, where: str) -> dict:
    props = request.get("properties", {})
    _, sheet = _find(workbook, props.get("sheetId"), where)
    _apply_properties(workbook, sheet, props, request.get("fields", ""), where)
    return {}


def update_spreadsheet_properties(workbook: dict, request: dict, where: str) -> dict:
    props = request.get("properties", {})
    fields = request.get("fields", "*")
    for name in ("title", "locale", "timeZone"):
        if name in props and (fields == "*" or name in fields.split(",")):
            workbook[name] = props[name]
    return {}


def set_data_validation(workbook: dict, request: dict, where: str) -> dict:
    grid_range = request.get("range", {})
    _, sheet = _find(workbook, grid_range.get("sheetId", 0), where)
    kept = [v for v in sheet.get("dataValidation", []) if v["range"] != grid_range]
    if request.get("rule"):
        kept.append({"range": grid_range, "rule": request["rule"]})
    sheet["dataValidation"] = kept
    return {}


def add_protected_range(workbook: dict, request: dict, where: str) -> dict:
    protected = copy.deepcopy(request.get("protectedRange") or {})
    grid = protected.get("range") or {}
    _, sheet = _find(workbook, grid.get("sheetId", 0), where)
    taken = {p["protectedRangeId"] for s in workbook["sheets"] for p in s.get("protectedRanges", [])}
    protected.setdefault("protectedRangeId", max(taken, default=0) + 1)
    if protected["protectedRangeId"] in taken:
        raise bad_request(f"Invalid {where}: a protected range with id {protected['protectedRangeId']} already exists.")
    sheet["protectedRanges"] = [*sheet.get("protectedRanges", []), protected]
    return {"addProtectedRange": {"protectedRange": protected}}


def delete_protected_range(workbook: dict, request: dict, where: str) -> dict:
    wanted = request.get("protectedRangeId")
    for sheet in workbook["sheets"]:
        kept = [p for p in sheet.get("protectedRanges", []) if p["protectedRangeId"] != wanted]
        if len(kept) != len(sheet.get("protectedRanges", [])):
            sheet["protectedRanges"] = kept
            return {}
    raise bad_request(f"Invalid {where}: No protected range with id: {wanted}")


def add_conditional_format_rule(workbook: dict, request: dict, where: str) -> dict:
    rule = copy.deepcopy(request.get("rule") or {})
    ranges = rule.get("ranges") or []
    if not ranges:
        raise bad_request(f"Invalid {where}: a conditional format rule needs ranges")
    _, sheet = _find(workbook, ranges[0].get("sheetId", 0), where)
    rules = list(sheet.get("conditionalFormats", []))
    rules.insert(min(int(request.get("index", 0)), len(rules)), rule)
    sheet["conditionalFormats"] = rules
    return {}


def delete_conditional_format_rule(workbook: dict, request: dict, where: str) -> dict:
    _, sheet = _find(workbook, request.get("sheetId", 0), where)
    rules = list(sheet.get("conditionalFormats", []))
    index = int(request.get("index", 0))
    if index >= len(rules):
        raise bad_request(f"Invalid {where}: No conditional format on sheet {request.get('sheetId')} at index {index}")
    del rules[index]
    sheet["conditionalFormats"] = rules
    return {}


def _cell_from_data(data: dict, replace_value: bool) -> Any:
    """A stored cell from an API CellData (userEnteredValue, numberFormat pattern)."""
    entered = data.get("userEnteredValue")
    if entered is None:
        return None if replace_value else KEEP
    pattern = data.get("userEnteredFormat", {}).get("numberFormat", {})
    if "formulaValue" in entered:
        # the one formula this server evaluates: a HYPERLINK shows its label
        link = HYPERLINK.match(entered["formulaValue"])
        return {"formula": entered["formulaValue"], "value": link.group(2) if link else None}
    if "numberValue" in entered:
        number = entered["numberValue"]
        if pattern.get("type") in ("DATE", "DATE_TIME"):
            return {"date": serial_to_date(number).isoformat(),
                    "fmt": pattern.get("pattern", "dd/mm/yyyy")}
        return {"n": number, "fmt": pattern["pattern"]} if pattern.get("pattern") else number
    if "boolValue" in entered:
        return bool(entered["boolValue"])
    return entered.get("stringValue", "")


def update_cells(workbook: dict, request: dict, where: str) -> dict:
    target = request.get("start") or request.get("range") or {}
    _, sheet = _find(workbook, target.get("sheetId", 0), where)
    fields = request.get("fields", "")
    replace = fields == "*" or "userEnteredValue" in fields
    row0 = target.get("rowIndex", target.get("startRowIndex", 0))
    col0 = target.get("columnIndex", target.get("startColumnIndex", 0))
    matrix = [[_cell_from_data(d, replace) for d in row.get("values", [])]
              for row in request.get("rows", [])]
    if "range" in request and replace:
        # Google: cells of the range that `rows` does not cover are cleared
        end_row = min(target.get("endRowIndex", len(sheet["rows"])), len(sheet["rows"]))
        width = max((len(r) for r in sheet["rows"]), default=0)
        end_col = min(target.get("endColumnIndex", width), width)
        if end_row > row0 and end_col > col0:
            put_cells(sheet, row0 + 1, col0 + 1, [[None] * (end_col - col0) for _ in range(end_row - row0)])
    put_cells(sheet, row0 + 1, col0 + 1, matrix)
    return {}


HANDLERS: dict[str, Callable[[dict, dict, str], dict]] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "duplicateSheet": duplicate_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "setDataValidation": set_data_validation,
    "updateCells": update_cells,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "addConditionalFormatRule": add_conditional_format_rule,
    "deleteConditionalFormatRule": delete_conditional_format_rule,
}


def apply_requests(workbook: dict, requests: list) -> list[dict]:
    """Apply requests in order to `workbook` (a working copy); returns the replies."""
    if not isinstance(requests, list) or not requests:
        raise bad_request("Must specify at least one request.")
    replies = []
    for i, request in enumerate(requests):
        if not isinstance(request, dict) or len(request) != 1:
            raise bad_request(f"Invalid requests[{i}]: exactly one kind of request expected")
        (name, body), = request.items()
        where = f"requests[{i}].{name}"
        if name in FORMATTING_REQUESTS:
            replies.append({})
        elif name in HANDLERS:
            replies.append(HANDLERS[name](workbook, body or {}, where))
        else:
            raise bad_request(f"Invalid JSON payload received. Unknown name \"{name}\" at "
                              f"'requests[{i}]': Cannot find field.")
    return replies
