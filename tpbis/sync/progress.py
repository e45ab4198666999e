"""Progress of a long job (sync, replay, extract), reported in-process, off the hot path.

A `Tracker` counts what is done per phase (fetch / parse / load for the sync) against a
total. Two kinds of subscribers:

  listeners   called on every update with a `Snapshot` (the Rich display of `tpbis sync`:
              it only stores numbers, Rich redraws on its own clock)
  line sinks  called with one plain line when a line is due: every `interval` seconds
              (TPBIS_PROGRESS_SECONDS, default 30) or every `every` sheets fetched
              (TPBIS_PROGRESS_EVERY, default 0 = off), and once at the end. The flow's
              Prefect logger is one; `tpbis sync` piped to a file is another.

The command line and the flow run in the same process: the command subscribes with
`subscribe(...)` before it starts the flow, and the flow's tracker picks the subscribers up
(`start(...)`). Nothing goes through Prefect's logs or API. Updating is a lock and a few
integer additions; lines are formatted only when due.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

SYNC_PHASES = ("fetch", "parse", "load")

_subscribers: list[tuple[Callable | None, Callable | None]] = []
_current: "Tracker | None" = None
_lock = threading.Lock()


@dataclass(frozen=True)
class Snapshot:
    job: str
    phases: tuple[str, ...]
    done: dict[str, int]
    total: int
    reads: int
    elapsed: float
    finished: bool = False

    @property
    def reads_per_minute(self) -> float:
        return self.reads * 60.0 / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Time left, from the pace of the first phase so far (the slow one: fetching)."""
        first = self.done[self.phases[0]]
        if self.finished or first <= 0 or self.total <= 0:
            return None
        return max(0.0, (self.total - first) * self.elapsed / first)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def format_line(s: Snapshot) -> str:
    """`progress: fetch 120/2000, parse 100/2000, load 100/2000; 58.8 reads/min; 31 min 58 s left`"""
    counts = ", ".join(f"{p} {s.done[p]}/{s.total}" for p in s.phases)
    rate = f"; {s.reads_per_minute:.1f} reads/min" if s.job == "sync" else ""
    if s.finished:
        return f"{s.job} done: {counts}{rate}; {format_duration(s.elapsed)}"
    return f"{s.job} progress: {counts}{rate}; {format_duration(s.eta_seconds)} left"


@dataclass
class Tracker:
    job: str = "sync"
    total: int = 0
    phases: tuple[str, ...] = SYNC_PHASES
    interval: float = 30.0
    every: int = 0
    listeners: list[Callable[[Snapshot], None]] = field(default_factory=list)
    line_sinks: list[Callable[[str], None]] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._done = dict.fromkeys(self.phases, 0)
        self._reads = 0
        self._start = time.monotonic()
        self._last_line = self._start
        self._finished = False

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(self.job, self.phases, dict(self._done), self.total, self._reads,
                            time.monotonic() - self._start, self._finished)

    def set_total(self, total: int) -> None:
        with self._lock:
            self.total = total
        self._notify()

    def advance(self, phase: str, n: int = 1, reads: int = 0) -> None:
        with self._lock:
            before = self._done[phase]
            self._done[phase] = before + n
            self._reads += reads
            crossed = (self.every > 0 and phase == self.phases[0]
                       and (before + n) // self.every > before // self.every)
        self._notify(line_due=crossed)

    def advance_to(self, phase: str, done: int, reads: int | None = None) -> None:
        """At least `done` (a chunk's result seen in the flow, when its fetch ran elsewhere)."""
        with self._lock:
            before = self._done[phase]
            self._done[phase] = max(before, done)
            if reads is not None:
                self._reads = max(self._reads, reads)
            crossed = (self.every > 0 and phase == self.phases[0]
                       and self._done[phase] // self.every > before // self.every)
            changed = self._done[phase] != before
        if changed:
            self._notify(line_due=crossed)

    def tick(self) -> None:
        """Called about once a second: a line when `interval` seconds passed since the last."""
        if self.interval > 0 and time.monotonic() - self._last_line >= self.interval:
            self._line()

    def finish(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
        self._notify()
        self._line()

    def _notify(self, line_due: bool = False) -> None:
        if self.listeners:
            snap = self.snapshot()
            for listener in self.listeners:
                listener(snap)
        if line_due:
            self._line()

    def _line(self) -> None:
        self._last_line = time.monotonic()
        text = format_line(self.snapshot())
        for sink in self.line_sinks:
            try:
                sink(text)
            except Exception:       # a broken sink must not stop the job
                pass


@contextmanager
def subscribe(listener: Callable[[Snapshot], None] | None = None,
              line_sink: Callable[[str], None] | None = None) -> Iterator[None]:
    """Receive the progress of jobs started in this process while the block runs."""
    entry = (listener, line_sink)
    with _lock:
        _subscribers.append(entry)
    try:
        yield
    finally:
        with _lock:
            _subscribers.remove(entry)


def open_tracker(job: str, total: int = 0, *, phases: tuple[str, ...] = SYNC_PHASES, interval: float = 30.0,
                 every: int = 0, line_sink: Callable[[str], None] | None = None) -> Tracker:
    """A tracker for one job, with this process's subscribers and a ticker thread for the
    every-`interval`-seconds lines. End it with `tracker.close()`."""
    global _current
    with _lock:
        listeners = [l for l, _ in _subscribers if l]
        sinks = [s for _, s in _subscribers if s] + ([line_sink] if line_sink else [])
    tracker = Tracker(job, total, phases, interval, every, listeners, sinks)
    stop = threading.Event()

    def ticker():
        while not stop.wait(1.0):
            tracker.tick()

    previous, _current = _current, tracker

    def close(finished: bool = True) -> None:
        global _current
        stop.set()
        if _current is tracker:
            _current = previous
        if finished:
            tracker.finish()

    tracker.close = close
    threading.Thread(target=ticker, name=f"tpbis-progress-{job}", daemon=True).start()
    return tracker


@contextmanager
def start(job: str, total: int = 0, **options) -> Iterator[Tracker]:
    """`open_tracker` for a block: finished (a last line) when the block ends normally."""
    tracker = open_tracker(job, total, **options)
    try:
        yield tracker
    except BaseException:
        tracker.close(finished=False)
        raise
    tracker.close()


def fetched(village_reads: int) -> None:
    """One sheet fetched in this process (the fetch threads' hook); no-op without a tracker."""
    tracker = _current
    if tracker is not None:
        tracker.advance("fetch", 1, village_reads)
