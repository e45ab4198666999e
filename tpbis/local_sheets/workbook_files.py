"""The workbook JSON files on disk, and the times Drive stamps on them (modifiedTime).

One file per spreadsheet, `<dir>/<spreadsheetId>.json` (docs/architecture.md, "The workbook
JSON file"); its cells are described in workbook_format.py.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from tpbis import files


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
