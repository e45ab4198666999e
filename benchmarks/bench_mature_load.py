"""A night's load into an old warehouse: what a chunk costs once ten years have landed.

The other benchmarks load into a new file. Here the warehouse is `bench_reports.py`'s
province (20,000 villages x 10 years, every row current; opened as a sync opens its working
file, which gives the rows their real row_hash), and chunks of villages whose every row
changed are loaded into a copy of it, as a night's chunks would be: the new rows open
versions and the old ones are closed. Per chunk it prints the CPU and wall time of
`load_batch`, of its commit, and the WAL's size after it; then the checkpoint that publish
makes. Each size is loaded twice: as the sync loads (the WAL checkpointed by its real size,
tpbis.warehouse.workfile.checkpoints_by_wal_size) and as before, by DuckDB's own threshold,
which over-estimates these commits and checkpoints at each.

Then the payloads: a chunk of 200 payloads landed as `store.load_batch` lands them (the
chunk's hashes looked up in raw.payloads' primary key index, sql/load/landed_payloads.sql,
then sql/load/raw_land.sql), with the `not exists` it used before, and with `insert or
ignore`, against N payloads already landed (--payloads, default 3,650,000: ten years of 1,000
changed sheets a night) and against none.

    .venv/bin/python benchmarks/bench_mature_load.py [--sizes 200 48 12] [--chunks 3] [--keep PATH]

Never part of the test suite (no timing is asserted anywhere).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb                                           # noqa: E402
import orjson                                           # noqa: E402
import pyarrow as pa                                    # noqa: E402

import bench_reports                                    # noqa: E402
from tpbis.google.fetched import Workbook               # noqa: E402
from tpbis.local_sheets.synthetic import messy_workbook, synthetic_registry   # noqa: E402
from tpbis.sync.batches import Fetched, build_batch     # noqa: E402
from tpbis.warehouse import records, store, workfile    # noqa: E402
from transforms.reference import load_reference         # noqa: E402

NOT_EXISTS = """insert into raw.payloads by name
select distinct on (content_hash) content_hash, spreadsheet_key, payload from stage_fetches s
where payload is not null and not exists (select 1 from raw.payloads p where p.content_hash = s.content_hash)"""
OR_IGNORE = """insert or ignore into raw.payloads by name
select distinct on (content_hash) content_hash, spreadsheet_key, payload from stage_fetches s
where payload is not null"""


class TimedCommits:
    """The connection, with the CPU and wall time of each COMMIT noted."""

    def __init__(self, con):
        self.con, self.commits = con, []

    def execute(self, query, *args):
        cpu, wall = time.process_time(), time.perf_counter()
        result = self.con.execute(query, *args)
        if query == "commit":
            self.commits.append((time.process_time() - cpu, time.perf_counter() - wall))
        return result

    def __getattr__(self, name):
        return getattr(self.con, name)


def old_warehouse(path: Path, villages: int, years: int) -> None:
    start = time.perf_counter()
    counts = bench_reports.build(path, villages, years)
    con = workfile.open_working_file(path)      # the row hashes a sync would have written
    con.execute("checkpoint")
    con.close()
    print(f"built {path} in {time.perf_counter() - start:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


def batches(con, size: int, chunks: int, seed: int) -> list[store.Batch]:
    """`chunks` batches of `size` villages of the warehouse, picked at random, each with a
    messy workbook of its own (so every current row of theirs changes)."""
    villages = con.execute("select kode_desa, spreadsheet_key, desa from core.villages order by all").fetchall()
    picked = random.Random(seed).sample(villages, size * chunks)
    template = synthetic_registry(1, seed=seed)[0]
    ref, now, out = load_reference(), datetime.now(timezone.utc), []
    for c in range(chunks):
        fetched = []
        for kode, key, desa in picked[c * size:(c + 1) * size]:
            village = {**template, "kode_desa": kode, "spreadsheet_key": key, "desa": desa, "modified_time": None}
            cells = orjson.loads(orjson.dumps({s["title"]: s["rows"] for s in messy_workbook(village, seed=seed)["sheets"]},
                                              default=str))
            fetched.append(Fetched(village, workbook=Workbook(key, cells, 1, time.time()), reads=1))
        out.append(build_batch("bench-night", now, fetched, {}, ref))
    return out


def load_chunks(base: Path, work: Path, size: int, chunks: int, by_real_size: bool) -> None:
    shutil.copy(base, work)
    con = workfile.open_working_file(work)
    how = "real size (now)" if by_real_size else "DuckDB's estimate (before)"
    try:
        todo = batches(con, size, chunks, seed=size)
        records.start_run(con, "bench-night", todo[0].now, False)
        timed = TimedCommits(con)
        with store.one_thread(con), (workfile.checkpoints_by_wal_size(con) if by_real_size else nullcontext()):
            for batch in todo:
                cpu, wall = time.process_time(), time.perf_counter()
                store.load_batch(timed, batch)
                if by_real_size:
                    workfile.checkpoint_past_threshold(con)     # as the sync's load_chunk does
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                (wal,) = con.execute("select wal_size from pragma_database_size()").fetchall()[0]
                print(f"| {size} | {how} | {cpu:.2f} s | {wall:.2f} s | {timed.commits[-1][0]:.2f} s | {wal} |", flush=True)
        cpu = time.process_time()
        con.execute("checkpoint")
        print(f"| {size} | {how}: publish's checkpoint | {time.process_time() - cpu:.2f} s | | | |", flush=True)
    finally:
        con.close()
        work.unlink(missing_ok=True)
        Path(f"{work}.wal").unlink(missing_ok=True)


def land_payloads(folder: Path, landed: int) -> None:
    path = folder / "payloads.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema raw")
        con.execute("create table raw.payloads (content_hash varchar primary key, spreadsheet_key varchar, payload varchar)")
        con.execute("insert into raw.payloads select sha256(i::varchar), 'key-' || (i % 20000), repeat('x', 2000) "
                    "from range(?) t(i)", [landed])
        con.execute("checkpoint")
        con.execute("set threads = 1")
        for rep in range(3):
            stage = pa.table({"content_hash": [hashlib.sha256(f"new-{rep}-{i}".encode()).hexdigest() for i in range(200)],
                              "spreadsheet_key": [f"k{i}" for i in range(200)], "payload": ["y" * 37_000] * 200})
            con.register("stage_fetches", stage)
            for name, statement in (("index look-up, then insert (now)", None), ("not exists (before)", NOT_EXISTS),
                                    ("insert or ignore", OR_IGNORE)):
                con.execute("begin transaction")
                cpu = time.process_time()
                if statement is None:
                    store.run_script(con, store._statements(store.sql("load/raw_land.sql"))[1],  # its payloads
                                     {"landed": store._landed_payloads(con, stage)})
                else:
                    con.execute(statement)
                cpu = time.process_time() - cpu
                con.execute("rollback")
                print(f"| {landed:,} | {name} | {cpu:.3f} s |", flush=True)
            con.unregister("stage_fetches")
    finally:
        con.close()
        path.unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--villages", type=int, default=20_000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 48, 12], help="chunk sizes (villages)")
    ap.add_argument("--chunks", type=int, default=3, help="chunks loaded per size")
    ap.add_argument("--payloads", type=int, default=3_650_000, help="payloads already landed (0: skip that part)")
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the old warehouse here")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tpbis-mature-"))
    try:
        base = args.keep or folder / "old.duckdb"
        if not base.exists():
            old_warehouse(base, args.villages, args.years)
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n")
        print("| chunk (villages) | WAL checkpointed by | load_batch CPU | wall | its commit's CPU | WAL after |\n"
              "|---|---|---|---|---|---|")
        for size in args.sizes:
            for by_real_size in (True, False):
                load_chunks(base, folder / "work.duckdb", size, args.chunks, by_real_size)
        if args.payloads:
            print("\n| payloads landed | statement | CPU for 200 more |\n|---|---|---|")
            for landed in (0, args.payloads):
                land_payloads(folder, landed)
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
