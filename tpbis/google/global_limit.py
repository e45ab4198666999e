"""Share the Sheets read quota between processes and machines (env TPBIS_GLOBAL_RATE_LIMIT).

`tpbis.ratelimit.RateLimiter` paces the threads of ONE process. Once fetch chunks run in
several processes (TPBIS_TASK_RUNNER=dask) or on several workers of a work pool, each has
its own limiter and together they would send N times the quota. Google counts the quota per
service account, so the pace must be kept in one place that every process asks: a Prefect
global concurrency limit used as a rate limit (slots that decay, `prefect.concurrency.sync.
rate_limit`). Create it once per Prefect server / workspace:

    prefect gcl create tpbis-sheets-reads --limit 1 --slot-decay-per-second 0.98

(0.98 slots/s = 58.8 reads per minute, under Google's 60 per user; `ensure_limit` does the
same from Python.) Then set TPBIS_GLOBAL_RATE_LIMIT=tpbis-sheets-reads wherever the sync runs.

The local limiter stays in front of the global one: it spaces this process's threads so
they do not all wait on the server at once, and it is what a 429's Retry-After pauses.
"""
from __future__ import annotations

from typing import Callable

from tpbis.google.pacing import RateLimiter

SAFETY = 0.98


class GlobalRateLimiter:
    """A RateLimiter (same acquire/pause interface) that also takes a slot of a Prefect
    global rate limit for every request. A missing limit is an error, not a silent no-op:
    running unpaced across processes is exactly what would exhaust the quota."""

    def __init__(self, name: str, local: RateLimiter, timeout_seconds: float | None = 600,
                 take: Callable[..., None] | None = None):
        if take is None:
            from prefect.concurrency.sync import rate_limit as take
        self.name = name
        self.local = local
        self.timeout_seconds = timeout_seconds
        self._take = take

    def acquire(self) -> None:
        self.local.acquire()
        self._take(self.name, occupy=1, timeout_seconds=self.timeout_seconds, strict=True)

    def pause(self, seconds: float) -> None:
        self.local.pause(seconds)

    def __getattr__(self, attr):        # acquired, waited, per_minute, interval: the local figures
        return getattr(self.local, attr)


def wrap(local: RateLimiter, env: dict[str, str] | None = None, settings=None) -> RateLimiter | GlobalRateLimiter:
    """The limiter the sync should use: the local one, or local + global when the settings
    (TPBIS_GLOBAL_RATE_LIMIT; by default read from `env`) name a limit."""
    from tpbis.settings import Settings
    name = (settings or Settings.from_env(env)).global_rate_limit
    return GlobalRateLimiter(name, local) if name else local


def slot_decay(reads_per_minute: float, safety: float = SAFETY) -> float:
    """Slots per second for a quota per minute, with the same safety margin as RateLimiter."""
    return reads_per_minute / 60.0 * safety


def ensure_limit(name: str, reads_per_minute: float, burst: int = 1) -> None:
    """Create or update the global rate limit on the configured Prefect API.

    `burst` is the limit's size: how many requests may go at once before the decay paces
    them. 1 keeps every 60-second window under the quota; more trades safety for latency.
    """
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, burst, slot_decay_per_second=slot_decay(reads_per_minute))
