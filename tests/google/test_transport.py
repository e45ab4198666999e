"""The session under gspread (tpbis/google/transport.py): plain reads on urllib3 answer as
requests would, errors are requests' own, and what requests does more (a proxy, a token
refresh, a redirect) is still done, by requests."""
from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest
import requests
from hypothesis import given, strategies as st
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport.requests import AuthorizedSession

from tpbis.google import sheets
from tpbis.google.transport import LeanSession, _query
from tpbis.settings import Settings
from tests.helpers import KEYS

BATCH = "/v4/spreadsheets/{key}/values:batchGet"
PARAMS = {"ranges": ["'Profil'", "'Kunjungan'"], "valueRenderOption": "UNFORMATTED_VALUE"}


def sessions() -> tuple[requests.Session, LeanSession]:
    plain = AuthorizedSession(AnonymousCredentials())
    plain.trust_env = False
    return plain, LeanSession(AuthorizedSession(AnonymousCredentials()), AnonymousCredentials())


@pytest.mark.parametrize("path, params", [
    (BATCH.format(key=KEYS["14.03.02.2008"]), PARAMS),                       # an answer
    (BATCH.format(key="no-such-sheet"), PARAMS),                              # 404, Google's error JSON
    (f"/v4/spreadsheets/{KEYS['14.03.02.2008']}", {"fields": "sheets.properties.title"}),
    ("/drive/v3/files", {"pageSize": 2, "fields": "files(id,modifiedTime),nextPageToken"}),
])
def test_a_plain_read_answers_as_requests_answers_it(sheets_server, path, params):
    plain, lean = sessions()
    lean.trust_env = False
    want = plain.request("GET", sheets_server.url + path, params=params, timeout=(5, 60))
    got = lean.request("GET", sheets_server.url + path, params=params, timeout=(5, 60))
    assert (got.status_code, got.ok, got.content, got.headers["Content-Type"]) == \
        (want.status_code, want.ok, want.content, want.headers["Content-Type"])
    assert got.json() == want.json() and got.text == want.text


@pytest.mark.parametrize("params", [
    {"valueRenderOption": None, "ranges": ["'Profil'", None, "A 1&b=c"]},     # None left out, as requests does
    [("ranges", "x"), ("ranges", "y"), ("n", 3), ("flag", True)],
    "ranges=Profil&majorDimension=ROWS",
    {"é ü": "ñ/?#%"},
])
def test_the_query_string_is_the_one_requests_writes(sheets_server, params):
    plain, lean = sessions()
    url = sheets_server.url + BATCH.format(key=KEYS["14.03.02.2008"])
    assert lean.request("GET", url, params=params, timeout=(5, 60)).url == \
        plain.request("GET", url, params=params, timeout=(5, 60)).url


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_VALUE = st.one_of(st.none(), _TEXT, st.integers(), st.booleans())


@given(st.one_of(st.dictionaries(_TEXT, st.one_of(_VALUE, st.lists(_VALUE, max_size=3)), max_size=4),
                 st.lists(st.tuples(_TEXT, _VALUE), max_size=4)))
def test_any_params_make_the_url_requests_makes(params):
    """Whatever keys and values a caller passes (text in any script, numbers, None, lists),
    the URL a lean read asks for is the one requests prepares."""
    base = "http://127.0.0.1:9/v4/spreadsheets/k/values:batchGet"
    query = _query(params)
    assert base + ("?" + query if query else "") == requests.Request("GET", base, params=params).prepare().url


def test_the_headers_sent_are_the_ones_requests_sends():
    """Session headers merged with the call's, case-insensitively, a None taking one out."""
    def echo(handler):
        return 200, json.dumps(sorted((k.lower(), v) for k, v in handler.headers.items())).encode()

    with _server(echo) as url:
        seen = []
        for session in sessions():
            session.headers.update({"X-Session": "1", "X-Dropped": "2"})
            seen.append(session.request("GET", url, headers={"x-session": "call", "X-Dropped": None,
                                                             "X-Call": "3"}, timeout=(5, 60)).json())
    assert seen[0] == seen[1]
    assert ["x-call", "3"] in seen[1] and ["x-session", "call"] in seen[1]
    assert "x-dropped" not in {k for k, _ in seen[1]}


def test_settings_set_on_the_session_are_used_from_then_on(sheets_server, monkeypatch):
    """gspread's callers set a session's attributes (trust_env, proxies): the next read uses them."""
    _, lean = sessions()
    url = sheets_server.url + BATCH.format(key=KEYS["14.03.02.2008"])
    assert lean.request("GET", url, params=PARAMS, timeout=(5, 60)).ok
    lean.proxies = {"http": f"http://127.0.0.1:{_free_port()}"}
    assert lean._session.proxies == lean.proxies
    with pytest.raises(requests.exceptions.ProxyError):
        lean.request("GET", url, params=PARAMS, timeout=(5, 60))


def test_a_plain_read_does_not_go_through_requests(sheets_server, monkeypatch):
    """The point of the session: a read skips requests' preparation (its CPU per read)."""
    conn = sheets.connect(Settings(sheets_api_url=sheets_server.url, drive_api_url=sheets_server.url,
                                   reads_per_minute=None))
    monkeypatch.setattr(requests.Session, "request", lambda *a, **k: pytest.fail("sent through requests"))
    wb = sheets.fetch_workbook(conn, KEYS["14.03.02.2008"])
    assert len(wb.value_ranges["Kunjungan"]) > 10


def test_a_cut_body_and_a_refused_connection_raise_what_requests_raises(sheets_server):
    key = KEYS["14.03.02.2008"]
    url = sheets_server.url + BATCH.format(key=key)
    for session in sessions():
        sheets_server.wire.truncate(key, times=1)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            session.request("GET", url, params=PARAMS, timeout=(5, 60))
        with pytest.raises(requests.ConnectionError):
            session.request("GET", f"http://127.0.0.1:{_free_port()}/x", timeout=(5, 60))


def test_an_operators_proxy_is_still_used(sheets_server, monkeypatch):
    """With HTTP_PROXY set (and the session trusting the environment, as it does for Google),
    a read goes to the proxy, as requests sends it: here a port where nothing listens, so it
    fails, and the server never sees it."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_free_port()}")
    _, lean = sessions()
    before = sheets_server.counters.total()
    with pytest.raises(requests.exceptions.ProxyError):
        lean.request("GET", sheets_server.url + BATCH.format(key=KEYS["14.03.02.2008"]), params=PARAMS,
                     timeout=(5, 60))
    assert sheets_server.counters.total() == before


class _Refreshing(Credentials):
    """A token that the server refuses until it is refreshed."""

    def __init__(self):
        super().__init__()
        self.token, self.refreshed = "stale", 0

    def refresh(self, request):
        self.token, self.refreshed = "fresh", self.refreshed + 1


def test_a_refused_token_is_refreshed_and_the_read_sent_again():
    seen = []

    def answer(handler):
        seen.append(handler.headers.get("Authorization"))
        if handler.headers.get("Authorization") != "Bearer fresh":
            return 401, b'{"error": {"code": 401, "message": "expired"}}'
        return 200, b'{"valueRanges": []}'

    with _server(answer) as url:
        creds = _Refreshing()
        lean = LeanSession(AuthorizedSession(creds), creds)
        got = lean.request("GET", url + "/v4/spreadsheets/k/values:batchGet", timeout=(5, 60))
    assert (got.status_code, got.json(), creds.refreshed) == (200, {"valueRanges": []}, 1)
    assert seen == ["Bearer stale", "Bearer stale", "Bearer fresh"]     # ours, requests' own, after refresh


def test_a_redirect_is_followed_as_requests_follows_it():
    def answer(handler):
        if handler.path.startswith("/old"):
            return 302, b"", {"Location": "/new"}
        return 200, b'{"at": "new"}'

    with _server(answer) as url:
        _, lean = sessions()
        got = lean.request("GET", url + "/old", timeout=(5, 60))
    assert (got.status_code, got.json()) == (200, {"at": "new"})


def test_https_reads_check_the_certificate_with_the_bundle_requests_uses(tmp_path, monkeypatch):
    """Google is HTTPS: a read on urllib3 checks the server's certificate against the CA
    bundle requests would use (here an operator's REQUESTS_CA_BUNDLE), and refuses one that
    bundle does not vouch for, with requests' own error."""
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                 "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    cert, key = _self_signed(tmp_path)
    with _server(lambda handler: (200, b'{"values": [["ok"]]}'), tls=(cert, key)) as url:
        for session in sessions():                      # no bundle knows this certificate
            session.trust_env = True
            with pytest.raises(requests.exceptions.SSLError):
                session.request("GET", url + "/v4/spreadsheets/k/values:batchGet", timeout=(5, 60))
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        _, lean = sessions()
        lean.trust_env = True
        monkeypatch.setattr(requests.Session, "request", lambda *a, **k: pytest.fail("sent through requests"))
        got = lean.request("GET", url + "/v4/spreadsheets/k/values:batchGet", timeout=(5, 60))
    assert got.json() == {"values": [["ok"]]}


def _self_signed(folder) -> tuple:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _server:
    """A one-purpose HTTP server on loopback: `answer(handler)` -> (status, body[, headers])."""

    def __init__(self, answer, tls: tuple | None = None):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status, body, *extra = answer(self)
                self.send_response(status)
                for k, v in (extra[0] if extra else {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._scheme = "http"
        if tls is not None:
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*map(str, tls))
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
            self._scheme = "https"

    def __enter__(self) -> str:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return f"{self._scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
