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
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# what Prefect passes its own temporary server (prefect.server.api.server.SubprocessASGIServer)
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
PORT_IN_USE = 3         # uvicorn's exit status when its port was taken meanwhile


class TemporaryServer:
    """A Prefect API server in a child process on a free loopback port."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.port = 0
        self._ready = False
        self._launch()
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _launch(self) -> None:
        self.port = _free_port()
        app_dir = Path(importlib.util.find_spec("prefect").submodule_search_locations[0]).parent
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, **SERVER_ENV})

    def wait_ready(self, timeout: float | None = None) -> None:
        """Return once the server answers /health; RuntimeError if it exits or stays silent
        for `timeout` seconds (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, as Prefect)."""
        if self._ready:
            return
        if timeout is None:
            timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 20)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))     # loopback: no proxy
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.process.poll()
            if status == PORT_IN_USE:
                self._launch()
            elif status is not None:
                raise RuntimeError(f"the temporary Prefect server exited with status {status} before it answered")
            try:
                with opener.open(f"{self.api_url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        self._ready = True
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the temporary Prefect server did not answer within {timeout:.0f} s")

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


def start_if_needed() -> TemporaryServer | None:
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
    server = TemporaryServer()
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED
    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        server.stop()
        return None
    _started = server
    return _started
