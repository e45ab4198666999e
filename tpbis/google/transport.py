"""The session under gspread's HTTP client: plain reads on urllib3, everything else on requests.

gspread sends every call through `session.request(...)` of its HTTP client (google-auth's
`AuthorizedSession`, a `requests.Session`). For a plain GET, requests adds nothing the sync
uses, and costs: its request preparation, setting merges, hooks and response wrapping were
~0.26 ms of CPU per read on top of urllib3's own ~0.37 ms (0.63 ms in all, December 2026):
~0.5 s of the flow process's CPU per 2,000 sheets, on the two cores the parse workers need.

`LeanSession` sends a GET on urllib3 (the pool requests itself uses) only where requests
would add nothing: no body, no proxy for the host (environment settings resolved once per
host, as requests resolves them), certificate checks on (the CA bundle requests would use),
no client certificate, no cookies, no session-level auth, params or response hooks. Anything
else, and any answer that needs google-auth (401: the token refreshed, the request sent
again) or a redirect, goes to the `AuthorizedSession` unchanged. Errors are requests' own
exception types, as the retries (tpbis/google/http.py) expect: a connection that drops or a
body cut short is retried the same either way.
"""
from __future__ import annotations

import json as jsonlib
import os
import threading
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import (ConnectTimeoutError, DecodeError, NewConnectionError, ProtocolError,
                                ReadTimeoutError, SSLError)


class LeanResponse:
    """What gspread and the sync read of a response, as requests names it."""

    __slots__ = ("status_code", "headers", "content", "url")

    def __init__(self, status_code: int, headers: CaseInsensitiveDict, content: bytes, url: str):
        self.status_code, self.headers, self.content, self.url = status_code, headers, content, url

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self, **kwargs: Any) -> Any:
        return jsonlib.loads(self.content, **kwargs)


class LeanSession:
    """A `requests.Session` look-alike for gspread's HTTP client (see the module docstring).
    Attributes it does not have (headers, mount, trust_env, proxies...) are the wrapped
    session's, read and set."""

    def __init__(self, session: requests.Session, credentials: Any, *, pool_size: int = 10):
        self._session = session
        self._credentials = credentials
        self._pool_size = pool_size
        self._hosts: dict[tuple[str, str], urllib3.PoolManager | None] = {}
        self._lock = threading.Lock()
        self._token_transport = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):            # never the wrapped session's private parts (nor a
            raise AttributeError(name)      # loop while a copy is made, before _session is)
        return getattr(self._session, name)

    def __setattr__(self, name: str, value: Any) -> None:
        """A public attribute (trust_env, proxies, verify, cert...) is the wrapped session's,
        and what was decided per host from it is decided again."""
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        setattr(self._session, name, value)
        with self._lock:
            self._hosts.clear()

    def close(self) -> None:
        """Close every kept-alive connection, urllib3's and requests'."""
        with self._lock:
            pools, self._hosts = list(self._hosts.values()), {}
        for pool in pools:
            if pool is not None:
                pool.clear()
        self._session.close()

    def request(self, method: str, url: str, params: Any = None, data: Any = None, json: Any = None,
                files: Any = None, headers: Any = None, timeout: Any = None, **kwargs: Any):
        pool = None
        if method.upper() == "GET" and data is None and json is None and files is None and not kwargs:
            pool = self._plain(url)
        if pool is None:
            return self._session.request(method, url, params=params, data=data, json=json, files=files,
                                         headers=headers, timeout=timeout, **kwargs)
        query = _query(params)
        full = url + ("?" + query if query else "")
        sent = CaseInsensitiveDict(self._session.headers)      # merged as requests merges them
        sent.update(headers or {})
        for name in [k for k, v in sent.items() if v is None]:
            del sent[name]
        self._credentials.before_request(self._transport(), "GET", full, sent)
        try:
            answer = pool.request("GET", full, headers=sent, timeout=_timeout(timeout), retries=False,
                                  redirect=False, preload_content=False)
        except ConnectTimeoutError as e:
            raise requests.ConnectTimeout(e) from e
        except ReadTimeoutError as e:
            raise requests.ReadTimeout(e) from e
        except SSLError as e:
            raise requests.exceptions.SSLError(e) from e
        except (NewConnectionError, ProtocolError) as e:      # refused, or dropped before an answer
            raise requests.ConnectionError(e) from e
        try:
            content = answer.read()
        except ProtocolError as e:             # the body cut short of its Content-Length, or dropped
            raise requests.exceptions.ChunkedEncodingError(e) from e
        except DecodeError as e:
            raise requests.exceptions.ContentDecodingError(e) from e
        except ReadTimeoutError as e:
            raise requests.ConnectionError(e) from e
        finally:
            answer.release_conn()
        if answer.status == 401 or 300 <= answer.status < 400:      # google-auth's refresh; a redirect
            return self._session.request(method, url, params=params, headers=headers, timeout=timeout)
        return LeanResponse(answer.status, CaseInsensitiveDict(answer.headers), content, full)

    def _plain(self, url: str) -> urllib3.PoolManager | None:
        """The urllib3 pool for this URL's host (with the CA bundle requests would use), or
        None when requests would do more than send it: a proxy, a client certificate, no
        certificate check, mutual TLS, cookies, session auth, params or hooks."""
        s = self._session
        if (s.cookies or s.auth is not None or s.params or any(s.hooks.get("response", ()))
                or getattr(s, "is_mtls", False)):
            return None
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        with self._lock:
            if key not in self._hosts:
                self._hosts[key] = self._pool_for(url)
        return self._hosts[key]

    def _pool_for(self, url: str) -> urllib3.PoolManager | None:
        found = self._session.merge_environment_settings(url, {}, None, None, None)
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https") or any((found.get("proxies") or {}).values()) or found.get("cert"):
            return None
        if scheme == "http":
            return urllib3.PoolManager(num_pools=2, maxsize=self._pool_size)
        verify = found.get("verify", True)
        if verify is False:
            return None
        bundle = requests.utils.DEFAULT_CA_BUNDLE_PATH if verify is True else verify
        where = {"ca_cert_dir": bundle} if os.path.isdir(bundle) else {"ca_certs": bundle}
        return urllib3.PoolManager(num_pools=2, maxsize=self._pool_size, cert_reqs="CERT_REQUIRED", **where)

    def _transport(self):
        """google-auth's transport for a token refresh (on requests, env-trusting as before)."""
        if self._token_transport is None:
            from google.auth.transport.requests import Request
            self._token_transport = Request()
        return self._token_transport


def _query(params: Any) -> str:
    """The query string requests would write: a string as it is, else every (key, value)
    pair of a mapping or a list of pairs, a list value repeated, None values left out (gspread
    passes `valueRenderOption=None` for "the default")."""
    if not params:
        return ""
    if isinstance(params, (str, bytes)):
        return params.decode() if isinstance(params, bytes) else params
    pairs = []
    for key, values in (params.items() if hasattr(params, "items") else params):
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        pairs.extend((key, v) for v in values if v is not None)
    return urlencode(pairs)


def _timeout(timeout: Any) -> urllib3.Timeout:
    if isinstance(timeout, tuple):
        return urllib3.Timeout(connect=timeout[0], read=timeout[1])
    return urllib3.Timeout(total=None, connect=timeout, read=timeout)
