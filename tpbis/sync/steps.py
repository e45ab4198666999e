"""The steps of the nightly sync, as plain functions (the Prefect flow only wires them).

plan: which villages to read (Drive modifiedTime vs. the last successful sync)
fetch: one values:batchGet per changed sheet, on a thread pool, paced by the shared limiter
build_batch: parse each workbook (pure transforms) and decide what one transaction writes
  (tpbis/sync/batches.py: what the parse workers import, without the fetching's libraries)
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable
from datetime import datetime, timedelta

from tpbis.google import sheets
from tpbis.settings import Settings
from tpbis.sync import timeline
from tpbis.sync.batches import Fetched
from tpbis.sync.planning import Plan, Planner, plan  # noqa: F401 - the plan step, page by page

_connections: dict[Settings, sheets.Connection] = {}
_connections_lock = threading.Lock()


def shared_connection(settings: Settings) -> sheets.Connection:
    """One gspread client (and so one rate limiter) per process and settings: every fetch
    thread and every chunk task of this process paces against the same quota."""
    with _connections_lock:
        if settings not in _connections:
            _connections[settings] = sheets.connect(settings)
        return _connections[settings]


def due_for_full_sweep(last_full: str | None, now: datetime, every_days: int) -> bool:
    if every_days <= 0:
        return False
    return last_full is None or now - datetime.fromisoformat(last_full) >= timedelta(days=every_days)


STOPPED = sheets.FetchError("stopped", "Sinkronisasi dihentikan sebelum spreadsheet ini dibaca.")


def fetch_all(conn: sheets.Connection, villages: list[dict], workers: int,
              on_fetched: Callable[[Fetched], None] | None = None,
              stop: threading.Event | None = None) -> list[Fetched]:
    """Fetch on a thread pool so network latency does not waste quota; never raises.
    `on_fetched` (progress) is called on the fetch thread with each result as it arrives.
    Once `stop` is set (the run is ending: SIGTERM, an error), no further read starts: each
    village not yet read fails with reason `stopped` (never recorded: the run loads nothing
    more), instead of the run waiting for a whole chunk's reads at the quota's pace (200 reads
    at 60 a minute) before it can end.

    Each result carries what its fetch cost (Sheets reads, 429 answers), counted on its own
    thread: with a process-based task runner the flow's process sees no requests at all.
    """
    def one(v: dict) -> Fetched:
        if stop is not None and stop.is_set():
            return Fetched(v, error=STOPPED)
        reads, throttled = conn.stats.this_thread("sheets.read"), conn.stats.this_thread("http.429")
        timeline.mark("read started")
        try:
            f = Fetched(v, workbook=sheets.fetch_workbook(conn, v["spreadsheet_key"]))
        except sheets.FetchError as e:
            f = Fetched(v, error=e)
        except Exception as e:  # a bug or an odd answer for one village must not stop the others
            f = Fetched(v, error=sheets.FetchError("unexpected", f"{type(e).__name__}: {e}"))
        f.reads = conn.stats.this_thread("sheets.read") - reads
        f.http_429 = conn.stats.this_thread("http.429") - throttled
        timeline.mark("read answered")
        if on_fetched is not None:
            on_fetched(f)
        return f

    with ThreadPoolExecutor(max(1, workers)) as pool:
        return list(pool.map(one, villages))


def summarise(con, run_id: str, *, http_429: int, seconds: float) -> dict:
    """The run summary (also stored in core.runs): counts, and every failed village with why."""
    from tpbis.warehouse.store import sql
    rows = con.execute(sql("load/run_summary.sql"), {"run_id": run_id}).df()
    reads = int(rows["sheets_reads"].sum())
    failed = rows[rows["status"] == "failed"]
    synced = int(rows["status"].isin(["loaded", "unchanged"]).sum())
    summary = {
        "run_id": run_id,
        "villages_synced": synced,
        "villages_loaded": int((rows["status"] == "loaded").sum()),
        "villages_unchanged": int((rows["status"] == "unchanged").sum()),
        "villages_skipped": int((rows["status"] == "skipped").sum()),
        "villages_failed": len(failed),
        "rows_loaded": int(rows["rows_loaded"].sum()),
        "rows_rejected": int(rows["rows_rejected"].sum()),
        "sheets_reads": reads,
        "http_429": http_429,
        "seconds": round(seconds, 1),
        "failed": [{"kode_desa": r.kode_desa, "desa": r.desa, "reason": r.reason, "message": r.message}
                   for r in failed.itertuples()],
    }
    # failed: nothing could be synced at all; skipped (unchanged) villages are fine, not failures
    summary["status"] = "success" if not len(failed) else ("failed" if len(failed) == len(rows) else "partial")
    summary["message"] = "; ".join(f"{f['kode_desa']} {f['reason']}" for f in summary["failed"]) or None
    return summary


def format_summary(s: dict) -> str:
    """Plain-text summary for the terminal and the Prefect log."""
    lines = [
        f"Sync {s['run_id']}: {s['status']}",
        f"  villages: {s['villages_loaded']} loaded, {s['villages_unchanged']} re-read but unchanged, "
        f"{s['villages_skipped']} skipped (not modified), {s['villages_failed']} failed",
        f"  rows: {s['rows_loaded']} loaded, {s['rows_rejected']} rejected "
        f"(see report.rejected_rows)",
        f"  Sheets reads: {s['sheets_reads']}, 429 answers: {s['http_429']}, time: {s['seconds']} s",
    ]
    for f in s["failed"]:
        lines.append(f"  FAILED {f['kode_desa']} {f['desa'] or ''}: [{f['reason']}] {f['message']}")
    return "\n".join(lines)
