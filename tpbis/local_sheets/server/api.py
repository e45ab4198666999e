"""The endpoints: routing a request to the store, through faults, quota and counters.

Kept apart from the HTTP plumbing (server.py) so the order of the checks is in one place:
count the request, then an injected fault for its spreadsheet, then the quota (only a
request that gets past it uses a slot), then the work itself.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, Callable
from urllib.parse import unquote

from tpbis.local_sheets.server import batch_update, drive, values
from tpbis.local_sheets.server.faults import QUOTA_KIND, READ_KINDS, Counters, Faults, Quota
from tpbis.local_sheets.server.store import Store
from tpbis.local_sheets.server.values import ApiError

FAULT_MESSAGES = {
    400: "Invalid argument.", 401: "Request had invalid authentication credentials.",
    403: "The caller does not have permission", 404: "Requested entity was not found.",
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
         "minute per user' of service 'sheets.googleapis.com' for consumer "
         "'project_number:000000000000'.",
    500: "Internal error encountered.", 502: "Bad Gateway",
    503: "The service is currently unavailable.", 504: "Deadline exceeded.",
}
WRITE_QUOTA_MESSAGE = FAULT_MESSAGES[429].replace("Read requests", "Write requests")

_SHEET = r"^/v4/spreadsheets/(?P<key>[^/:]+)"
ROUTES: list[tuple[str, re.Pattern, str, str]] = [
    (m, re.compile(p), kind, name) for m, p, kind, name in [
        ("POST", r"^/v4/spreadsheets$", "sheets.create", "create_spreadsheet"),
        ("GET", _SHEET + r"$", "sheets.metadata", "metadata"),
        ("POST", _SHEET + r":batchUpdate$", "sheets.batchUpdate", "batch_update"),
        ("GET", _SHEET + r"/values:batchGet$", "sheets.batchGet", "batch_get"),
        ("POST", _SHEET + r"/values:batchUpdate$", "sheets.values.write", "values_batch_update"),
        ("POST", _SHEET + r"/values:batchClear$", "sheets.values.write", "values_batch_clear"),
        ("POST", _SHEET + r"/values/(?P<range>[^/]+):clear$", "sheets.values.write", "clear"),
        ("POST", _SHEET + r"/values/(?P<range>[^/]+):append$", "sheets.values.write",
         "append"),
        ("GET", _SHEET + r"/values/(?P<range>[^/]+)$", "sheets.values.get", "values_get"),
        ("PUT", _SHEET + r"/values/(?P<range>[^/]+)$", "sheets.values.write", "update"),
        ("GET", r"^/drive/v3/files$", "drive.files.list", "files_list"),
        ("POST", r"^/drive/v3/files$", "drive.files.create", "files_create"),
        ("GET", r"^/drive/v3/files/(?P<key>[^/]+)$", "drive.files.get", "files_get"),
        ("DELETE", r"^/drive/v3/files/(?P<key>[^/]+)$", "drive.files.delete",
         "files_delete"),
    ]
]

Response = tuple[int, bytes, dict[str, str]]


def encode(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Api:
    """Turns (method, path, query, body) into (status, body bytes, extra headers)."""

    def __init__(self, store: Store, faults: Faults, quota: Quota, counters: Counters):
        self.store, self.faults, self.quota, self.counters = store, faults, quota, counters

    def dispatch(self, method: str, path: str, query: dict[str, list[str]],
                 raw_body: bytes) -> Response:
        if self.faults.latency:
            time.sleep(self.faults.latency)
        for route_method, pattern, kind, name in ROUTES:
            match = pattern.match(path) if route_method == method else None
            if match:
                break
        else:
            return self._error(ApiError(404, f"Method not found: {method} {path}"))
        groups = {k: unquote(v) for k, v in match.groupdict().items()}
        key = groups.get("key")
        self.counters.add(kind, key)
        try:
            if key is not None:
                fault = self.faults.take(key)
                if fault is not None:
                    return self._fault(fault, key)
            wait = self.quota.acquire(kind)
            if wait is not None:
                self.counters.add(QUOTA_KIND, key)
                message = FAULT_MESSAGES[429] if kind in READ_KINDS else WRITE_QUOTA_MESSAGE
                raise ApiError(429, message, headers={"Retry-After": str(wait)})
            body = self._json(raw_body)
            handler: Callable = getattr(self, name)
            status, payload = handler(groups, query, body)
            if not isinstance(payload, bytes):
                payload = b"" if payload is None else encode(payload)
            return status, payload, {}
        except ApiError as error:
            return self._error(error)

    @staticmethod
    def _error(error: ApiError) -> Response:
        return error.code, encode(error.body()), error.headers

    @staticmethod
    def _json(raw: bytes) -> Any:
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "Invalid JSON payload received.") from None

    def _fault(self, fault, key: str) -> Response:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
        if fault.malformed:
            return 200, ('{"spreadsheetId":"%s","valueRanges":[{"range":"' % key).encode(), {}
        message = FAULT_MESSAGES.get(fault.code, "Injected fault.")
        return self._error(ApiError(fault.code, message, headers=headers))

    # -- Sheets reads ------------------------------------------------------------------------
    def metadata(self, groups, query, body):
        return 200, self.store.metadata(groups["key"])

    def batch_get(self, groups, query, body):
        key = groups["key"]
        book = self.store.view(key)
        options = _render_options(query)
        texts = query.get("ranges", [])
        ranges = [values.read_range(book, text, *options) for text in texts]
        odd = [self._odd(key, book, text) for text in texts]
        if not any(odd):
            return 200, {"spreadsheetId": key, "valueRanges": ranges}
        parts = [_spliced(r, o) if o else encode(r) for r, o in zip(ranges, odd)]
        return 200, (encode({"spreadsheetId": key})[:-1] + b',"valueRanges":[' + b",".join(parts) + b"]}")

    def values_get(self, groups, query, body):
        book = self.store.view(groups["key"])
        found = values.read_range(book, groups["range"], *_render_options(query))
        odd = self._odd(groups["key"], book, groups["range"])
        return 200, (_spliced(found, odd) if odd else found)

    def _odd(self, key: str, book: dict, text: str) -> tuple[str, bool] | None:
        """The odd values injected for the tab a range names (faults.odd_values), if any."""
        sheet, _ = values.locate(book, text)
        return self.faults.odd_for(key, sheet["title"])

    # -- Sheets writes -----------------------------------------------------------------------
    def create_spreadsheet(self, groups, query, body):
        props = body.get("properties", {})
        titles = [s.get("properties", {}).get("title") for s in body.get("sheets", [])]
        key = self.store.create(props.get("title", "Untitled spreadsheet"),
                                props.get("locale", "en_US"), props.get("timeZone", "Etc/GMT"),
                                [t for t in titles if t] or None)
        return 200, self.store.metadata(key)

    def batch_update(self, groups, query, body):
        key = groups["key"]
        replies = self.store.modify(
            key, lambda book: batch_update.apply_requests(book, body.get("requests")))
        return 200, {"spreadsheetId": key, "replies": replies}

    def update(self, groups, query, body):
        option = _one(query, "valueInputOption")
        if option is None:
            raise ApiError(400, "'valueInputOption' is required but not specified")
        return 200, self.store.modify(groups["key"], lambda book: values.write_range(
            book, groups["range"], body.get("values", []),
            body.get("majorDimension") or "ROWS", option))

    def append(self, groups, query, body):
        option = _one(query, "valueInputOption") or "RAW"
        return 200, self.store.modify(groups["key"], lambda book: values.append_rows(
            book, groups["range"], body.get("values", []),
            body.get("majorDimension") or "ROWS", option))

    def values_batch_update(self, groups, query, body):
        key = groups["key"]
        option = body.get("valueInputOption")
        if option is None:
            raise ApiError(400, "'valueInputOption' is required but not specified")

        def write_all(book):
            return [values.write_range(book, item["range"], item.get("values", []),
                                       item.get("majorDimension") or "ROWS", option)
                    for item in body.get("data", [])]

        responses = self.store.modify(key, write_all)
        return 200, {
            "spreadsheetId": key,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0]
                                       for r in responses}),
            "responses": responses,
        }

    def clear(self, groups, query, body):
        key = groups["key"]
        cleared = self.store.modify(key, lambda book: values.clear_range(book, groups["range"]))
        return 200, {"spreadsheetId": key, "clearedRange": cleared}

    def values_batch_clear(self, groups, query, body):
        key = groups["key"]
        cleared = self.store.modify(key, lambda book: [
            values.clear_range(book, text) for text in body.get("ranges", [])])
        return 200, {"spreadsheetId": key, "clearedRanges": cleared}

    # -- Drive -------------------------------------------------------------------------------
    def files_list(self, groups, query, body):
        files = self.store.drive_files(hidden=self.faults.hidden)
        return 200, drive.list_files(files, _one(query, "q"), _one(query, "pageSize"),
                                     _one(query, "pageToken"))

    def files_get(self, groups, query, body):
        return 200, self.store.drive_file(groups["key"])

    def files_create(self, groups, query, body):
        if body.get("mimeType") != drive.SPREADSHEET_MIME:
            raise ApiError(400, "Only Google Sheets files can be created here.")
        key = self.store.create(body.get("name", "Untitled spreadsheet"))
        file = self.store.drive_file(key)
        return 200, {k: file[k] for k in ("kind", "id", "name", "mimeType")}

    def files_delete(self, groups, query, body):
        if not self.store.delete(groups["key"]):
            raise ApiError(404, f"File not found: {groups['key']}.")
        return 204, None


def _spliced(value_range: dict, odd: tuple[str, bool]) -> bytes:
    """A ValueRange's JSON with raw JSON text appended to (or replacing) its `values`."""
    raw, append = odd
    base = {k: v for k, v in value_range.items() if k != "values"}
    rows = value_range.get("values", [])
    if append:
        inner = raw[1:-1].strip()
        spliced = encode(rows) if not inner else (
            encode(rows)[:-1] + b"," + inner.encode("utf-8") + b"]" if rows else raw.encode("utf-8"))
    else:
        spliced = raw.encode("utf-8")
    return encode(base)[:-1] + b',"values":' + spliced + b"}"


def _one(query: dict[str, list[str]], name: str, default: str | None = None) -> str | None:
    found = query.get(name)
    return found[-1] if found else default


def _render_options(query: dict[str, list[str]]) -> tuple[str, str, str]:
    return (_one(query, "valueRenderOption", "FORMATTED_VALUE"),
            _one(query, "dateTimeRenderOption", "SERIAL_NUMBER"),
            _one(query, "majorDimension", "ROWS"))
