"""Faults of the wire and of Drive's listing, on demand (next to faults.py's per-sheet ones).

- a body cut short: the headers promise `Content-Length: N`, fewer bytes arrive, then the
  connection closes (a proxy or a network that dropped the end of the answer);
- Drive `files.list` answering an HTTP error (a 500), or a body that is not JSON;
- Drive `files.list` listing entries that make no sense (no id, no or a garbage
  `modifiedTime`), next to the real ones.

The HTTP handler asks `apply()` what to send instead of the API's answer.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass

_LIST_PATH = "/drive/v3/files"
_SHEET_PATH = re.compile(r"^/v4/spreadsheets/(?P<key>[^/:]+)")
_ERROR_BODY = {500: b'{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}',
               503: b'{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}'}


@dataclass
class _Countdown:
    remaining: int | None          # None: until cleared

    def take(self) -> bool:
        if self.remaining is None:
            return True
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True


class WireFaults:
    """Truncated bodies per sheet; errors, broken bodies and odd entries of Drive's listing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._truncated: dict[str, _Countdown] = {}
        self._drive_status: tuple[int, _Countdown] | None = None
        self._drive_malformed: _Countdown | None = None
        self.drive_extra_entries: list = []

    def truncate(self, key: str, times: int | None = 1) -> None:
        """Cut the body of the next `times` Sheets answers for `key` (None: every one)."""
        with self._lock:
            self._truncated[key] = _Countdown(times)

    def drive_status(self, code: int, times: int | None = 1) -> None:
        """Answer `code` to the next `times` files.list requests (None: every one)."""
        with self._lock:
            self._drive_status = (code, _Countdown(times))

    def drive_malformed(self, times: int | None = 1) -> None:
        """Answer 200 with a body that is not JSON to the next `times` files.list requests."""
        with self._lock:
            self._drive_malformed = _Countdown(times)

    def drive_entries(self, entries: list) -> None:
        """Add these raw entries to the `files` of every files.list page (odd ones, usually)."""
        with self._lock:
            self.drive_extra_entries = list(entries)

    def clear(self) -> None:
        with self._lock:
            self.__init__()

    def apply(self, method: str, path: str, status: int, body: bytes) -> tuple[int, bytes, int | None]:
        """(status, body, bytes to send or None for all) for this request's answer."""
        with self._lock:
            if method == "GET" and path == _LIST_PATH:
                if self._drive_status and self._drive_status[1].take():
                    code = self._drive_status[0]
                    return code, _ERROR_BODY.get(code, b'{"error":{"code":%d}}' % code), None
                if self._drive_malformed and self._drive_malformed.take():
                    return 200, b'{"files":[{"id":"', None
                if self.drive_extra_entries and status == 200:
                    page = json.loads(body)
                    page["files"] = [*self.drive_extra_entries, *page.get("files", [])]
                    return status, json.dumps(page).encode(), None
            match = _SHEET_PATH.match(path)
            if match:
                countdown = self._truncated.get(match.group("key"))
                if countdown is not None and countdown.take():
                    return status, body, max(0, len(body) // 2)
        return status, body, None
