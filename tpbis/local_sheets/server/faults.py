"""What can go wrong with Google, on demand: injected errors, the quota, and counters.

The sync must survive revoked shares (403), deleted sheets (404), flaky backends (5xx), a
truncated body, odd cell values no real sheet holds (`odd_values`), and the
60-reads-per-minute quota. Tests and benchmarks set these up here
and read the counters to check how many requests the sync really made.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass

from tpbis.google.titles import fold

READ_KINDS = frozenset({"sheets.metadata", "sheets.batchGet", "sheets.values.get"})
WRITE_KINDS = frozenset({"sheets.batchUpdate", "sheets.values.write", "sheets.create"})
QUOTA_KIND = "sheets.429"


@dataclass
class Fault:
    """One injected misbehaviour for a sheet; `remaining` None means until cleared."""

    code: int  # HTTP status; 200 with malformed=True for a broken body
    remaining: int | None = None
    malformed: bool = False
    retry_after: int | None = None

    @property
    def hides_file(self) -> bool:
        """A revoked share (403) or deleted file (404) is not listed by Drive either."""
        return not self.malformed and self.code in (403, 404)


class Faults:
    """Errors injected per spreadsheet key, plus latency added to every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._odd: dict[str, dict[str, tuple[str, bool]]] = {}
        self.latency: float = 0.0

    def status(self, key: str, code: int, times: int | None = None,
               retry_after: int | None = None) -> None:
        """Answer `code` to requests for `key`: the first `times` ones, or all (None).

        `retry_after` adds a Retry-After header (seconds), e.g. to a 429 or 503.
        """
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None for every request)")
        with self._lock:
            self._faults[key] = Fault(code, times, retry_after=retry_after)

    def malformed(self, key: str, times: int | None = 1) -> None:
        """Answer 200 with a body that is not valid JSON (a cut connection, a proxy page)."""
        with self._lock:
            self._faults[key] = Fault(200, times, malformed=True)

    def odd_values(self, key: str, tab: str, raw_json: str, *, append: bool = True) -> None:
        """Serve raw JSON as the `values` of tab `tab` of sheet `key` in every values read
        (`values:batchGet`, `values/{range}`), until cleared: appended after the tab's rows
        (`raw_json` is then a JSON array of rows) or, with append=False, instead of them (any
        JSON at all, e.g. `null` or `"x"`). The text is sent as given, so it can hold what
        Python would not write: integers of any size, `NaN`, lone surrogates (`"\\ud800"`)."""
        import json
        json.loads(raw_json)                    # a typo in a test is a test error, not a fault
        if append and not raw_json.strip().startswith("["):
            raise ValueError("append=True needs a JSON array of rows")
        with self._lock:
            self._odd.setdefault(key, {})[fold(tab)] = (raw_json.strip(), append)

    def odd_for(self, key: str, tab: str) -> tuple[str, bool] | None:
        """(raw JSON, append) injected for this tab of this sheet, or None."""
        with self._lock:
            return self._odd.get(key, {}).get(fold(tab))

    def clear(self, key: str | None = None) -> None:
        """Remove the faults (status and odd values) of one key, or all faults and the latency."""
        with self._lock:
            if key is None:
                self._faults.clear()
                self._odd.clear()
                self.latency = 0.0
            else:
                self._faults.pop(key, None)
                self._odd.pop(key, None)

    def take(self, key: str) -> Fault | None:
        """The fault that applies to this request for `key`, using up one of its times."""
        with self._lock:
            fault = self._faults.get(key)
            if fault is None:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[key]
            return fault

    def hidden(self, key: str) -> bool:
        """Whether Drive's files.list should leave this key out (see Fault.hides_file)."""
        with self._lock:
            fault = self._faults.get(key)
            return fault is not None and fault.hides_file




class SlidingWindow:
    """At most `limit` events in any 60 seconds; `limit` None means no limit."""

    def __init__(self, limit: int | None = None, seconds: float = 60.0) -> None:
        self.limit = limit
        self.seconds = seconds
        self._events: deque[float] = deque()

    def acquire(self, now: float) -> int | None:
        """Record an event and return None, or refuse: seconds until a slot frees (>= 1)."""
        while self._events and self._events[0] <= now - self.seconds:
            self._events.popleft()
        if self.limit is not None and len(self._events) >= self.limit:
            if self.limit <= 0:
                return math.ceil(self.seconds)
            wait = self._events[len(self._events) - self.limit] + self.seconds - now
            return max(1, math.ceil(wait))
        self._events.append(now)
        return None


class Quota:
    """Google's per-user Sheets quota: read and write requests per sliding minute.

    Only requests that get past the check use a slot, so a refused request (429) does not
    push the window further out, as with Google.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reads = SlidingWindow()
        self._writes = SlidingWindow()

    @property
    def reads_per_minute(self) -> int | None:
        return self._reads.limit

    @reads_per_minute.setter
    def reads_per_minute(self, limit: int | None) -> None:
        self._reads.limit = limit

    @property
    def writes_per_minute(self) -> int | None:
        return self._writes.limit

    @writes_per_minute.setter
    def writes_per_minute(self, limit: int | None) -> None:
        self._writes.limit = limit

    def acquire(self, kind: str) -> int | None:
        """None if a request of this kind may be served now, else the Retry-After seconds."""
        window = self._reads if kind in READ_KINDS else (
            self._writes if kind in WRITE_KINDS else None)
        if window is None:
            return None
        with self._lock:
            return window.acquire(time.monotonic())

    def reset(self) -> None:
        """Forget the requests already made (limits stay)."""
        with self._lock:
            self._reads._events.clear()
            self._writes._events.clear()


class Counters:
    """Requests received, by kind and by (kind, spreadsheet key).

    Every request that arrives is counted under its kind, including ones answered with an
    injected fault or a 429, so retries show; quota refusals are also counted as 'sheets.429'.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: Counter[str] = Counter()
        self._by_key: dict[str, Counter[str]] = {}
        self._span: dict[str, list[float]] = {}

    def add(self, kind: str, key: str | None = None) -> None:
        now = time.monotonic()
        with self._lock:
            self._totals[kind] += 1
            self._span.setdefault(kind, [now, now])[1] = now
            if key is not None:
                self._by_key.setdefault(key, Counter())[kind] += 1

    def total(self, kind: str | None = None) -> int:
        """Requests of one kind, or of all kinds (None)."""
        with self._lock:
            if kind is None:
                return sum(self._totals.values())
            return self._totals[kind]

    def for_key(self, key: str) -> dict[str, int]:
        """{kind: count} of the requests made for one spreadsheet."""
        with self._lock:
            return dict(self._by_key.get(key, {}))

    def span(self, kind: str) -> float:
        """Seconds between the first and the last request of a kind (benchmarks: rate achieved)."""
        with self._lock:
            first, last = self._span.get(kind, (0.0, 0.0))
            return last - first

    def snapshot(self) -> dict[str, int]:
        """{kind: count} over all requests."""
        with self._lock:
            return dict(self._totals)

    def reset(self) -> None:
        with self._lock:
            self._totals.clear()
            self._by_key.clear()
            self._span.clear()
