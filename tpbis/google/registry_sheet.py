"""The registry of villages kept in a Google Sheet the province already edits.

`--registry gsheet:KEY` (or `TPBIS_REGISTRY=gsheet:KEY`) reads the first tab of spreadsheet
KEY, `gsheet:KEY#Tab` a named tab, with ONE values read and no metadata read (a first tab narrower than
the range read costs one metadata read more), through the
same paced client and credentials as the sync (share the sheet with the service account).
Values come as the province sees them (FORMATTED_VALUE: `14.03.02.2008` stays text, a year
typed as a number reads `2019`), and become CSV text that `tpbis.registry` checks exactly like
the CSV file: same columns, same rules, same refusals.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

from gspread.exceptions import APIError

from tpbis import files
from tpbis.errors import UsageError
from tpbis.google.titles import quote_title

PREFIX = "gsheet:"
FIRST_TAB_RANGE = "A:Z"          # no tab name: the first visible tab (no metadata read needed)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,}$")


class RegistrySheetError(UsageError):
    """The registry sheet cannot be read: exit 2, nothing changed."""


def is_sheet_registry(path) -> bool:
    return str(path).startswith(PREFIX)


def parse(spec: str) -> tuple[str, str | None]:
    """`gsheet:KEY` -> (KEY, None); `gsheet:KEY#Tab` -> (KEY, 'Tab')."""
    key, _, tab = str(spec)[len(PREFIX):].partition("#")
    key = key.strip()
    if not KEY_PATTERN.match(key):
        raise RegistrySheetError(f"{spec}: {key!r} is not a Google spreadsheet key "
                                 "(the part of the sheet's address between /d/ and /edit)")
    return key, (tab.strip() or None)


def registry_csv(spec: str, settings=None) -> str:
    """The registry sheet's cells as CSV text (header row first, as typed)."""
    from tpbis.google import sheets
    from tpbis.settings import Settings
    key, tab = parse(spec)
    conn = sheets.connect(settings or Settings.from_env())
    params = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}
    try:
        try:
            body = conn.http.values_get(key, quote_title(tab) if tab else FIRST_TAB_RANGE, params=params)
        except APIError as e:
            if tab or e.response.status_code != 400:
                raise
            # Google refuses A:Z on a tab narrower than 26 columns ("exceeds grid limits"):
            # then, once, the first tab's title from the metadata, and the whole tab by name
            meta = conn.http.fetch_sheet_metadata(key, params={"fields": "sheets.properties.title"})
            first = meta["sheets"][0]["properties"]["title"]
            body = conn.http.values_get(key, quote_title(first), params=params)
    except APIError as e:
        status = e.response.status_code
        why = {403: f"not shared with {conn.service_account} (share it as Viewer)",
               404: "not found (deleted, or a wrong key)",
               400: f"has no tab {tab!r}" if tab else "cannot be read"}.get(status, f"answered {status}")
        raise RegistrySheetError(f"registry sheet {spec} {why}") from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in body.get("values", []):
        writer.writerow(["" if v is None else str(v) for v in row])
    return out.getvalue()




def registry_file(spec: str, settings=None) -> Path:
    """The registry sheet saved as a CSV file (for the same checks as a registry file); its
    name says where it came from, e.g. /tmp/tpbis-registry-KEY.csv."""
    key, tab = parse(spec)
    name = f"tpbis-registry-{key}{'-' + re.sub(r'[^A-Za-z0-9_-]+', '_', tab) if tab else ''}.csv"
    path = Path(tempfile.gettempdir()) / name
    files.write_text(path, registry_csv(spec, settings))
    return path
