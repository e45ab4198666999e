"""What one fetch of a village's spreadsheet brings back: its cells (`Workbook`), or why
they could not be read (`FetchError`).

Apart from the fetching (tpbis/google/sheets.py), so that a parse worker, which unpickles
workbooks and decodes their cells but never fetches, imports neither gspread nor requests
nor google-auth (~0.2 s of CPU in the fork server of every sync that parses in workers).
"""
from __future__ import annotations

import hashlib
import json
import sys
from functools import cached_property
from typing import Annotated, Union

import msgspec
import orjson


class FetchError(Exception):
    """A village's sheet could not be fetched. `code` is stable; `message` is for province staff."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status

    def __reduce__(self):  # picklable, so a fetch chunk can run in another process (Dask)
        return (FetchError, (self.code, self.message, self.status))


# A cell as the Sheets API sends one and orjson would decode it the same: text, an integer of
# 64 bits (orjson reads a larger one as a float, or as an unsigned one: left to it), a finite
# number, or nothing. Anything else (true/false, a list, an object, a lone surrogate, NaN) is
# refused, and the answer decoded the general way.
_CELL = Union[str, Annotated[int, msgspec.Meta(ge=-2 ** 63, le=2 ** 63 - 1)],
              Annotated[float, msgspec.Meta(ge=-sys.float_info.max, le=sys.float_info.max)], None]


class _PlainRange(msgspec.Struct):
    values: list[list[_CELL]] = []


class _PlainAnswer(msgspec.Struct):
    valueRanges: list[_PlainRange] = []


_PLAIN = msgspec.json.Decoder(_PlainAnswer)


class Workbook:
    """What one fetch brought back: the cells of every template tab found, as received.

    A fetch keeps the batchGet answer's bytes (`from_answer`), checked but not decoded: the
    sync's process only hands them on to a parse worker (pickled as one bytes object), which
    decodes them once, when the cells are first asked for. Decoding them in the fetch thread
    too, to check them and to write the payload again, was ~0.3 ms of CPU per ordinary sheet
    in the process that fetches and loads. A workbook can also be made of cells (replay, tests)."""

    def __init__(self, spreadsheet_key: str, value_ranges: dict[str, list[list]] | None, reads: int = 0,
                 fetched_at: float = 0.0, *, payload: bytes | None = None):
        """`payload`, when given, must be what `payload` would write for these cells (the
        sync's masking writes it while it checks them: transforms.text.mask_and_write)."""
        self.spreadsheet_key, self.reads, self.fetched_at = spreadsheet_key, reads, fetched_at
        self._cells = value_ranges
        self._answer: tuple[bytes, tuple[str, ...]] | None = None
        self._from_json = self._plain = False
        if payload is not None:
            self.__dict__["payload"] = payload          # the cached_property's value

    @classmethod
    def from_answer(cls, spreadsheet_key: str, answer: bytes, titles: list[str] | tuple[str, ...], reads: int = 0,
                    fetched_at: float = 0.0) -> "Workbook":
        """A workbook from a batchGet answer's bytes (valid JSON: `_batch_get` checked it) for
        these tab titles, in the order they were asked for."""
        wb = cls(spreadsheet_key, None, reads, fetched_at)
        wb._answer = (answer, tuple(titles))
        return wb

    @property
    def value_ranges(self) -> dict[str, list[list]]:
        if self._cells is None:
            answer, titles = self._answer
            try:                            # the ordinary answer: rows of plain cells, checked in C
                plain = _PLAIN.decode(answer).valueRanges
                self._cells = {title: vr.values for title, vr in zip(titles, plain)}
                self._from_json = self._plain = True
                return self._cells
            except (msgspec.ValidationError, msgspec.DecodeError):
                pass
            try:
                decoded, self._from_json = orjson.loads(answer), True
            except orjson.JSONDecodeError:  # what only the standard library reads: NaN, a 65-bit integer...
                decoded, self._from_json = json.loads(answer), False
            ranges = decoded.get("valueRanges", [])
            self._cells = {title: vr.get("values", []) for title, vr in zip(titles, ranges)}
        return self._cells

    @property
    def plain(self) -> bool:
        """Whether every tab is a list of rows, every row a list of text (valid UTF-8), 64-bit
        integers, finite numbers and nothing else: cells that `transforms.cells.normalise_rows`
        leaves as they are, checked while the answer was decoded (msgspec, in C, as fast as
        orjson decodes it). The parse then skips looking at each cell's type again
        (transforms.chunk.Book.plain): ~0.3 s of CPU per 2,000 messy sheets."""
        if self._cells is None and self._answer is not None:
            self.value_ranges                           # noqa: B018 - decoding tells
        return self._plain

    @property
    def from_json(self) -> bool:
        """Whether orjson decoded the answer (then orjson writes its cells back exactly)."""
        if self._cells is None:
            self.value_ranges                           # noqa: B018 - decoding tells
        return self._from_json

    def __reduce__(self):
        if self._answer is not None:
            return (Workbook.from_answer, (self.spreadsheet_key, *self._answer, self.reads, self.fetched_at))
        return (Workbook, (self.spreadsheet_key, self.value_ranges, self.reads, self.fetched_at))

    def __repr__(self) -> str:
        size = len(self._answer[0]) if self._answer is not None else len(self.payload)
        return f"Workbook({self.spreadsheet_key!r}, reads={self.reads}, {size:,} bytes)"

    @cached_property
    def payload(self) -> bytes:
        """The cells as JSON, serialised once: landed in raw.payloads and hashed.

        orjson refuses what only an odd answer holds (an integer beyond 64 bits, a lone
        surrogate); such a payload is written by the standard library instead, as ASCII JSON
        (so it still lands, as valid UTF-8, and still hashes the same every night)."""
        try:
            return orjson.dumps(self.value_ranges)
        except (TypeError, orjson.JSONEncodeError):
            return json.dumps(self.value_ranges, ensure_ascii=True, separators=(",", ":"),
                              default=repr).encode("ascii")

    @cached_property
    def content_hash(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()
