"""How fast is the quarterly extract for all of Riau (the province + 12 kabupaten = 13 scopes)?

Builds (or reuses, with --keep PATH --reuse) the warehouse of benchmarks/bench_reports.py --
20,000 synthetic villages x 10 years -- then times, for one quarter: the extract queries
(once for every scope), and writing one scope's files by kind (xlsx workbook, CSV, Parquet)
in this process, then the whole `write_extract` (all scopes, in worker processes as the
command runs it). Plain script, not part of the test run:

    .venv/bin/python benchmarks/bench_extract.py [--villages 20000] [--years 10] [--keep PATH [--reuse]]
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import datetime, time as dtime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reports import QUARTER, warehouse_from_args                                  # noqa: E402
from tpbis.extract.flat_files import write_csv, write_parquet              # noqa: E402
from tpbis.extract.layout import TABLES                                    # noqa: E402
from tpbis.extract.write import (Quarter, build_tables, read_threshold_rows,  # noqa: E402
                                 read_thresholds, scopes, slice_scope, write_extract)
from tpbis.extract.xlsx import WorkbookMeta, write_workbook                # noqa: E402
from tpbis.settings import CONFIG_DIR                                      # noqa: E402
from tpbis.warehouse.snapshot import open_reader             # noqa: E402


def timed(label: str, fn, best_of: int = 1):
    best, result = float("inf"), None
    for _ in range(best_of):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    print(f"{label:52} {best:>7.2f} s")
    return result


def main() -> None:
    path, work = warehouse_from_args(__doc__.splitlines()[0], "tpbis-bench-extract-")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (timings scale with it)")
    quarter = Quarter.parse(QUARTER)

    con = open_reader(path)
    try:
        tables = timed("extract queries (all scopes at once)",
                       lambda: build_tables(con, quarter, read_thresholds(CONFIG_DIR)))
    finally:
        con.close()
    every = scopes(tables)
    province = slice_scope(tables, every[0])
    meta = WorkbookMeta(title=every[0].title, quarter_code=QUARTER, quarter_title=quarter.title,
                        created=datetime.combine(quarter.last_day, dtime(0)), data_state="bench", region_level="Kabupaten/Kota",
                        thresholds=read_threshold_rows(CONFIG_DIR))
    out = work / "one"
    out.mkdir()
    timed("slice the 13 scopes", lambda: [slice_scope(tables, s) for s in every])
    timed("province: xlsx workbook", lambda: write_workbook(out / "p.xlsx", province, meta))
    timed("province: CSV, every table",
          lambda: [write_csv(out / f"p{t.suffix}.csv", t, province[t.name]) for t in TABLES])
    timed("province: Parquet, every table",
          lambda: [write_parquet(out / f"p{t.suffix}.parquet", t, province[t.name]) for t in TABLES])

    for label, kabupaten in (("write_extract: province + 12 kabupaten", None),
                             ("write_extract: one kabupaten", "Bengkalis")):
        files = timed(label, partial(write_extract, path, quarter, work / "extracts", kabupaten=kabupaten))
        print(f"{'':52} {len(files):>7} files")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    shutil.rmtree(work / "extracts", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)         # a --keep warehouse lives elsewhere


if __name__ == "__main__":
    main()
