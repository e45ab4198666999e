"""Write each synced village's validation results into a `Validasi` tab of its own sheet.

Why: a librarian fixes what she can see. After the loads of a run (`tpbis sync --write-back`),
each village loaded in it (and, a limited number per run, any village whose earlier results
never reached its sheet) gets a `Validasi` tab saying whether every row was accepted (a green
or red status line), when its data was read, how many rows of each tab were read, accepted and
rejected, one line per rejected row (tab, row, column, value, Indonesian message: exactly
`report.rejected_rows`) with a link to its cell, and the warnings. A village whose sheet could
not be read at all (`unreadable_sheet`) gets a tab saying why. What the tab says is
`tpbis.validasi.layout`; where each cell is, `tpbis.validasi.links`.

Cost and safety, per village: one Sheets read (the tab list with sheet ids: only a tab titled
`Validasi` is ever written, and links need the ids) and one Sheets write (a single
batchUpdate: add the tab, or update the existing one in place so its sheet id, and a
librarian's bookmark, stays; Google applies it all or nothing). Both go through gspread's
paced client, which keeps to the read and write quotas and retries 429/5xx a bounded number
of times. Two Drive `files.get` calls bracket the write.

Change detection: our own write moves the sheet's Drive modifiedTime, which would make the
next night re-read every sheet we wrote to. So just before writing we read modifiedTime; if it
is still what `core.sheet_state` holds (nobody edited since the sync read the sheet), we store
the modifiedTime read just after the write. If a librarian edited in between, we leave the old
value, and her edit is read next night. (An edit in the second or so between those two reads
is only caught by the weekly full sweep, whose content hash comparison is always right.) The
content hash itself never sees `Validasi`: the sync reads only the template tabs.

A failed write-back is logged and recorded in `core.writebacks`, never raised: the village's
data is already loaded and stays loaded; the next run with write-back tries again.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

import requests
from gspread.exceptions import APIError

from tpbis.google import sheets
from tpbis.google.drive import drive_file_url
from tpbis.google.titles import fold
from tpbis.settings import Settings
from tpbis.village_sheets.validasi.layout import (VALIDASI, ValidasiTab, replace_requests, unreadable_tab,
                                                 validasi_tab)
from tpbis.village_sheets.validasi.links import CellLocator
from transforms.columns import TEMPLATE_TABS

BACKLOG = 600                   # villages per run whose earlier results never reached their sheet

log = logging.getLogger(__name__)

_connections: dict[Settings, sheets.Connection] = {}
_connections_lock = threading.Lock()


def write_connection(settings: Settings) -> sheets.Connection:
    """One gspread client with the `spreadsheets` scope per process and settings. Its writes
    have their own limiter (Google's write quota); its reads pace on the sync's read limiter,
    since both clients spend the same service account's read quota."""
    from tpbis.sync.steps import shared_connection
    with _connections_lock:
        if settings not in _connections:
            conn = sheets.connect(settings, write=True)
            conn.http.limiters["sheets.read"] = shared_connection(settings).http.limiters["sheets.read"]
            _connections[settings] = conn
        return _connections[settings]


# --- what the tab says (pure) ---------------------------------------------------------------

# --- talking to Google ----------------------------------------------------------------------

class WriteBackError(Exception):
    """A write-back that did not happen. `code` is stable; `message` is for province staff."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def _api_error(e: APIError, service_account: str) -> WriteBackError:
    status = e.response.status_code
    if status == 403:
        return WriteBackError("permission_denied",
                              f"Tidak ada izin menulis ke spreadsheet: bagikan ke {service_account} sebagai Editor.")
    if status == 404:
        return WriteBackError("not_found", "Spreadsheet tidak ditemukan (dihapus, atau kunci di registri salah).")
    if status == 429:
        return WriteBackError("quota_exhausted", "Kuota Google Sheets habis setelah beberapa percobaan.")
    if status >= 500:
        return WriteBackError("server_error", f"Server Google gagal ({status}) setelah beberapa percobaan.")
    try:
        detail = e.error.get("message", "")
    except Exception:
        detail = str(e)
    return WriteBackError("api_error", f"Google menolak permintaan ({status}): {detail}")


def modified_time(conn: sheets.Connection, key: str) -> str:
    """The sheet's Drive modifiedTime, now (Drive quota, not Sheets)."""
    body = conn.http.request("get", drive_file_url(key),
                             params={"fields": "modifiedTime", "supportsAllDrives": "true"}).json()
    return body["modifiedTime"]


def existing_validasi(conn: sheets.Connection, key: str) -> tuple[int | None, dict[str, int]]:
    """(sheetId of the tab titled Validasi or None, sheetId of every tab by title): one Sheets read."""
    meta = conn.http.fetch_sheet_metadata(key, params={"fields": "sheets.properties(sheetId,title)"})
    props = [s["properties"] for s in meta.get("sheets", [])]
    found = next((p["sheetId"] for p in props if fold(p["title"]) == fold(VALIDASI)), None)
    return found, {p["title"]: p["sheetId"] for p in props}


def _new_sheet_id(taken: set[int]) -> int:
    while True:
        candidate = secrets.randbelow(2**31 - 2) + 1
        if candidate not in taken:
            return candidate


@dataclass
class Target:
    kode_desa: str
    spreadsheet_key: str
    tab: ValidasiTab


@dataclass
class Outcome:
    kode_desa: str
    spreadsheet_key: str
    status: str                         # written, failed
    reason: str | None = None
    message: str | None = None
    rows_rejected: int | None = None
    sheets_reads: int = 0
    sheets_writes: int = 0
    modified_before: str | None = None
    modified_after: str | None = None
    written_at: datetime | None = None


def write_one(conn: sheets.Connection, target: Target, settle_seconds: float = 1.0) -> Outcome:
    """Replace one village's Validasi tab; returns what happened, never raises."""
    out = Outcome(target.kode_desa, target.spreadsheet_key, "failed", rows_rejected=target.tab.rejected_lines)
    key = target.spreadsheet_key
    try:
        out.modified_before = modified_time(conn, key)
        out.sheets_reads += 1
        old_id, ids = existing_validasi(conn, key)
        out.sheets_writes += 1
        conn.http.batch_update(key, {"requests": replace_requests(target.tab, old_id, _new_sheet_id(set(ids.values())),
                                                                  ids)})
        out.status, out.written_at = "written", datetime.now(timezone.utc)
        # Drive may show the write a moment late; an unchanged modifiedTime right after a write
        # is such a moment, so look again a couple of times before giving up on advancing.
        for attempt in range(3):
            if attempt:
                time.sleep(settle_seconds * attempt)
            out.modified_after = modified_time(conn, key)
            if out.modified_after != out.modified_before:
                break
    except APIError as e:
        error = _api_error(e, conn.service_account)
        out.reason, out.message = error.code, error.message
    except (requests.ConnectionError, requests.Timeout) as e:
        out.reason = "unreachable"
        out.message = f"Server tidak menjawab setelah beberapa percobaan ({type(e).__name__})."
    except Exception as e:  # an odd answer for one village must not stop the others
        out.reason, out.message = "unexpected", f"{type(e).__name__}: {e}"
    if out.written_at is None:
        out.written_at = datetime.now(timezone.utc)
    return out


# --- the run --------------------------------------------------------------------------------

def _logger():
    try:
        from prefect import get_run_logger
        return get_run_logger()
    except Exception:
        return log


def _targets(con, run_id: str, backlog: int, config_dir) -> list[Target]:
    from tpbis.warehouse.store import sql
    from transforms.reference import load_reference
    ref = load_reference(config_dir)
    villages = con.execute(sql("queries/writeback_villages.sql"), {"run_id": run_id, "backlog": backlog}).fetchall()
    out = []
    for kode_desa, key, _loaded_now, checked_at in villages:
        params = {"spreadsheet_key": key, "tabs": TEMPLATE_TABS}
        counts = con.execute(sql("queries/writeback_tab_counts.sql"), params).fetchall()
        rejections = con.execute(sql("queries/writeback_rejections.sql"), params).fetchall()
        warnings = con.execute(sql("queries/writeback_warnings.sql"), params).fetchall()
        payload = con.execute(sql("queries/writeback_payload.sql"), {"spreadsheet_key": key}).fetchall()
        locator = CellLocator.from_json(payload[0][0] if payload else None, ref)
        out.append(Target(kode_desa, key, validasi_tab(kode_desa, checked_at, counts, rejections, warnings,
                                                       locator.link)))
    for kode_desa, key, message, checked_at in con.execute(sql("queries/writeback_unreadable.sql"),
                                                           {"run_id": run_id}).fetchall():
        out.append(Target(kode_desa, key, unreadable_tab(kode_desa, checked_at, message)))
    return out


def _record(con, run_id: str, target: Target, outcome: Outcome) -> bool:
    """Store the outcome; advance change detection past our own write when that is honest."""
    from tpbis.warehouse.store import sql
    con.execute("begin transaction")
    try:
        advanced = False
        if outcome.status == "written" and outcome.modified_after and outcome.modified_before \
                and outcome.modified_after != outcome.modified_before:
            advanced = bool(con.execute(sql("queries/writeback_sheet_state.sql"), {
                "spreadsheet_key": target.spreadsheet_key, "before": outcome.modified_before,
                "after": outcome.modified_after}).fetchall())
        con.execute(sql("queries/writeback_record.sql"), {
            "run_id": run_id, "kode_desa": outcome.kode_desa, "spreadsheet_key": outcome.spreadsheet_key,
            "status": outcome.status, "reason": outcome.reason, "message": outcome.message,
            "rows_rejected": outcome.rows_rejected, "sheets_reads": outcome.sheets_reads,
            "sheets_writes": outcome.sheets_writes, "modified_before": outcome.modified_before,
            "modified_after": outcome.modified_after, "state_advanced": advanced,
            "written_at": outcome.written_at})
        con.execute("commit")
        return advanced
    except BaseException:
        con.execute("rollback")
        raise


def write_back_run(settings: Settings, con, run_id: str, *, backlog: int = BACKLOG) -> dict:
    """Write the Validasi tab of every village loaded in run `run_id` (and of up to `backlog`
    earlier ones whose results never reached their sheet). Never raises.

    `con` is the sync's read-write connection to its working file, after the loads. Returns
    counts and one entry per village tried; the same is recorded in `core.writebacks`.
    """
    logger = _logger()
    result: dict = {"run_id": run_id, "written": 0, "failed": 0, "state_advanced": 0,
                    "sheets_reads": 0, "sheets_writes": 0, "villages": []}
    try:
        targets = _targets(con, run_id, backlog, settings.config_dir)
        if not targets:
            logger.info("Write-back: nothing to write")
            return result
        conn = write_connection(settings)
        reads_before, writes_before = conn.stats["sheets.read"], conn.stats["sheets.write"]
        with ThreadPoolExecutor(max(1, min(settings.fetch_workers, len(targets)))) as pool:
            outcomes = list(pool.map(lambda t: write_one(conn, t, settings.backoff_base), targets))
        for target, outcome in zip(targets, outcomes):
            advanced = _record(con, run_id, target, outcome)
            result[outcome.status] += 1
            result["state_advanced"] += advanced
            result["villages"].append({"kode_desa": outcome.kode_desa, "status": outcome.status,
                                       "reason": outcome.reason, "message": outcome.message,
                                       "rows_rejected": outcome.rows_rejected, "state_advanced": advanced})
            if outcome.status == "failed":
                logger.warning("Write-back FAILED %s: [%s] %s", outcome.kode_desa, outcome.reason, outcome.message)
        result["sheets_reads"] = conn.stats["sheets.read"] - reads_before
        result["sheets_writes"] = conn.stats["sheets.write"] - writes_before
        logger.info("Write-back: %d Validasi tabs written, %d failed; Sheets reads %d, writes %d",
                    result["written"], result["failed"], result["sheets_reads"], result["sheets_writes"])
    except Exception as e:  # write-back must never fail the sync: the data is already loaded
        logger.error("Write-back stopped: %s: %s", type(e).__name__, e)
        result["error"] = f"{type(e).__name__}: {e}"
    return result
