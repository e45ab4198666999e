"""Drive: which spreadsheets the service account can see, and when each last changed.

Drive's `files.list` (1,000 files a page, its own larger quota than Sheets) tells the sync
which spreadsheets changed since it last read them.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from urllib.parse import quote as quote_segment

from gspread.exceptions import APIError

from tpbis.google.http import NETWORK_ERRORS

DRIVE_FILES_URL = "https://www.googleapis.com/drive/v3/files"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
PAGE_SIZE = 1000                    # files per files.list page: Drive's maximum
log = logging.getLogger(__name__)


def list_modified_times(conn) -> dict[str, str]:
    """Every spreadsheet the service account can see, with its Drive `modifiedTime`.

    One `files.list` call per 1,000 files, each retried like a Sheets read (5xx, 429,
    timeouts, a cut or non-JSON body). A sheet whose share was revoked or that was deleted is
    simply absent, and an absent sheet is always read: so an entry that makes no sense
    (no id, no or an unreadable `modifiedTime`) is left out, and a listing that still cannot
    be read after the retries ends here with what was listed so far (one warning line). The
    sheets it did not list are then read, and each fetch tells the truth about its village.
    """
    found: dict[str, str] = {}
    doubtful: set[str] = set()          # listed with no readable modifiedTime: read them
    for page, unsure, _ in list_pages(conn):
        found.update(page)
        doubtful |= unsure
    for key in doubtful:
        found.pop(key, None)
    return found


def list_pages(conn):
    """`list_modified_times` one page at a time, as Drive answers: yields ({id: modifiedTime},
    {ids listed without a readable modifiedTime}, whether another page follows) per page, so
    that a caller can start on the first page while later ones are listed. Ends (one warning
    line) where the listing cannot be read any more."""
    params = {
        "q": f"mimeType='{SPREADSHEET_MIME}' and trashed=false",
        "pageSize": PAGE_SIZE,
        "fields": "nextPageToken,files(id,modifiedTime)",
        "supportsAllDrives": "true",
        "includeItemsFromAllDrives": "true",
    }
    tokens: set[str] = set()
    listed = 0
    while True:
        try:
            page = _drive_page(conn, params)
        except (APIError, *NETWORK_ERRORS, ValueError) as e:
            _warn(f"Drive files.list unreadable after {conn.http.max_attempts} attempts ({_describe(e)}): "
                  f"{listed} sheets listed; every other sheet is read this run")
            return
        found: dict[str, str] = {}
        doubtful: set[str] = set()
        files = page.get("files")
        for f in files if isinstance(files, list) else []:
            key, modified = _listed_entry(f)
            if key is not None and modified is not None:
                found[key] = modified
            elif key is not None:
                doubtful.add(key)
        listed += len(found)
        token = page.get("nextPageToken")
        more = bool(token) and isinstance(token, str) and token not in tokens
        yield found, doubtful, more
        if not more:
            return
        tokens.add(token)
        params = {**params, "pageToken": token}


def _drive_page(conn, params: dict) -> dict:
    """One files.list page as a JSON object; a body that is not one is retried like a 5xx."""
    for attempt in range(1, conn.http.max_attempts + 1):
        try:
            page = conn.http.request("get", DRIVE_FILES_URL, params=params).json()
            if isinstance(page, dict):
                return page
            raise ValueError(f"a JSON {type(page).__name__}, not an object")
        except ValueError:
            conn.stats.add("http.malformed")
            if attempt == conn.http.max_attempts:
                raise
            time.sleep(conn.http.backoff(attempt))
    raise AssertionError("unreachable")


def _listed_entry(entry) -> tuple[str | None, str | None]:
    """(id, modifiedTime) of a files.list entry: id None when the entry has no usable id,
    modifiedTime None when it has none or one that is not an RFC 3339 time."""
    if not isinstance(entry, dict):
        return None, None
    key, modified = entry.get("id"), entry.get("modifiedTime")
    if not isinstance(key, str) or not key:
        return None, None
    if not isinstance(modified, str):
        return key, None
    try:
        datetime.fromisoformat(modified.replace("Z", "+00:00"))
    except ValueError:
        return key, None
    return key, modified


def _describe(e: BaseException) -> str:
    if isinstance(e, APIError):
        return f"HTTP {e.response.status_code}"
    return type(e).__name__


def _warn(message: str) -> None:
    """One line in the Prefect run log when there is a run, else in Python's log."""
    try:
        from prefect import get_run_logger
        get_run_logger().warning(message)
    except Exception:
        log.warning(message)


def drive_file_url(key: str) -> str:
    """Drive files.get URL of a spreadsheet, its key escaped as one path segment."""
    return f"{DRIVE_FILES_URL}/{quote_segment(str(key), safe='')}"
