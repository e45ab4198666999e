"""Marginal sync throughput: raw cells (as values:batchGet returns them) -> validated rows in DuckDB.

Times the same code the sync runs after the fetch — `batches.build_batch` (parse + validate,
pure pandas) and `warehouse.load_batch` (land raw cells, historied replace in one
transaction) — on a small and a big synthetic workbook, and reports the marginal rate
(extra rows / extra seconds), which is what a province with more data per sheet pays.

    .venv/bin/python benchmarks/bench_throughput.py [--rows 1000000]
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from tpbis.google.fetched import Workbook
from tpbis.sync import batches
from tpbis.warehouse import store as warehouse
from tpbis.sync.working_file import open_writer
from tpbis.settings import CONFIG_DIR, Settings
from tpbis.local_sheets.synthetic import big_workbook, synthetic_registry
from transforms.reference import load_reference


def value_ranges(workbook: dict) -> dict:
    """What batchGet (UNFORMATTED_VALUE) returns for a synthetic workbook."""
    from tpbis.local_sheets.workbook_format import render_row
    return {s["title"]: [render_row(r, "UNFORMATTED_VALUE", workbook.get("locale", "in_ID")) for r in s["rows"]]
            for s in workbook["sheets"]}


def run_once(con, village, cells, ref, run_no) -> tuple[float, float, int]:
    now = datetime.now(timezone.utc)
    wb = Workbook(village["spreadsheet_key"], cells, 1, now.timestamp())
    fetched = [batches.Fetched({**village, "modified_time": None}, workbook=wb)]
    t0 = time.perf_counter()
    batch = batches.build_batch(f"bench-{run_no}", now, fetched, {}, ref)
    t1 = time.perf_counter()
    warehouse.load_batch(con, batch)
    t2 = time.perf_counter()
    rows = sum(len(batch.tables[t]) for t in ("visits", "activities", "partners", "benefits"))
    return t1 - t0, t2 - t1, rows


def chunked(con, villages, cells, ref) -> tuple[float, int]:
    """The flow's shape: one chunk after another, each parsed then loaded in one transaction."""
    now = datetime.now(timezone.utc)
    rows = 0
    t0 = time.perf_counter()
    for i, village in enumerate(villages):
        wb = Workbook(village["spreadsheet_key"], cells[i], 1, now.timestamp())
        batch = batches.build_batch(f"chunk-{i}", now, [batches.Fetched({**village, "modified_time": None}, workbook=wb)],
                                 {}, ref)
        warehouse.load_batch(con, batch)
        rows += sum(len(batch.tables[t]) for t in ("visits", "activities", "partners", "benefits"))
    return time.perf_counter() - t0, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="Kegiatan rows in the big workbook")
    args = parser.parse_args()
    ref = load_reference(CONFIG_DIR)
    small_v, big_v = synthetic_registry(2, seed=3)
    small = value_ranges(big_workbook(small_v, kegiatan_rows=10_000, kunjungan_rows=120))
    big = value_ranges(big_workbook(big_v, kegiatan_rows=args.rows, kunjungan_rows=120))
    with tempfile.TemporaryDirectory() as tmp:
        con = open_writer(Settings(warehouse=Path(tmp) / "bench.duckdb"))
        run_once(con, small_v, small, ref, 0)                      # warm-up (imports, schema)
        con.execute("delete from core.activities"); con.execute("delete from core.visits")
        ps, ls, rs = run_once(con, small_v, small, ref, 1)
        pb, lb, rb = run_once(con, big_v, big, ref, 2)
        chunk_villages = synthetic_registry(10, seed=4)
        chunk_cells = [value_ranges(big_workbook(v, kegiatan_rows=args.rows // 10, kunjungan_rows=120))
                       for v in chunk_villages]
        tp, rp = chunked(con, chunk_villages, chunk_cells, ref)
    print(f"chunked like the flow, 10 sheets x {args.rows // 10:,} rows: {rp:,} rows in {tp:.2f} s "
          f"-> {rp / tp:,.0f} rows/s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"small workbook: {rs:>9,} rows  parse {ps:6.2f} s  load {ls:6.2f} s  -> {rs / (ps + ls):>10,.0f} rows/s")
    print(f"big workbook:   {rb:>9,} rows  parse {pb:6.2f} s  load {lb:6.2f} s  -> {rb / (pb + lb):>10,.0f} rows/s")
    marginal = (rb - rs) / ((pb + lb) - (ps + ls))
    print(f"marginal throughput (raw cells -> validated rows in DuckDB): {marginal:,.0f} rows/s")
    print(f"  parse only: {(rb - rs) / (pb - ps):,.0f} rows/s   load only: {(rb - rs) / (lb - ls):,.0f} rows/s")
    print(f"peak memory (RSS): {peak_mb:,.0f} MiB")


if __name__ == "__main__":
    main()
