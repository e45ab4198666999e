"""A clean stop of `tpbis sync` on SIGTERM (systemd stop, `kill`, a scheduler's timeout).

Without this, SIGTERM ends Python at once: atexit handlers do not run, so the temporary
Prefect API server (a uvicorn child process: tpbis.cli.prefect_server, or Prefect's own) is
left running, holding the parent's pipes. Here SIGTERM becomes an exception (`Terminated`) in
the main thread; Prefect marks the flow run Crashed and lets it through; the command then
stops the temporary server and any other child process of ours, and exits 3 with one line.

The warehouse stays consistent without help: readers only ever see the published file,
which is replaced atomically after a run; the sync's working file commits whole chunks
only (an interrupted chunk is rolled back, like after a SIGKILL) and the next sync
re-reads what was not loaded.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class Terminated(BaseException):
    """SIGTERM (or SIGHUP) arrived: stop now. A BaseException, like KeyboardInterrupt, so that
    `except Exception` blocks on the way up do not swallow it."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise(signum, frame):
    raise Terminated(signum)


@contextmanager
def signals_as_exception(signums=(signal.SIGTERM, signal.SIGHUP)) -> Iterator[None]:
    """Within the block, the signals raise `Terminated` in the main thread."""
    previous = {}
    try:
        for s in signums:
            previous[s] = signal.signal(s, _raise)
    except ValueError:      # not the main thread (e.g. a test runner's worker): leave as is
        pass
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def child_pids(pid: int | None = None) -> list[int]:
    """Direct children of a process (Linux /proc; empty elsewhere)."""
    pid = os.getpid() if pid is None else pid
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether our process `pid` still runs: False once it is gone, or when the pid now
    belongs to another account's process (ours is gone then too)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def stop_children(grace: float = 5.0) -> None:
    """Stop Prefect's temporary server if Prefect started one, then SIGTERM (and after `grace`
    s, SIGKILL) any other child process this process started: the temporary server a command
    started itself (tpbis.cli.prefect_server) is one of them."""
    prefect_server = sys.modules.get("prefect.server.api.server")   # imported only if Prefect started it
    try:
        for server in list(prefect_server.SubprocessASGIServer._instances.values()) if prefect_server else []:
            server.stop()
    except Exception:
        pass
    children = child_pids()
    for pid in children:
        _kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while children and time.monotonic() < deadline:
        children = [pid for pid in children if _reap(pid)]
        time.sleep(0.1)
    for pid in children:
        _kill(pid, signal.SIGKILL)
        _reap(pid)


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> bool:
    """True while the child is still running."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return Path(f"/proc/{pid}").exists()


def exit_now(message: str, code: int = 3) -> None:
    """One line on stderr, children stopped, and out without waiting for worker threads that
    may still be pacing fetches (what they would write is rolled back anyway)."""
    sys.stdout.flush()
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()
    # Then silence: Prefect's log worker complains on stderr once its server is gone, and that
    # must not become a second line (or glue itself to ours).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    stop_children()
    os._exit(code)
