"""build_batch: turn a chunk's fetch results into one Batch, what one transaction writes:
each changed workbook parsed (pure transforms, a chunk in one columnar pass), failures kept
out with a reason, unchanged ones landed as history only.

It runs in the parse workers, which import this module and what it needs (pandas, pyarrow,
transforms, the warehouse's Batch), not the fetching (tpbis/sync/steps.py: gspread, requests,
google-auth). Replay (tpbis/sync/replay.py) builds its batches here too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd
import pyarrow as pa

from tpbis.google.fetched import FetchError, Workbook
from tpbis.warehouse.store import Batch
from tpbis.wib import JAKARTA
from transforms.chunk import Book, parse_chunk
from transforms.columns import PROBLEM_COLUMNS, TAB_COUNT_COLUMNS, all_columns
from transforms.reference import Reference
from transforms.text import mask_and_write
from transforms.workbook import UnreadableSheet, join_parts, parse_workbook_parts


@dataclass
class Fetched:
    village: dict
    workbook: Workbook | None = None
    error: FetchError | None = None
    reads: int = 0              # Sheets read requests this fetch cost (retries included)
    http_429: int = 0


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def _village_run(run_id, v, status, *, reason=None, message=None, reads=0, counts=(None, None, None)) -> dict:
    return {"run_id": run_id, "kode_desa": v["kode_desa"], "spreadsheet_key": v["spreadsheet_key"],
            "status": status, "reason": reason, "message": message, "sheets_reads": reads,
            "rows_read": counts[0], "rows_loaded": counts[1], "rows_rejected": counts[2]}


PARSE_ERROR_MESSAGE = ("Isi spreadsheet tidak dapat diolah ({error}); data desa ini yang lama tetap dipakai. / "
                       "The sheet's content could not be processed ({error}); the village keeps its previous data.")


def build_batch(run_id: str, now: datetime, fetched: list[Fetched], state: dict, ref: Reference,
                *, skipped: list[dict] = ()) -> Batch:
    """Turn fetch results into one Batch: parse changed workbooks, keep failures out.

    A village whose fetch failed or whose sheet cannot be read is recorded as failed and its
    rows are not touched. A workbook whose content hash equals the last loaded one is landed
    (the fetch is history too) but loads nothing. Any other error while turning one workbook
    into rows (an answer no sheet should hold, a bug) fails that village alone, with reason
    `parse_error`: never the chunk, never the run. The changed workbooks are parsed together,
    in one columnar pass per tab (transforms.chunk).
    """
    records: list[list] = []            # per fetch, in order: [fetch row, state row, village run]
    books: list[tuple[int, Book, int]] = []
    for f in fetched:
        v = f.village
        if f.error is not None:
            records.append([None, None, _village_run(run_id, v, "failed", reason=f.error.code,
                                                     message=f.error.message, reads=f.reads)])
            continue
        try:
            fetch_row, state_row, run, book = _one_workbook(run_id, now, v, f.workbook, state)
        except Exception as e:  # noqa: BLE001 - one village's odd answer must not cost the others
            records.append([None, None, _parse_error(run_id, v, e, f.reads)])
            continue
        if book is not None:
            books.append((len(records), book, f.workbook.reads))
        records.append([fetch_row, state_row, run])
    tables, rejections, warnings, outcomes = _parse_books([book for _, book, _ in books], ref)
    villages = []
    for (i, book, reads), outcome in zip(books, outcomes):
        v = book.village
        if isinstance(outcome, UnreadableSheet):
            records[i][1:] = [None, _village_run(run_id, v, "failed", reason="unreadable_sheet",
                                                 message=str(outcome), reads=reads)]
        elif isinstance(outcome, Exception):
            records[i] = [None, None, _parse_error(run_id, v, outcome, reads)]
        else:
            records[i][2] = _village_run(run_id, v, "loaded", reads=reads, counts=outcome)
            villages.append(v["kode_desa"])
    runs = [r[2] for r in records] + [_village_run(run_id, v, "skipped") for v in skipped]
    return Batch(run_id=run_id, now=now, fetches=_fetches_frame([r[0] for r in records if r[0] is not None]),
                 villages=villages, tables={**tables, "rejections": rejections, "warnings": warnings},
                 state=_frame([r[1] for r in records if r[1] is not None]), village_runs=_frame(runs))


def _parse_error(run_id: str, v: dict, e: BaseException, reads: int) -> dict:
    error = " ".join(f"{type(e).__name__}: {e}".split())[:200].encode("utf-8", "replace").decode("utf-8")
    return _village_run(run_id, v, "failed", reason="parse_error", message=PARSE_ERROR_MESSAGE.format(error=error),
                        reads=reads)


def _parse_books(books: list[Book], ref: Reference) -> tuple[dict, pd.DataFrame, pd.DataFrame, list]:
    """(tables with tab_counts, rejections, warnings, outcome per book: its exception or its
    (rows read, loaded, rejected)). The chunk in one pass; should that pass itself fail (a
    bug), each workbook alone, so that the one that triggers it fails alone."""
    try:
        parsed = parse_chunk(books, ref)
        return parsed.tables, parsed.rejections, parsed.warnings, parsed.outcomes
    except Exception:  # noqa: BLE001
        pass
    parts, outcomes = [], []
    for book in books:
        try:
            part = parse_workbook_parts(book.value_ranges, book.village, spreadsheet_key=book.spreadsheet_key,
                                        fetched_at=book.fetched_at, today=book.today, ref=ref)
        except Exception as e:  # noqa: BLE001
            outcomes.append(e)
            continue
        parts.append(part)
        counts = part.tab_counts
        outcomes.append(tuple(int(counts[c].sum()) for c in ("rows_read", "rows_loaded", "rows_rejected")))
    return (join_parts(parts), _concat([p.rejections for p in parts], _columns("rejections")),
            _concat([p.warnings for p in parts], _columns("warnings")), outcomes)


def _one_workbook(run_id: str, now: datetime, v: dict, wb: Workbook, state: dict):
    """(fetch row to land, sheet state to record, village run row, Book to parse or None) for
    one fetched workbook; the run row is final only for an unchanged workbook. Raises on
    anything unexpected; build_batch turns that into a failed village, and nothing of this
    village is written."""
    masked, payload = mask_and_write(wb.value_ranges)   # no NIK or phone number lands, even in raw
    plain = wb.plain                                    # (masking keeps cells plain: text for text)
    wb = Workbook(wb.spreadsheet_key, masked, wb.reads, wb.fetched_at, payload=payload)
    digest = wb.content_hash
    fetched_at = datetime.fromtimestamp(wb.fetched_at, timezone.utc)
    seen = state.get(v["spreadsheet_key"], (None, None))[1] == digest
    fetch_row = {"run_id": run_id, "run_started_at": now, "spreadsheet_key": v["spreadsheet_key"],
                 "kode_desa": v["kode_desa"], "fetched_at": fetched_at,
                 "modified_time": v.get("modified_time"), "content_hash": digest,
                 "sheets_reads": wb.reads,
                 "payload": None if seen else wb.payload}      # bytes: text in _fetches_frame
    state_row = {"spreadsheet_key": v["spreadsheet_key"], "kode_desa": v["kode_desa"],
                 "modified_time": v.get("modified_time"), "content_hash": digest}
    if seen:
        return fetch_row, state_row, _village_run(run_id, v, "unchanged", reads=wb.reads), None
    book = Book(wb.value_ranges, v, v["spreadsheet_key"], fetched_at, fetched_at.astimezone(JAKARTA).date(), plain)
    return fetch_row, state_row, None, book


def _columns(table: str) -> dict[str, str]:
    if table in ("rejections", "warnings"):
        return PROBLEM_COLUMNS
    if table == "tab_counts":
        return {"kode_desa": "string", "spreadsheet_key": "string", **TAB_COUNT_COLUMNS}
    return all_columns(table)


def _concat(frames: list[pd.DataFrame], columns: dict[str, str]) -> pd.DataFrame:
    names = list(columns)
    # the parsed frames already have these columns in this order: selecting them again (a
    # reindex per frame) cost more than the concat itself
    frames = [f if list(f.columns) == names else f[names] for f in frames if len(f)]
    if not frames:
        return _empty(columns)
    return pd.concat(frames, ignore_index=True)


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows) if rows else pd.DataFrame()


def _fetches_frame(rows: list[dict]) -> pd.DataFrame:
    """The fetch rows, their JSON payloads (bytes, valid UTF-8: orjson wrote them, or read
    them when the cells were decoded) turned into one Arrow text column in C, as the `str`
    column pandas would infer, without a Python str of each (72 MiB for 2,000 messy sheets)."""
    frame = _frame(rows)
    if len(frame):
        payloads = pa.array(frame["payload"].to_numpy(dtype=object), pa.binary(), from_pandas=True)
        frame["payload"] = payloads.cast(pa.string()).to_pandas()
    return frame
