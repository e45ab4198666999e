"""`tpbis replay`: rebuild the loaded tables from the raw cells already landed, without Google.

Runs are replayed in the order they happened, each with its original start time as
`valid_from` and the fetch date as "today" for validation, through the same
`build_batch` / `load_batch` as the sync: the result equals what the syncs produced, which
is how transform fixes are applied to old data and how a damaged core is repaired.
"""
from __future__ import annotations

from itertools import groupby

import orjson
import pandas as pd

from tpbis import sheets, sync, warehouse
from tpbis.settings import Settings
from transforms.reference import load_reference


def replay_all(settings: Settings) -> int:
    con = warehouse.open_writer(settings)
    ref = load_reference(settings.config_dir)
    rows = con.execute(warehouse.sql("load/replay_fetches.sql")).df()
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
                batch = sync.build_batch(run_id, pd.Timestamp(started).to_pydatetime(),
                                         [_fetched(r, cells[r.content_hash]) for r in chunk], state, ref)
                del cells
                batch.fetches, batch.village_runs = pd.DataFrame(), pd.DataFrame()
                warehouse.load_batch(con, batch, in_transaction=True)
            state = warehouse.sheet_state(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    warehouse.publish(con, settings)
    return len(rows)


def _fetched(r, payload: str) -> sync.Fetched:
    village = {"kode_desa": r.kode_desa, "spreadsheet_key": r.spreadsheet_key, "desa": r.desa,
               "kecamatan": r.kecamatan, "kabupaten": r.kabupaten, "provinsi": r.provinsi,
               "modified_time": r.modified_time}
    wb = sheets.Workbook(r.spreadsheet_key, orjson.loads(payload), int(r.sheets_reads),
                         pd.Timestamp(r.fetched_at).timestamp())
    return sync.Fetched(village, workbook=wb)
