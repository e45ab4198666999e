"""Drive's listing on a thread of its own, so that a sync reads sheets while Drive still lists.

A province's 20,000 sheets are 20 pages of `files.list` (seconds, more on a slow link). The
flow starts a `Listing` as soon as it may touch Google, gets the warehouse ready meanwhile,
then plans page by page (tpbis.sync.planning) as `pages()` hands them over. The thread runs
in a copy of the flow's context, so its one warning line (a listing that breaks off) still
goes to the Prefect run log. An error nobody expected is raised again in the consumer.
"""
from __future__ import annotations

import contextvars
import queue
import threading
from typing import Iterator

from tpbis.google import drive

_END = object()


class Listing:
    def __init__(self, conn) -> None:
        self._pages: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._list, conn), daemon=True,
                                        name="tpbis-drive-listing")
        self._thread.start()

    def _list(self, conn) -> None:
        try:
            for page in drive.list_pages(conn):
                self._pages.put(page)
                if self._stop.is_set():
                    break
            self._pages.put(_END)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, raised there
            self._pages.put(e)

    def pages(self) -> Iterator[tuple[dict[str, str], set[str], bool]]:
        """({key: modifiedTime}, {keys listed without a readable time}, whether another page
        follows) per page, as listed."""
        while True:
            page = self._pages.get()
            if page is _END:
                return
            if isinstance(page, BaseException):
                raise page
            yield page

    def close(self) -> None:
        """Stop after the page being listed (a flow that ends early); returns at once."""
        self._stop.set()
