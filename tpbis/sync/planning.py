"""Which sheets a sync reads, decided page by page as Drive lists them, and cut into chunks.

A province's registry takes 20 pages of Drive's `files.list`, several seconds: planning
after the whole listing would keep the quota idle meanwhile. `Planner` decides per page
(a listed sheet is read when new, modified since its last sync, or on a full sweep), so
the reads start after the first page; the sheets Drive never listed are read once the
listing ends. `fetch_chunks` cuts that stream into the fetch chunks of the flow: only as
fast as the quota will read them while the listing runs, and with a tapering tail at the
end, so that little parsing and loading is left after the last read.

Pure: no Google, no DuckDB, no Prefect (tests/sync/test_plan.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator


@dataclass
class Plan:
    fetch: list[dict] = field(default_factory=list)      # village rows (+ modified_time) to read
    skipped: list[dict] = field(default_factory=list)    # unchanged since the last sync
    full_sweep: bool = False


def _parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 time as Drive writes it; None when missing or unreadable (then: read)."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


class Planner:
    """`plan`, one page of Drive's listing at a time.

    `add(page)` returns the registered villages that page shows must be read (each village
    once, over all pages); `finish()` the ones left to read once the listing is complete
    (not listed, or listed without a readable time) and the whole Plan, in registry order.
    """

    def __init__(self, villages: list[dict], state: dict, *, full_sweep: bool):
        self._villages = villages
        self._index = {v["spreadsheet_key"]: i for i, v in enumerate(villages)}
        self._state = state
        self._full_sweep = full_sweep
        self._listed: dict[str, str] = {}
        self._doubtful: set[str] = set()
        self._chosen: dict[int, dict] = {}          # registry index -> row to read

    def _decide(self, v: dict, listed: str | None) -> tuple[dict, bool]:
        """(the row to record, whether to read it)."""
        modified = _parse_time(listed)
        last = _parse_time(self._state.get(v["spreadsheet_key"], (None, None))[0])
        row = {**v, "modified_time": listed if modified is not None else None}
        return row, self._full_sweep or modified is None or last is None or modified > last

    def add(self, listed: dict[str, str], doubtful: Iterable[str] = ()) -> list[dict]:
        """One page: {key: modifiedTime} and the keys listed without a readable time."""
        self._listed.update(listed)
        self._doubtful.update(doubtful)
        out = []
        for key, modified in listed.items():
            i = self._index.get(key)
            if i is None or i in self._chosen or key in self._doubtful:
                continue
            row, read = self._decide(self._villages[i], modified)
            if read:
                self._chosen[i] = row
                out.append(row)
        return out

    def finish(self) -> tuple[list[dict], Plan]:
        """(the villages left to read, the whole plan) once every page was added."""
        rest, plan = [], Plan(full_sweep=self._full_sweep)
        for i, v in enumerate(self._villages):
            if i in self._chosen:
                plan.fetch.append(self._chosen[i])
                continue
            key = v["spreadsheet_key"]
            row, read = self._decide(v, None if key in self._doubtful else self._listed.get(key))
            if read:
                rest.append(row)
                plan.fetch.append(row)
            else:
                plan.skipped.append(row)
        return rest, plan


def plan(villages: list[dict], listed: dict[str, str], state: dict, *, full_sweep: bool) -> Plan:
    """Read a sheet when it is new, modified since its last successful sync, or on a full sweep.

    A sheet Drive does not list (share revoked, deleted) is still read once: Google's answer
    (403 or 404) is what tells the province what to fix. So is a sheet whose listed or stored
    time cannot be read: when in doubt, read.
    """
    planner = Planner(villages, state, full_sweep=full_sweep)
    planner.add(listed)
    return planner.finish()[1]


def fetch_chunks(pages: Iterable[tuple[list[dict], bool]], finish: Callable[[], list[dict]], size: int,
                 reads_per_minute: float | None, *, lead: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> Iterator[list[dict]]:
    """Fetch chunks of at most `size` villages, from the villages to read as each page of the
    listing yields them (with whether another page follows), then `finish()` (the rest, once
    the listing is complete).

    When the listing has more than one page (a one-page listing is planned whole, as before),
    a chunk is cut whenever the reads already handed out will be done within `lead` seconds at
    `reads_per_minute` (None: no quota, at once): the quota does not idle while Drive lists,
    yet most villages wait for the end of the listing, where `taper` cuts them so that the
    chunks read last are small.
    """
    per_read = 60.0 / reads_per_minute if reads_per_minute else 0.0
    buffer: list[dict] = []
    busy_until = float("-inf")
    streaming = False
    for rows, more in pages:
        buffer.extend(rows)
        streaming = streaming or more
        while streaming and buffer and busy_until - clock() <= lead:
            chunk, buffer = buffer[:size], buffer[size:]
            busy_until = max(clock(), busy_until) + len(chunk) * per_read
            yield chunk
    buffer.extend(finish())
    yield from taper(buffer, size)


def taper(rows: list[dict], size: int) -> list[list[dict]]:
    """`rows` in chunks of at most `size`, the last ones halving in pairs (..., 48, 48, 24, 24,
    12, 12 for a size of 200). Chunks fetch two at a time, sharing the quota, so the chunk
    read last is one of the last two: with pairs, whichever it is, it is small. Up to twice
    `size` rows make plain chunks, as before (one chunk for a small run: no parse workers)."""
    size = max(1, size)
    if len(rows) <= 2 * size:
        return [rows[i:i + size] for i in range(0, len(rows), size)]
    smallest = max(1, size // 16)
    tail: list[int] = []
    s = smallest
    while s < size and sum(tail) + 2 * s <= len(rows):
        tail = [s, s] + tail
        s *= 2
    head = len(rows) - sum(tail)
    n = -(-head // size)                            # the head in n even chunks of <= size
    sizes = [head // n + (1 if i < head % n else 0) for i in range(n)] + tail if head else tail
    out, start = [], 0
    for k in sizes:
        out.append(rows[start:start + k])
        start += k
    return out
