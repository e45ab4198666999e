"""Rebuild the loaded tables from the raw cells already landed, without Google (`tpbis replay`
opens the working file and publishes around it: tpbis.sync.working_file.replay_all).

Runs are replayed in the order they happened, each with its original start time as
`valid_from` and the fetch date as "today" for validation, through the same
`build_batch` / `load_batch` as the sync: the result equals what the syncs produced, which
is how transform fixes are applied to old data and how a damaged core is repaired.
"""
from __future__ import annotations

from itertools import groupby

import json

import orjson
import pandas as pd

from tpbis.google.fetched import Workbook
from tpbis.sync import batches, progress
from tpbis.warehouse import store as warehouse
from tpbis.warehouse.records import sheet_state
from tpbis.settings import Settings
from transforms.reference import load_reference


def replay_into(con, settings: Settings) -> int:
    """Rebuild every core table of an open working file from its raw cells; returns the
    number of fetches replayed. One transaction: a failed replay changes nothing."""
    ref = load_reference(settings.config_dir)
    rows = con.execute(warehouse.sql("load/replay_fetches.sql")).df()
    tracker = progress.open_tracker("replay", len(rows), phases=("parse", "load"),
                                    interval=settings.progress_seconds, every=settings.progress_every)
    payloads = warehouse.sql("load/replay_payloads.sql")
    con.execute("begin transaction")
    try:
        con.execute(warehouse.sql("load/clear_history.sql"))
        state: dict = {}
        for (run_id, started), fetches in groupby(rows.itertuples(index=False), key=lambda r: (r.run_id, r.run_started_at)):
            fetches = list(fetches)
            # a chunk at a time, as the sync does: the cells of one chunk in memory, not all
            for at in range(0, len(fetches), max(1, settings.chunk_size)):
                chunk = fetches[at:at + settings.chunk_size]
                cells = dict(con.execute(payloads, {"hashes": sorted({r.content_hash for r in chunk})}).fetchall())
                batch = batches.build_batch(run_id, pd.Timestamp(started).to_pydatetime(),
                                            [_fetched(r, cells[r.content_hash]) for r in chunk], state, ref)
                del cells
                tracker.advance("parse", len(chunk))
                batch.fetches, batch.village_runs = pd.DataFrame(), pd.DataFrame()
                warehouse.load_batch(con, batch, in_transaction=True)
                tracker.advance("load", len(chunk))
            state = sheet_state(con)
        con.execute("commit")
    except BaseException:
        tracker.close(finished=False)
        try:
            con.execute("rollback")
        except Exception:
            pass        # already rolled back and closed (a full disk: see tpbis/warehouse/disk.py)
        raise
    tracker.close()
    return len(rows)


def _fetched(r, payload: str) -> batches.Fetched:
    village = {"kode_desa": r.kode_desa, "spreadsheet_key": r.spreadsheet_key, "desa": r.desa,
               "kecamatan": r.kecamatan, "kabupaten": r.kabupaten, "provinsi": r.provinsi,
               "modified_time": r.modified_time}
    try:
        cells = orjson.loads(payload)
    except orjson.JSONDecodeError:      # landed by the fallback (ints past 64 bits, lone surrogates)
        cells = json.loads(payload)
    wb = Workbook(r.spreadsheet_key, cells, int(r.sheets_reads), pd.Timestamp(r.fetched_at).timestamp())
    return batches.Fetched(village, workbook=wb)
