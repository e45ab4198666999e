"""Where a sync's time goes: named marks on one monotonic clock, kept in this process.

The flow and its fetch threads call `mark("step")` as steps end (a few dozen calls a run, one
lock each: nothing on the hot path). A name marked many times (a read answered, a chunk
loaded) keeps its first and last time and a count. Benchmarks run the flow in their own
process, call `reset()` before and read `marks()` after (benchmarks/bench_night.py prints a
province night's break-down from them). Nothing is logged or stored.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class Mark:
    name: str
    first: float            # time.monotonic() of the first mark of this name
    last: float             # ... and of the latest
    count: int = 1


_marks: dict[str, Mark] = {}
_lock = threading.Lock()


def mark(name: str) -> None:
    now = time.monotonic()
    with _lock:
        m = _marks.get(name)
        if m is None:
            _marks[name] = Mark(name, now, now)
        else:
            m.last, m.count = now, m.count + 1


def reset() -> None:
    with _lock:
        _marks.clear()


def marks() -> list[Mark]:
    """Every mark since the last reset, in order of first occurrence."""
    with _lock:
        return sorted((Mark(m.name, m.first, m.last, m.count) for m in _marks.values()), key=lambda m: m.first)
