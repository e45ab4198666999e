"""Read village spreadsheets through gspread, inside Google's quota; and the one way to
connect to Google (`connect`), for reading, writing back and creating sheets alike.

The normal path costs exactly one Sheets read per changed spreadsheet: a single
`values:batchGet` for all template tabs, with no metadata read (gspread's `open_by_key`
would add one). Only when Google answers 400 because a tab is missing do we read the
metadata once and retry with the tabs that exist. Which spreadsheets changed is Drive's to
say (tpbis/google/drive.py); pacing and retries are the HTTP client's (tpbis/google/http.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import quote

import msgspec
import requests
import requests.adapters
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL

from tpbis.google import global_limit
from tpbis.google.fetched import FetchError, Workbook
from tpbis.google.client import make_client
from tpbis.google.http import PacedHTTPClient, RequestStats
from tpbis.google.pacing import RateLimiter
from tpbis.google.titles import fold, quote_title
from tpbis.google.transport import LeanSession
from tpbis.settings import CREATE_SCOPES, READ_SCOPES, WRITE_SCOPES, Settings
from transforms.columns import TEMPLATE_TABS

VALUE_PARAMS = {
    # Numbers as numbers and dates as serials: the one rendering that does not depend on the
    # spreadsheet's locale (FORMATTED_VALUE turns 1234 into "1.234" in an Indonesian sheet).
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}


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
    connections = 4 * max(1, settings.fetch_workers)
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=connections)
    for prefix in ("http://", "https://"):
        client.http_client.session.mount(prefix, adapter)
    # plain reads on urllib3 (tpbis/google/transport.py), the rest on that session
    client.http_client.session = LeanSession(client.http_client.session, client.http_client.auth,
                                             pool_size=connections)
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
