"""The HTTP side: a threaded http.server speaking Sheets v4 / Drive v3 on a loopback port.

Keep-alive (HTTP/1.1 with Content-Length) lets requests' connection pool reuse sockets, and
TCP_NODELAY (disable_nagle_algorithm) avoids the ~44 ms Nagle/delayed-ACK stall per request,
so the demo, the tests and the benchmarks see millisecond round trips.
"""

from __future__ import annotations

import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tpbis.local_sheets.server.api import Api, encode
from tpbis.local_sheets.server.faults import Counters, Faults, Quota
from tpbis.local_sheets.server.store import Store
from tpbis.local_sheets.server.values import ApiError
from tpbis.local_sheets.server.wire_faults import WireFaults


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "tpbis-sheets-server/1"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - quiet: tests and benchmarks
        pass

    def setup(self):
        super().setup()
        self.server.track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length > 0 else b""
        query = parse_qs(split.query, keep_blank_values=True)
        try:
            status, body, headers = self.server.api.dispatch(method, split.path, query,
                                                             raw_body)
        except Exception as exc:  # a bug here must still answer, in Google's envelope
            traceback.print_exc(file=sys.stderr)
            error = ApiError(500, f"Internal error encountered: {exc}")
            status, body, headers = error.code, encode(error.body()), {}
        status, body, cut = self.server.wire.apply(method, split.path, status, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and method != "HEAD":
            self.wfile.write(body if cut is None else body[:cut])
        if cut is not None:          # a body cut short: the connection drops mid-answer
            self.close_connection = True

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, api: Api):
        super().__init__(address, _Handler)
        self.api = api
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Drop kept-alive connections, so a stopped server really is gone for clients."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SheetsServer:
    """A local Google Sheets v4 / Drive v3 server over in-memory workbooks.

    with SheetsServer(data_dir) as server: point TPBIS_SHEETS_API_URL and
    TPBIS_DRIVE_API_URL at server.url. See docs/architecture.md for the full API.
    """

    def __init__(self, data_dir: str | Path | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.store = Store()
        self.faults = Faults()
        self.quota = Quota()
        self.counters = Counters()
        self.wire = WireFaults()  # truncated bodies, Drive listing errors and odd entries
        self.api = Api(self.store, self.faults, self.quota, self.counters)
        self.host, self.port = host, port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        if data_dir is not None:
            self.store.load_dir(data_dir)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "SheetsServer":
        """Bind and serve from a background thread (idempotent); returns self."""
        if self._httpd is None:
            self._httpd = _HTTPServer((self.host, self.port), self.api)
            self._httpd.wire = self.wire
            self.port = self._httpd.server_address[1]
            self._thread = threading.Thread(target=self._httpd.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"sheets-server-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port and open connections (idempotent)."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd, self._thread = None, None

    def __enter__(self) -> "SheetsServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8765 (for both Sheets and Drive)."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- workbooks ---------------------------------------------------------------------------
    def put_workbook(self, workbook: dict, keep_modified: bool = False) -> str:
        """Add or replace a workbook; modifiedTime becomes now, strictly later than before,
        unless keep_modified and the workbook has one. Returns its spreadsheetId."""
        return self.store.put(workbook, keep_modified=keep_modified)

    def get_workbook(self, key: str) -> dict:
        """A copy of a workbook as stored (with sheetIds and modifiedTime); KeyError if none."""
        return self.store.get(key)

    def delete_workbook(self, key: str) -> bool:
        """Remove a workbook: Drive stops listing it, Sheets answers 404. False if unknown."""
        return self.store.delete(key)

    def keys(self) -> list[str]:
        """The spreadsheetIds served, sorted."""
        return self.store.keys()


def serve_forever(data_dir: str | Path | None, host: str = "127.0.0.1",
                  port: int = 8765) -> None:
    """Run a server in the foreground until Ctrl-C (for `tpbis sheets-server`)."""
    server = SheetsServer(data_dir, host=host, port=port).start()
    try:
        print(f"Local Sheets/Drive server on {server.url} "
              f"({len(server.keys())} spreadsheets from {data_dir or 'nowhere'})")
        print("Point the sync at it with:")
        print(f"  export TPBIS_SHEETS_API_URL={server.url}")
        print(f"  export TPBIS_DRIVE_API_URL={server.url}")
        print("Press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nstopped")
    finally:
        server.stop()
