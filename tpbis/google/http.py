"""gspread's HTTP client made patient: pacing, bounded retries, request counting.

Every request of a `Connection` goes through `PacedHTTPClient.request`: it waits for a slot of
the shared `RateLimiter`, retries 429/5xx/timeouts with exponential back-off and full jitter
(honouring `Retry-After`) a bounded number of times, and never retries 403/404: those are facts
about the village's sheet, not about the network.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests
from gspread.exceptions import APIError

from tpbis.google.client import RoutedHTTPClient
from tpbis.google.pacing import RateLimiter

RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
# The connection dropped or the body arrived cut short (fewer bytes than Content-Length):
# nothing Google decided, so retried like a 5xx.
NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                  requests.exceptions.ContentDecodingError)


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


_JITTER = random.Random()


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
        """Full jitter: uniform in [0, base * 2^(attempt-1)], capped at 64 s. Drawn from a
        generator of its own (`_JITTER`), not the `random` module's: fetch threads retry in
        the background, and the program that runs a sync (a test's Hypothesis, a notebook
        with a seed) owns the module's state."""
        return _JITTER.uniform(0, min(64.0, self.backoff_base * 2 ** (attempt - 1)))

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
