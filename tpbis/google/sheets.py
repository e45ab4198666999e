"""Read village spreadsheets through gspread, inside Google's quota.

The normal path costs exactly one Sheets read per changed spreadsheet: a single
`values:batchGet` for all template tabs, with no metadata read (gspread's `open_by_key`
would add one). Only when Google answers 400 because a tab is missing do we read the
metadata once and retry with the tabs that exist. Drive's `files.list` (1,000 files a page,
its own larger quota) tells which spreadsheets changed.

Every request goes through `PacedHTTPClient.request`: it waits for a slot of the shared
`RateLimiter`, retries 429/5xx/timeouts with exponential back-off and full jitter (honouring
`Retry-After`) a bounded number of times, and never retries 403/404: those are facts about
the village's sheet, not about the network.
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from urllib.parse import quote as quote_segment

import orjson

import requests
import requests.adapters
from gspread.exceptions import APIError

from transforms.columns import TEMPLATE_TABS
from tpbis.google import global_limit
from tpbis.google.client import RoutedHTTPClient, make_client
from tpbis.google.pacing import RateLimiter
from tpbis.settings import READ_SCOPES, WRITE_SCOPES, Settings

DRIVE_FILES_URL = "https://www.googleapis.com/drive/v3/files"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
VALUE_PARAMS = {
    # Numbers as numbers and dates as serials: the one rendering that does not depend on the
    # spreadsheet's locale (FORMATTED_VALUE turns 1234 into "1.234" in an Indonesian sheet).
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
# The connection dropped or the body arrived cut short (fewer bytes than Content-Length):
# nothing Google decided, so retried like a 5xx.
NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                  requests.exceptions.ContentDecodingError)
log = logging.getLogger(__name__)


class FetchError(Exception):
    """A village's sheet could not be fetched. `code` is stable; `message` is for province staff."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status

    def __reduce__(self):  # picklable, so a fetch chunk can run in another process (Dask)
        return (FetchError, (self.code, self.message, self.status))


@dataclass
class RequestStats:
    """Requests sent, by kind (sheets.read, sheets.write, drive) and outcome; thread-safe.

    Besides the process-wide totals, each thread keeps its own counts, so that a fetch (which
    runs on one thread) knows exactly what it cost even while other threads fetch too.
    """

    counts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)

    def add(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.counts[key] += n
        mine = getattr(self.local, "counts", None)
        if mine is None:
            mine = self.local.counts = Counter()
        mine[key] += n

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)

    def this_thread(self, key: str) -> int:
        return getattr(self.local, "counts", Counter()).get(key, 0)


def _kind(method: str, url: str) -> str:
    if "/drive/" in url:
        return "drive"
    return "sheets.read" if method.lower() == "get" else "sheets.write"


class PacedHTTPClient(RoutedHTTPClient):
    """gspread's HTTP client with pacing, bounded retries and request counting."""

    def __init__(self, *args, reads: RateLimiter, writes: RateLimiter, max_attempts: int = 6,
                 backoff_base: float = 1.0, stats: RequestStats | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.limiters = {"sheets.read": reads, "sheets.write": writes}
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.stats = stats or RequestStats()

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, base * 2^(attempt-1)], capped at 64 s."""
        return random.uniform(0, min(64.0, self.backoff_base * 2 ** (attempt - 1)))

    def request(self, method, endpoint, *args, **kwargs):
        kind = _kind(method, endpoint)
        limiter = self.limiters.get(kind)
        for attempt in range(1, self.max_attempts + 1):
            if limiter is not None:
                limiter.acquire()
            self.stats.add(kind)
            try:
                return super().request(method, endpoint, *args, **kwargs)
            except APIError as e:
                status = e.response.status_code
                if status not in RETRY_STATUSES or attempt == self.max_attempts:
                    raise
                delay = self.backoff(attempt)
                if status == 429:
                    self.stats.add("http.429")
                    retry_after = _retry_after(e.response)
                    if limiter is not None and retry_after:
                        limiter.pause(retry_after)
                    delay = max(delay, retry_after or 0.0)
                else:
                    self.stats.add("http.5xx")
            except NETWORK_ERRORS:
                if attempt == self.max_attempts:
                    raise
                self.stats.add("http.network")
                delay = self.backoff(attempt)
            time.sleep(delay)
        raise AssertionError("unreachable")


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


@dataclass
class Connection:
    """A gspread client plus the limiters and counters every fetch thread shares."""

    client: object
    http: PacedHTTPClient
    stats: RequestStats
    service_account: str


def connect(settings: Settings, *, write: bool = False) -> Connection:
    stats = RequestStats()
    client = make_client(
        settings.sheets_api_url, settings.drive_api_url,
        settings.credentials_file,
        WRITE_SCOPES if write else READ_SCOPES,
        http_client_class=PacedHTTPClient, auth=settings.auth,
        reads=global_limit.wrap(RateLimiter(settings.reads_per_minute)),  # + shared quota across processes
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


def list_modified_times(conn: Connection) -> dict[str, str]:
    """Every spreadsheet the service account can see, with its Drive `modifiedTime`.

    One `files.list` call per 1,000 files, each retried like a Sheets read (5xx, 429,
    timeouts, a cut or non-JSON body). A sheet whose share was revoked or that was deleted is
    simply absent, and an absent sheet is always read: so an entry that makes no sense
    (no id, no or an unreadable `modifiedTime`) is left out, and a listing that still cannot
    be read after the retries ends here with what was listed so far (one warning line). The
    sheets it did not list are then read, and each fetch tells the truth about its village.
    """
    params = {
        "q": f"mimeType='{SPREADSHEET_MIME}' and trashed=false",
        "pageSize": 1000,
        "fields": "nextPageToken,files(id,modifiedTime)",
        "supportsAllDrives": "true",
        "includeItemsFromAllDrives": "true",
    }
    found: dict[str, str] = {}
    doubtful: set[str] = set()          # listed with no readable modifiedTime: read them
    tokens: set[str] = set()
    while True:
        try:
            page = _drive_page(conn, params)
        except (APIError, *NETWORK_ERRORS, ValueError) as e:
            _warn(f"Drive files.list unreadable after {conn.http.max_attempts} attempts ({_describe(e)}): "
                  f"{len(found)} sheets listed; every other sheet is read this run")
            break
        files = page.get("files")
        for f in files if isinstance(files, list) else []:
            key, modified = _listed_entry(f)
            if key is not None and modified is not None:
                found[key] = modified
            elif key is not None:
                doubtful.add(key)
        token = page.get("nextPageToken")
        if not token or not isinstance(token, str) or token in tokens:
            break
        tokens.add(token)
        params = {**params, "pageToken": token}
    for key in doubtful:
        found.pop(key, None)
    return found


def _drive_page(conn: Connection, params: dict) -> dict:
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


@dataclass
class Workbook:
    """What one fetch brought back: the cells of every template tab found, as received."""

    spreadsheet_key: str
    value_ranges: dict[str, list[list]]
    reads: int
    fetched_at: float

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


def drive_file_url(key: str) -> str:
    """Drive files.get URL of a spreadsheet, its key escaped as one path segment."""
    return f"{DRIVE_FILES_URL}/{quote_segment(str(key), safe='')}"


def _quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _norm(title: str) -> str:
    return " ".join(title.split()).casefold()


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
            present = {_norm(s["properties"]["title"]): s["properties"]["title"] for s in meta.get("sheets", [])}
            titles = [present[_norm(t)] for t in tabs if _norm(t) in present]
            body = _batch_get(conn, key, titles) if titles else {"valueRanges": []}
    except APIError as e:
        raise _fetch_error(e, conn.service_account) from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        raise FetchError("truncated_response", "Jawaban server terpotong (kurang dari panjang yang dijanjikan), "
                                               "berulang kali.") from None
    except (requests.ConnectionError, requests.Timeout) as e:
        raise FetchError("unreachable", f"Server tidak menjawab setelah beberapa percobaan ({type(e).__name__}).") from None
    ranges = body.get("valueRanges", [])
    value_ranges = {title: vr.get("values", []) for title, vr in zip(titles, ranges)}
    return Workbook(key, value_ranges, conn.stats.this_thread("sheets.read") - reads_before, time.time())


def _batch_get(conn: Connection, key: str, titles: list[str]) -> dict:
    """batchGet, retrying a body that is not JSON (a broken proxy answer) like a 5xx."""
    for attempt in range(1, conn.http.max_attempts + 1):
        try:
            return conn.http.values_batch_get(key, [_quote(t) for t in titles], params=dict(VALUE_PARAMS))
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
