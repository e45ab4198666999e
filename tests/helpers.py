"""Helpers several test modules share: the sample registry, a read-only query, and small HTTP
peers on 127.0.0.1 (a webhook, a token endpoint)."""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import duckdb

from tpbis.registry import read_registry
from tpbis.settings import CONFIG_DIR

REGISTRY = read_registry(CONFIG_DIR / "villages.csv")
KEYS = dict(zip(REGISTRY["kode_desa"], REGISTRY["spreadsheet_key"]))     # kode_desa -> spreadsheet key


def query(path, q, params=None) -> list[tuple]:
    """All rows of one query against a warehouse file, opened read-only and closed again."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(q, params or []).fetchall()
    finally:
        con.close()


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler for a LocalPeer: no per-request log line, no Nagle delay (~44 ms a
    request otherwise), and the two things every handler here does: read the body, answer."""
    disable_nagle_algorithm = True

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
        self.send_response(status)
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def token_answer(access_token: str) -> bytes:
    """What an OAuth token endpoint answers: a bearer token valid for an hour."""
    return json.dumps({"access_token": access_token, "expires_in": 3600, "token_type": "Bearer"}).encode()


class LocalPeer:
    """A tiny HTTP server on 127.0.0.1 in a thread, for tests that need a peer of their own (a
    webhook, a token endpoint, a recording proxy): the test writes the request handler (a
    QuietHandler). Subclass it to keep what the peer records; a context manager."""

    def __init__(self, handler, path: str = ""):
        import threading
        from http.server import ThreadingHTTPServer
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Webhook(LocalPeer):
    """A webhook receiver at 127.0.0.1/<path>: records each POST as {"path", "json"} in
    `bodies` and answers `status` (settable while it runs)."""

    def __init__(self, path: str = "/hook", status: int = 200):
        self.status, self.bodies = status, []
        hook = self

        class Handler(QuietHandler):
            def do_POST(self):
                hook.bodies.append({"path": self.path, "json": json.loads(self.body() or b"null")})
                self.reply(hook.status)

        super().__init__(Handler, path)


def alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie, exited but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
