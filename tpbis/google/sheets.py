"""Read village spreadsheets through gspread, inside Google's quota; and the one way to
connect to Google (`connect`), for reading, writing back and creating sheets alike.

The normal path costs exactly one Sheets read per changed spreadsheet: a single
`values:batchGet` for all template tabs, with no metadata read (gspread's `open_by_key`
would add one). Only when Google answers 400 because a tab is missing do we read the
metadata once and retry with the tabs that exist. Which spreadsheets changed is Drive's to
say (tpbis/google/drive.py); pacing and retries are the HTTP client's (tpbis/google/http.py).
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote

import msgspec
import orjson
import requests
import requests.adapters
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL

from tpbis.google import global_limit
from tpbis.google.client import make_client
from tpbis.google.http import PacedHTTPClient, RequestStats
from tpbis.google.pacing import RateLimiter
from tpbis.google.titles import fold, quote_title
from tpbis.settings import CREATE_SCOPES, READ_SCOPES, WRITE_SCOPES, Settings
from transforms.columns import TEMPLATE_TABS

VALUE_PARAMS = {
    # Numbers as numbers and dates as serials: the one rendering that does not depend on the
    # spreadsheet's locale (FORMATTED_VALUE turns 1234 into "1.234" in an Indonesian sheet).
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}


class FetchError(Exception):
    """A village's sheet could not be fetched. `code` is stable; `message` is for province staff."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status

    def __reduce__(self):  # picklable, so a fetch chunk can run in another process (Dask)
        return (FetchError, (self.code, self.message, self.status))


@dataclass
class Connection:
    """A gspread client plus the limiters and counters every fetch thread shares."""

    client: object
    http: PacedHTTPClient
    stats: RequestStats
    service_account: str


def connect(settings: Settings, *, write: bool = False, create: bool = False) -> Connection:
    """A paced gspread connection: read-only by default; `write` adds the Sheets write scope
    (the Validasi write-back), `create` also Drive's `drive.file` (a new village's sheet).
    Reads always pace on the shared quota, across processes too (TPBIS_GLOBAL_RATE_LIMIT)."""
    stats = RequestStats()
    client = make_client(
        settings.sheets_api_url, settings.drive_api_url,
        settings.credentials_file,
        CREATE_SCOPES if create else WRITE_SCOPES if write else READ_SCOPES,
        http_client_class=PacedHTTPClient, auth=settings.auth,
        reads=global_limit.wrap(RateLimiter(settings.reads_per_minute), settings=settings),  # + shared quota across processes
        writes=RateLimiter(settings.writes_per_minute),
        max_attempts=settings.max_attempts,
        backoff_base=settings.backoff_base,
        stats=stats,
    )
    # every fetch thread of every concurrent chunk keeps its connection alive (requests' default
    # pool of 10 would discard and reopen connections under load)
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=4 * max(1, settings.fetch_workers))
    for prefix in ("http://", "https://"):
        client.http_client.session.mount(prefix, adapter)
    return Connection(client, client.http_client, stats, _service_account(settings, client.http_client.auth))


def _service_account(settings: Settings, creds=None) -> str:
    from tpbis.google.auth import account_email
    if account_email(creds):                # ADC: a VM's or an impersonated service account
        return account_email(creds)
    if settings.is_local or not settings.credentials_file:
        return "akun layanan (service account) provinsi"
    try:
        with open(settings.credentials_file, encoding="utf-8") as f:
            return json.load(f).get("client_email", "akun layanan provinsi")
    except OSError:
        return "akun layanan provinsi"


class Workbook:
    """What one fetch brought back: the cells of every template tab found, as received.

    A fetch keeps the batchGet answer's bytes (`from_answer`), checked but not decoded: the
    sync's process only hands them on to a parse worker (pickled as one bytes object), which
    decodes them once, when the cells are first asked for. Decoding them in the fetch thread
    too, to check them and to write the payload again, was ~0.3 ms of CPU per ordinary sheet
    in the process that fetches and loads. A workbook can also be made of cells (replay, tests)."""

    def __init__(self, spreadsheet_key: str, value_ranges: dict[str, list[list]] | None, reads: int = 0,
                 fetched_at: float = 0.0):
        self.spreadsheet_key, self.reads, self.fetched_at = spreadsheet_key, reads, fetched_at
        self._cells = value_ranges
        self._answer: tuple[bytes, tuple[str, ...]] | None = None
        self._from_json = False

    @classmethod
    def from_answer(cls, spreadsheet_key: str, answer: bytes, titles: list[str] | tuple[str, ...], reads: int = 0,
                    fetched_at: float = 0.0) -> "Workbook":
        """A workbook from a batchGet answer's bytes (valid JSON: `_batch_get` checked it) for
        these tab titles, in the order they were asked for."""
        wb = cls(spreadsheet_key, None, reads, fetched_at)
        wb._answer = (answer, tuple(titles))
        return wb

    @property
    def value_ranges(self) -> dict[str, list[list]]:
        if self._cells is None:
            answer, titles = self._answer
            try:
                decoded, self._from_json = orjson.loads(answer), True
            except orjson.JSONDecodeError:  # what only the standard library reads: NaN, a 65-bit integer...
                decoded, self._from_json = json.loads(answer), False
            ranges = decoded.get("valueRanges", [])
            self._cells = {title: vr.get("values", []) for title, vr in zip(titles, ranges)}
        return self._cells

    @property
    def from_json(self) -> bool:
        """Whether orjson decoded the answer (then orjson writes its cells back exactly)."""
        if self._cells is None:
            self.value_ranges                           # noqa: B018 - decoding tells
        return self._from_json

    def __reduce__(self):
        if self._answer is not None:
            return (Workbook.from_answer, (self.spreadsheet_key, *self._answer, self.reads, self.fetched_at))
        return (Workbook, (self.spreadsheet_key, self.value_ranges, self.reads, self.fetched_at))

    def __repr__(self) -> str:
        size = len(self._answer[0]) if self._answer is not None else len(self.payload)
        return f"Workbook({self.spreadsheet_key!r}, reads={self.reads}, {size:,} bytes)"

    @cached_property
    def payload(self) -> bytes:
        """The cells as JSON, serialised once: landed in raw.payloads and hashed.

        orjson refuses what only an odd answer holds (an integer beyond 64 bits, a lone
        surrogate); such a payload is written by the standard library instead, as ASCII JSON
        (so it still lands, as valid UTF-8, and still hashes the same every night)."""
        try:
            return orjson.dumps(self.value_ranges)
        except (TypeError, orjson.JSONEncodeError):
            return json.dumps(self.value_ranges, ensure_ascii=True, separators=(",", ":"),
                              default=repr).encode("ascii")

    @cached_property
    def content_hash(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()


def fetch_workbook(conn: Connection, key: str, tabs: list[str] = TEMPLATE_TABS) -> Workbook:
    """One `values:batchGet` for all template tabs; a metadata read only when a tab is missing."""
    reads_before = conn.stats.this_thread("sheets.read")
    try:
        try:
            titles = list(tabs)
            body = _batch_get(conn, key, titles)
        except APIError as e:
            if e.response.status_code != 400:
                raise
            meta = conn.http.fetch_sheet_metadata(key, params={"fields": "sheets.properties.title"})
            present = {fold(s["properties"]["title"]): s["properties"]["title"] for s in meta.get("sheets", [])}
            titles = [present[fold(t)] for t in tabs if fold(t) in present]
            body = _batch_get(conn, key, titles) if titles else b'{"valueRanges": []}'
    except APIError as e:
        raise _fetch_error(e, conn.service_account) from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        raise FetchError("truncated_response", "Jawaban server terpotong (kurang dari panjang yang dijanjikan), "
                                               "berulang kali.") from None
    except (requests.ConnectionError, requests.Timeout) as e:
        raise FetchError("unreachable", f"Server tidak menjawab setelah beberapa percobaan ({type(e).__name__}).") from None
    reads = conn.stats.this_thread("sheets.read") - reads_before
    return Workbook.from_answer(key, body, titles, reads, time.time())     # decoded in a parse worker


class _Range(msgspec.Struct):
    values: msgspec.Raw = msgspec.Raw(b"[]")


class _Answer(msgspec.Struct):
    valueRanges: list[_Range] = []


_ANSWER = msgspec.json.Decoder(_Answer)     # checks an answer's JSON without making its cells


def _batch_get(conn: Connection, key: str, titles: list[str]) -> bytes:
    """batchGet's answer, checked; a body that is not JSON (a broken proxy answer) is retried
    like a 5xx.

    gspread's `values_batch_get` without its `response.json()`: the same request through the
    same client (key escaped as one path segment). The body is checked in C (msgspec: its
    cells skipped, not made into Python objects) and returned as bytes, for a parse worker
    to decode. One that check refuses (NaN, a lone surrogate: JSON only the standard library
    reads, or not JSON at all) is decoded by the standard library to tell which."""
    url = SPREADSHEET_VALUES_BATCH_URL % quote(str(key), safe="")
    params = {**VALUE_PARAMS, "ranges": [quote_title(t) for t in titles]}
    for attempt in range(1, conn.http.max_attempts + 1):
        try:
            content = conn.http.request("get", url, params=params).content
            try:
                _ANSWER.decode(content)
            except msgspec.DecodeError:
                json.loads(content)
            return content
        except ValueError:
            conn.stats.add("http.malformed")
            if attempt == conn.http.max_attempts:
                raise FetchError("malformed_response", "Jawaban server bukan JSON yang sah, berulang kali.") from None
            time.sleep(conn.http.backoff(attempt))
    raise AssertionError("unreachable")


def _fetch_error(e: APIError, service_account: str) -> FetchError:
    status = e.response.status_code
    if status == 403:
        return FetchError("permission_denied",
                          f"Tidak ada izin membaca spreadsheet: bagikan ke {service_account} sebagai Viewer.", status)
    if status == 404:
        return FetchError("not_found", "Spreadsheet tidak ditemukan (dihapus, atau kunci di registri salah).", status)
    if status == 429:
        return FetchError("quota_exhausted", "Kuota Google Sheets habis setelah beberapa percobaan.", status)
    if status >= 500:
        return FetchError("server_error", f"Server Google gagal ({status}) setelah beberapa percobaan.", status)
    return FetchError("api_error", f"Google menolak permintaan ({status}): {e.error.get('message', '')}", status)
