"""Helpers several test modules share: the sample registry and a read-only query."""
from __future__ import annotations

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


class LocalPeer:
    """A tiny HTTP server on 127.0.0.1 in a thread, for tests that need a peer of their own (a
    webhook, a token endpoint, a recording proxy): the test writes the request handler."""

    def __init__(self, handler, path: str = ""):
        import threading
        from http.server import ThreadingHTTPServer
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
