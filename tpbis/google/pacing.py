"""Pace requests under a per-minute quota, shared by every fetch thread.

Google counts Sheets reads per minute per user. Bouncing off 429s wastes the quota and the
back-off time, so the sync spaces its requests evenly instead: a token bucket of depth one
(a "virtual scheduling" limiter). Each caller reserves the next free slot and sleeps until
it. Evenly spaced requests at 98 % of the quota never put more than the quota into any
60-second window, which is how the quota is measured; a 429 that comes anyway (another
process using the same account) pauses every worker until the server's `Retry-After`.

A slot nobody took in time (all threads busy, or the process stalled on the GIL) may be
used late, up to a burst of 1 % of the quota (at least one request): that keeps the
achieved rate near the quota without letting any 60-second window exceed it. The other 1 %
is margin for what the client's clock cannot see: a request reaches the server later than
its slot when its thread is descheduled in between (a night at load 7 once met one 429 with
a 2 % burst), and each such late arrival can put one more request into a server's window.
"""
from __future__ import annotations

import threading
import time

SAFETY = 0.98


class RateLimiter:
    def __init__(self, per_minute: float | None, safety: float = SAFETY, clock=time.monotonic, sleep=time.sleep):
        self.per_minute = per_minute
        self.interval = 0.0 if not per_minute else 60.0 / (per_minute * safety)
        burst = max(1, int(per_minute * (1 - safety) / 2)) if per_minute else 1
        self.tolerance = (burst - 1) * self.interval      # how far the schedule may lag behind now
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self.acquired = 0
        self.waited = 0.0

    def acquire(self) -> None:
        """Block until this caller may send one request."""
        if not self.interval:
            with self._lock:
                self.acquired += 1
            return
        with self._lock:
            now = self._clock()
            slot = max(now - self.tolerance, self._next)
            self._next = slot + self.interval
            self.acquired += 1
            self.waited += max(0.0, slot - now)
        delay = max(0.0, slot - now)
        if delay > 0:
            self._sleep(delay)

    def pause(self, seconds: float) -> None:
        """Push every later slot back: the server said the quota is spent for `seconds`."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)
