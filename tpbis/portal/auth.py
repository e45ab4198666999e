"""Sessions, CSRF tokens and the login rate limit, with the standard library only.

A cookie value is `base64url(json payload).base64url(HMAC-SHA256(key, payload))`; the key
is the random secret of the users file. Every comparison of a secret value uses
`hmac.compare_digest`. Session cookies are HttpOnly, SameSite=Lax, expire after
SESSION_HOURS, and are `Secure` whenever the request came over HTTPS (directly, or through a
trusted reverse proxy's X-Forwarded-Proto).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque

SESSION_COOKIE = "tpbis_session"
LOGIN_CSRF_COOKIE = "tpbis_login_csrf"
SESSION_HOURS = 8
LOGIN_FORM_MINUTES = 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, payload: dict) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(key: bytes, value: str | None, now: float | None = None) -> dict | None:
    """The payload of a cookie we signed that has not expired, else None."""
    if not value or value.count(".") != 1:
        return None
    body, mac = value.split(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        payload = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("exp", 0) < (now or time.time()):
        return None
    return payload


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def session_payload(name: str, fingerprint: str) -> dict:
    return {"u": name, "fp": fingerprint, "csrf": new_token(), "exp": int(time.time()) + SESSION_HOURS * 3600}


def login_form_payload() -> dict:
    return {"csrf": new_token(), "exp": int(time.time()) + LOGIN_FORM_MINUTES * 60}


class LoginLimiter:
    """Failed sign-ins in a sliding window, per user name and per client address. Over the
    limit, the password is not even checked: the answer is 429 until the window slides."""

    def __init__(self, per_user: int = 5, per_address: int = 20, window_seconds: float = 900):
        self.limits = {"user": per_user, "address": per_address}
        self.window = window_seconds
        self._failures: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque:
        q = self._failures.get(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            self._failures.pop(key, None)       # forget quiet names and addresses
        return q

    def blocked_for(self, user: str, address: str) -> float:
        """Seconds until another attempt is allowed (0 = allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = [q[0] + self.window - now for kind, who in (("user", user), ("address", address))
                     if len(q := self._recent((kind, who), now)) >= self.limits[kind]]
        return max(waits, default=0.0)

    def failed(self, user: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (("user", user), ("address", address)):
                q = self._recent(key, now)
                q.append(now)
                self._failures[key] = q

    def succeeded(self, user: str) -> None:
        with self._lock:
            self._failures.pop(("user", user), None)


def client_info(request, trusted_proxies: frozenset[str]) -> tuple[str, bool]:
    """(client address, came over HTTPS). X-Forwarded-For/-Proto count only when the direct
    peer is a trusted proxy (TPBIS_PORTAL_TRUSTED_PROXIES); otherwise anyone could forge them."""
    peer = request.client.host if request.client else "unknown"
    https = request.url.scheme == "https"
    if peer in trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            peer = forwarded.split(",")[-1].strip() or peer
        proto = request.headers.get("x-forwarded-proto", "")
        if proto:
            https = proto.split(",")[0].strip().lower() == "https"
    return peer, https
