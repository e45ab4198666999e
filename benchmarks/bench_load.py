"""CPU of loading a sync's chunks and of handing them from a parse worker to the loader.

N messy workbooks (the production shape of bench_night.py: ~540 rows each), rendered as
values:batchGet returns them (no server, no Prefect), are parsed by `build_batch` in chunks of
200 (as the sync's parse workers do), then:

  * hand-over: each Batch pickled as a worker's result is (ForkingPickler), its size, and
    unpickled (CPU of both sides, in this one process; the pipe between them is not counted),
  * first load: `load_batch` of every chunk into a new working file (the villages are new),
    CPU per statement kind and of the COMMITs,
  * reload: the same chunks again, as a later run (every village has current rows; nothing
    changed, so nothing is opened or closed),
  * the final CHECKPOINT (what publishing starts with), and the working file's size.

    .venv/bin/python benchmarks/bench_load.py [--sheets 2000] [--chunk 200]

Never part of the test suite (no timing is asserted anywhere).
"""
from __future__ import annotations

import argparse
import collections
import pickle
import resource
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))     # run from anywhere, like the others

SEED = 14


def cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def fetched_workbooks(n: int) -> list:
    from tpbis.google import sheets
    from tpbis.local_sheets.synthetic import messy_workbook, synthetic_registry
    from tpbis.local_sheets.workbook_format import render_row
    from tpbis.sync.batches import Fetched
    fetched_at = datetime(2026, 11, 30, 18, tzinfo=timezone.utc).timestamp()
    out = []
    for village in synthetic_registry(n, seed=SEED):
        book = messy_workbook(village, seed=SEED)
        cells = {s["title"]: [render_row(r, "UNFORMATTED_VALUE", book.get("locale", "in_ID")) for r in s["rows"]]
                 for s in book["sheets"]}
        out.append(Fetched({**village, "modified_time": None},
                           workbook=sheets.Workbook(village["spreadsheet_key"], cells, 1, fetched_at), reads=1))
    return out


class Counting:
    """A connection that adds up the CPU of each statement kind (its first words)."""

    def __init__(self, con, acc: collections.Counter):
        self.con, self.acc = con, acc

    def execute(self, query: str, *args):
        start = cpu()
        result = self.con.execute(query, *args)
        self.acc[" ".join(query.split()[:3])[:40]] += cpu() - start
        return result

    def __getattr__(self, name):
        return getattr(self.con, name)


def load_all(con, batches, acc: collections.Counter) -> float:
    from tpbis.warehouse import store
    start = cpu()
    for batch in batches:
        store.load_batch(Counting(con, acc), batch)
    return cpu() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=2000)
    parser.add_argument("--chunk", type=int, default=200)
    args = parser.parse_args()

    import pandas as pd
    from tpbis.registry import read_regions
    from tpbis.settings import CONFIG_DIR
    from tpbis.sync.pipeline import few_collections
    from tpbis.sync.batches import build_batch
    from tpbis.warehouse import records
    from tpbis.warehouse.workfile import open_working_file
    from transforms.reference import load_reference

    ref = load_reference(CONFIG_DIR)
    fetched = fetched_workbooks(args.sheets)
    villages = [f.village for f in fetched]
    now = datetime(2026, 11, 30, 18, tzinfo=timezone.utc)
    with few_collections():
        start = cpu()
        batches = [build_batch("run-1", now, fetched[i:i + args.chunk], {}, ref)
                   for i in range(0, len(fetched), args.chunk)]
        parse = cpu() - start
        start = cpu()
        sent = [ForkingPickler.dumps(b) for b in batches]
        pickled = cpu() - start
        size = sum(len(s) for s in sent)
        start = cpu()
        batches = [pickle.loads(s) for s in sent]
        unpickled = cpu() - start
        del sent
    rows = sum(len(t) for b in batches for t in b.tables.values())
    print(f"{args.sheets} sheets, {len(batches)} chunks, {rows:,} rows; parse {parse:.2f} s CPU")
    print(f"hand-over: {size / 2**20:.0f} MiB, pickle {pickled:.2f} s + unpickle {unpickled:.2f} s CPU")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "work.duckdb"
        con = open_working_file(path)
        records.load_reference_tables(con, pd.DataFrame(villages), read_regions(CONFIG_DIR),
                                      ref.category_values["strategi"])
        for label, run_id, when in (("first load", "run-1", now), ("reload", "run-2", now + timedelta(days=1))):
            records.start_run(con, run_id, when, False)
            for b in batches:
                b.run_id, b.now = run_id, when
            acc: collections.Counter = collections.Counter()
            total = load_all(con, batches, acc)
            print(f"{label}: {total:.2f} s CPU; " + ", ".join(f"{k} {v:.2f}" for k, v in acc.most_common(6)))
        start = cpu()
        con.execute("checkpoint")
        print(f"final checkpoint: {cpu() - start:.2f} s CPU")
        con.close()
        print(f"working file: {path.stat().st_size / 2**20:.0f} MiB; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
