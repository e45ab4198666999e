"""The temporary Prefect server of a command's flow run (`tpbis sync`, `tpbis demo`), started
early by the command itself.

Why: with no PREFECT_API_URL, Prefect starts a temporary server at a run's first API call. It
imports its whole server (FastAPI, SQLAlchemy, the API's models: ~3.3 s of CPU here) into the
command's process only to start it in another process, which imports it all again while the
command waits (~10 s before the first village, December 2026). Here the command starts the
same server, with Prefect's own command line for it, as soon as it knows none is configured:
the server boots on one core while the command imports the flow on the other, and the
command never imports the server. The run then talks to it through PREFECT_API_URL, for this
run only (`run_settings`). It stops when the command exits (atexit, after Prefect's log and
event workers have sent what they hold), or with the command's other children on SIGTERM
(tpbis.sync.shutdown).

With PREFECT_API_URL configured (a `prefect server start`, Prefect Cloud, a profile), nothing
starts here and Prefect's setting stands.
"""
from __future__ import annotations

import atexit
import importlib.util
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tpbis.errors import CannotRun

# what Prefect passes its own temporary server (prefect.server.api.server.SubprocessASGIServer)
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*:")     # `sqlalchemy.exc.OperationalError: ...`
RELAUNCHES = 2          # on another port each: the one picked was free a moment before, so rarely taken


class TemporaryServer:
    """A Prefect API server in a child process on a free loopback port."""

    def __init__(self, verbose: bool = False) -> None:
        self.process: subprocess.Popen | None = None
        self.port = 0
        self._ready = False
        # what the server prints goes to a file, never to stdout (`--json`): its reason into our
        # error should it not start (and all of it to stderr with --verbose)
        self._log = tempfile.TemporaryFile()
        self._verbose = verbose
        self._launch()
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _launch(self) -> None:
        self._log.seek(0)
        self._log.truncate()
        self.port = _free_port()
        app_dir = Path(importlib.util.find_spec("prefect").submodule_search_locations[0]).parent
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, **SERVER_ENV}, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)

    def _port_taken(self) -> bool:
        self._log.seek(0)
        return b"address already in use" in self._log.read().lower()

    def _last_words(self) -> str:
        """The server's last exception line (why it stopped), else its last line."""
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read()[-16384:].decode("utf-8", "replace").splitlines()]
        lines = [line for line in lines if line]
        return next((line for line in reversed(lines) if _EXCEPTION.match(line)), lines[-1] if lines else "")

    def wait_ready(self, timeout: float | None = None) -> None:
        """Return once the server answers /health; CannotRun (exit 3) if it stops first or stays
        silent for `timeout` seconds (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, as Prefect)."""
        if self._ready:
            return
        if timeout is None:
            from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS
            timeout = float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))     # loopback: no proxy
        deadline, relaunches = time.monotonic() + timeout, RELAUNCHES
        while time.monotonic() < deadline:
            status = self.process.poll()
            if status is not None and relaunches and self._port_taken():
                relaunches -= 1
                self._launch()
            elif status is not None:
                if self._verbose:
                    self._log.seek(0)
                    sys.stderr.write(self._log.read().decode("utf-8", "replace"))
                said = self._last_words()
                raise CannotRun(f"the temporary Prefect server stopped before it answered (exit status {status})"
                                + (f": {said}" if said else ""))
            try:
                with opener.open(f"{self.api_url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        self._ready = True
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise CannotRun(f"the temporary Prefect server did not answer within {timeout:.0f} s "
                        "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_started: TemporaryServer | None = None


def start_if_needed(verbose: bool = False) -> TemporaryServer | None:
    """This process's temporary server, started now unless Prefect has an API URL (from the
    environment, a profile or a settings file) or may not start one; None then.

    Started before Prefect's settings are read (importing them takes ~1.3 s of CPU), unless
    PREFECT_API_URL is in the environment: in the rare case that a profile or a settings
    file names a server, or forbids a temporary one, it is stopped again at once."""
    global _started
    if _started is not None and _started.process is not None:
        return _started
    if os.environ.get("PREFECT_API_URL"):
        return None
    server = TemporaryServer(verbose)
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED
    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        server.stop()
        return None
    _started = server
    return _started
