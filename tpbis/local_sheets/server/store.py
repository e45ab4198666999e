"""The workbooks the server serves, in memory, with Drive's notion of modifiedTime.

The sync skips spreadsheets whose Drive modifiedTime has not moved, so every change here
stamps a modifiedTime strictly later than any before it (even two changes in the same
millisecond). Stored objects are never mutated in place: a change builds a new workbook and
swaps it in under the lock, so readers can render a snapshot without holding the lock.
"""

from __future__ import annotations

import copy
import secrets
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from tpbis.local_sheets.server.drive import SPREADSHEET_MIME
from tpbis.local_sheets.server.values import ApiError, sheet_properties
from tpbis.local_sheets.workbook_files import format_rfc3339, load_workbook, parse_rfc3339
from tpbis.wib import TIME_ZONE

NOT_FOUND = "Requested entity was not found."


def new_spreadsheet_id() -> str:
    """A fresh id shaped like Google's (44 URL-safe characters)."""
    return "1" + secrets.token_urlsafe(32)[:43]


class Store:
    """Workbooks by spreadsheetId: put/get/delete, atomic changes, metadata views."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._books: dict[str, dict] = {}
        self._last_stamp = datetime(1970, 1, 1, tzinfo=timezone.utc)

    # -- time ------------------------------------------------------------------------------
    def _stamp(self, previous: str | None = None) -> str:
        """Now, but strictly after every stamp so far and after `previous` (ms precision)."""
        now = datetime.now(timezone.utc)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        floor = self._last_stamp
        if previous:
            try:
                floor = max(floor, parse_rfc3339(previous))
            except ValueError:
                pass
        if now <= floor:
            now = floor.replace(microsecond=floor.microsecond // 1000 * 1000) + timedelta(
                milliseconds=1)
        self._last_stamp = now
        return format_rfc3339(now)

    # -- whole workbooks ---------------------------------------------------------------------
    def put(self, workbook: dict, keep_modified: bool = False) -> str:
        """Add or replace a workbook (a copy is kept); returns its spreadsheetId."""
        book = copy.deepcopy(workbook)
        key = book.get("spreadsheetId")
        if not key or not isinstance(book.get("sheets"), list):
            raise ValueError("a workbook needs a 'spreadsheetId' and a 'sheets' list")
        book.setdefault("title", key)
        book.setdefault("locale", "in_ID")
        book.setdefault("timeZone", TIME_ZONE)
        used = {s["sheetId"] for s in book["sheets"] if "sheetId" in s}
        next_id = 0
        for sheet in book["sheets"]:
            sheet.setdefault("title", f"Sheet{book['sheets'].index(sheet) + 1}")
            sheet["rows"] = [list(row) for row in sheet.get("rows") or []]
            if "sheetId" not in sheet:
                while next_id in used:
                    next_id += 1
                sheet["sheetId"] = next_id
                used.add(next_id)
        with self._lock:
            old = self._books.get(key)
            if not (keep_modified and book.get("modifiedTime")):
                book["modifiedTime"] = self._stamp(
                    max(filter(None, [book.get("modifiedTime"),
                                      old and old.get("modifiedTime")]), default=None))
            book.setdefault("createdTime", (old or book).get("createdTime",
                                                              book["modifiedTime"]))
            self._books[key] = book
        return key

    def load_dir(self, data_dir: str | Path) -> list[str]:
        """Put every *.json workbook of a directory, keeping the modifiedTime it records."""
        return [self.put(load_workbook(path), keep_modified=True)
                for path in sorted(Path(data_dir).glob("*.json"))]

    def get(self, key: str) -> dict:
        """A copy of a stored workbook (KeyError when unknown)."""
        return copy.deepcopy(self.snapshot(key))

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._books.pop(key, None) is not None

    def keys(self) -> list[str]:
        with self._lock:
            return sorted(self._books)

    def snapshot(self, key: str) -> dict:
        """The stored workbook itself, read-only by convention (KeyError when unknown)."""
        with self._lock:
            return self._books[key]

    def create(self, title: str, locale: str = "en_US", time_zone: str = "Etc/GMT",
               sheet_titles: list[str] | None = None) -> str:
        """A new spreadsheet, as Drive's files.create or Sheets' spreadsheets.create make."""
        key = new_spreadsheet_id()
        self.put({"spreadsheetId": key, "title": title, "locale": locale,
                  "timeZone": time_zone,
                  "sheets": [{"title": t, "rows": []} for t in sheet_titles or ["Sheet1"]]})
        return key

    # -- API views and changes ---------------------------------------------------------------
    def view(self, key: str) -> dict:
        """The workbook for a read request; 404 in Google's words when unknown."""
        try:
            return self.snapshot(key)
        except KeyError:
            raise ApiError(404, NOT_FOUND) from None

    def modify(self, key: str, change: Callable[[dict], Any]) -> Any:
        """Apply `change` to a working copy; keep it (with a new modifiedTime) if it returns.

        If `change` raises, the stored workbook is untouched: a batch is all or nothing.
        """
        with self._lock:
            book = self._books.get(key)
            if book is None:
                raise ApiError(404, NOT_FOUND)
            work = dict(book)
            work["sheets"] = [dict(sheet) for sheet in book["sheets"]]
            result = change(work)
            work["modifiedTime"] = self._stamp(book.get("modifiedTime"))
            self._books[key] = work
            return result

    def metadata(self, key: str) -> dict:
        """spreadsheets.get (without grid data)."""
        book = self.view(key)
        return {
            "spreadsheetId": key,
            "properties": {"title": book["title"], "locale": book["locale"],
                           "autoRecalc": "ON_CHANGE", "timeZone": book["timeZone"]},
            "sheets": [{"properties": sheet_properties(sheet, index)}
                       for index, sheet in enumerate(book["sheets"])],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{key}/edit",
        }

    @staticmethod
    def _file(book: dict) -> dict:
        return {"kind": "drive#file", "id": book["spreadsheetId"], "name": book["title"],
                "mimeType": SPREADSHEET_MIME, "modifiedTime": book["modifiedTime"],
                "createdTime": book["createdTime"]}

    def drive_file(self, key: str) -> dict:
        """Drive files.get; 404 'File not found' when unknown."""
        try:
            return self._file(self.snapshot(key))
        except KeyError:
            raise ApiError(404, f"File not found: {key}.") from None

    def drive_files(self, hidden: Callable[[str], bool] = lambda key: False) -> list[dict]:
        """Every file Drive would list (all but the `hidden` ones)."""
        with self._lock:
            books = list(self._books.values())
        return [self._file(b) for b in books if not hidden(b["spreadsheetId"])]
