"""Quota benchmark: sync N synthetic village sheets against the local server under a quota.

The local server enforces `--quota` Sheets reads per minute (sliding window, 429 with
Google's RESOURCE_EXHAUSTED body beyond it); the sync is configured with the same number as
TPBIS_SHEETS_READS_PER_MINUTE. Prints reads per changed sheet, reads per unchanged sheet on
a second run, quota utilisation (reads per minute achieved / quota, measured at the server
between the first and the last read), 429s received, wall time and peak memory, and the
extrapolation to 20,000 sheets at Google's 60 reads/minute.

    .venv/bin/python benchmarks/bench_sync.py [--sheets 2000] [--quota 2400]
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

for k, v in {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
             "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING"}.items():
    os.environ.setdefault(k, v)

from tpbis.local_sheets.server import SheetsServer  # noqa: E402
from tpbis.local_sheets.synthetic import synthetic_registry, synthetic_workbook, write_registry_csv  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=2000)
    parser.add_argument("--quota", type=int, default=2400, help="Sheets reads per minute (server and client)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the server adds to each request")
    args = parser.parse_args()
    from flows.nightly_sync import nightly_sync

    with tempfile.TemporaryDirectory() as tmp, SheetsServer() as server:
        villages = synthetic_registry(args.sheets, seed=11)
        for v in villages:
            server.put_workbook(synthetic_workbook(v, months=12, activities_per_month=4))
        os.environ.update({
            "TPBIS_SHEETS_API_URL": server.url, "TPBIS_DRIVE_API_URL": server.url,
            "TPBIS_SHEETS_READS_PER_MINUTE": str(args.quota),
            "TPBIS_REGISTRY": str(write_registry_csv(villages, Path(tmp) / "villages.csv")),
            "TPBIS_WAREHOUSE": str(Path(tmp) / "tpbis.duckdb"), "TPBIS_FULL_SWEEP_DAYS": "0",
        })
        server.quota.reads_per_minute = args.quota
        server.faults.latency = args.latency

        started = time.perf_counter()
        first = nightly_sync()
        wall = time.perf_counter() - started
        reads = server.counters.total("sheets.batchGet") + server.counters.total("sheets.metadata")
        span = server.counters.span("sheets.batchGet")
        refused = server.counters.total("sheets.429")
        rate = (reads - 1) / span * 60 if span else float("nan")

        server.counters.reset()
        second = nightly_sync()
        reads_again = server.counters.total("sheets.batchGet") + server.counters.total("sheets.metadata")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    full_hours = 20_000 / (60 * 0.98) / 60
    print(f"sheets: {args.sheets}, quota: {args.quota} reads/min, server latency {args.latency * 1000:.0f} ms")
    print(f"first sync:  {first['villages_loaded']} loaded, {first['villages_failed']} failed, "
          f"{first['rows_loaded']:,} rows in {wall:.1f} s")
    print(f"  Sheets reads per changed sheet: {reads / args.sheets:.3f}")
    print(f"  quota utilisation: {rate:,.0f} reads/min = {rate / args.quota:.1%} of the quota")
    print(f"  429 answers received: {refused}")
    print(f"second sync (nothing changed): {second['villages_skipped']} skipped, "
          f"Sheets reads per unchanged sheet: {reads_again / args.sheets:.3f}")
    print(f"peak memory (RSS, server included): {peak:,.0f} MiB")
    print(f"extrapolation: 20,000 sheets at 60 reads/min, all changed: {full_hours:.1f} h; "
          f"a night with 5 % changed: {1000 / (60 * 0.98):.0f} min")


if __name__ == "__main__":
    main()
