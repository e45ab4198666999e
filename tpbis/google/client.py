"""A gspread client for Google, or for any Sheets/Drive-compatible server on loopback.

gspread copies its Google URLs into module constants at import, so patching gspread.urls
does nothing; instead every request goes through RoutedHTTPClient.route(), which rewrites
the Google prefixes to the configured base URLs. Google itself goes through the very same
class (route() then changes nothing), so the sync has one code path. Subclass
RoutedHTTPClient (e.g. for pacing and retries) and pass it as `http_client_class`.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any
from urllib.parse import quote, urlsplit

import gspread
from gspread.http_client import HTTPClient

GOOGLE_SHEETS_API_URL = "https://sheets.googleapis.com"
GOOGLE_DRIVE_API_URL = "https://www.googleapis.com"
DEFAULT_SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
]


def is_loopback(url: str) -> bool:
    """Whether a base URL points at this machine (then no credentials are needed)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RoutedHTTPClient(HTTPClient):
    """gspread's HTTP client, sending Sheets and Drive calls to configurable base URLs."""

    def __init__(self, auth: Any, session: Any = None, *,
                 sheets_api_url: str = GOOGLE_SHEETS_API_URL,
                 drive_api_url: str = GOOGLE_DRIVE_API_URL) -> None:
        super().__init__(auth, session)
        self.sheets_api_url = sheets_api_url.rstrip("/")
        self.drive_api_url = drive_api_url.rstrip("/")

    def route(self, url: str) -> str:
        """The URL to call instead of gspread's Google URL (unchanged for Google)."""
        for google, target in ((GOOGLE_SHEETS_API_URL, self.sheets_api_url),
                               (GOOGLE_DRIVE_API_URL, self.drive_api_url)):
            if url == google or url.startswith(google + "/"):
                return target + url[len(google):]
        return url

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any):
        url = self.route(endpoint)
        if any(segment in (".", "..") for segment in urlsplit(url).path.split("/")):
            raise ValueError(f"refusing a URL with a '.' or '..' path segment: {url}")
        return super().request(method, url, *args, **kwargs)


def _escaping_key(method):
    """gspread formats a spreadsheet id into the URL path as is: escape it first, so that a
    key like `../x`, `a%2Fb` or `x?y=1` names a (missing) spreadsheet, never another endpoint.
    Ranges in paths are already escaped by gspread; ranges of batchGet are query parameters."""
    @functools.wraps(method)
    def escaped(self, id: str, *args: Any, **kwargs: Any):
        return method(self, quote(str(id), safe=""), *args, **kwargs)
    return escaped


for _name in ("batch_update", "values_update", "values_append", "values_clear", "values_batch_clear",
              "values_get", "values_batch_get", "values_batch_update", "spreadsheets_get",
              "spreadsheets_sheets_copy_to", "fetch_sheet_metadata", "get_file_drive_metadata",
              "export", "insert_permission", "list_permissions", "remove_permission", "import_csv"):
    setattr(RoutedHTTPClient, _name, _escaping_key(getattr(HTTPClient, _name)))



def make_client(sheets_api_url: str = GOOGLE_SHEETS_API_URL,
                drive_api_url: str = GOOGLE_DRIVE_API_URL,
                credentials_file: str | None = None,
                scopes: list[str] | None = None,
                timeout: float | tuple[float, float] | None = (5, 60),
                http_client_class: type[RoutedHTTPClient] = RoutedHTTPClient,
                auth: str = "auto",
                **http_client_kwargs: Any) -> gspread.Client:
    """A gspread.Client for the given Sheets and Drive base URLs.

    `auth` (TPBIS_AUTH, see tpbis.google.auth): with `auto`, loopback URLs get anonymous
    credentials (a local server needs none), anything else the key file `credentials_file`,
    or Google's application default credentials when there is none. Extra keyword arguments
    go to `http_client_class`'s constructor.
    """
    from tpbis.google.auth import credentials as make_credentials

    local = is_loopback(sheets_api_url) and is_loopback(drive_api_url)
    credentials: Any = make_credentials(auth, local=local, key_file=credentials_file,
                                        scopes=scopes or DEFAULT_SCOPES,
                                        where=f"{sheets_api_url} and {drive_api_url}")
    factory = functools.partial(http_client_class, sheets_api_url=sheets_api_url,
                                drive_api_url=drive_api_url, **http_client_kwargs)
    client = gspread.Client(auth=credentials, http_client=factory)  # type: ignore[arg-type]
    if local:
        client.http_client.session.trust_env = False  # no proxy for loopback
    client.set_timeout(timeout)
    return client
