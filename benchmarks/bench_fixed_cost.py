"""The fixed cost of every sync: opening the working file (schema) and publishing it, the way
they were (views and comments re-created on every open; the snapshot copied table by table
into the published storage version) and the way they are (re-created only when they changed;
the working file, already in that version, copied as a file), side by side in ONE run.

Two parts:

  * a warm 1-sheet sync into an existing warehouse (the sheet edited each time, so it loads),
    once a Prefect server is up (the first sync starts the temporary one), old and new
    alternately, with the flow's timeline break-down (tpbis.sync.timeline);
  * at the province's full size (20,000 villages x 10 years, built by bench_reports.py's
    `build`, or reused with --keep PATH): opening the working file, refreshing the summaries
    (unchanged by this, measured for the break-down), and publishing, old and new.

    .venv/bin/python benchmarks/bench_fixed_cost.py [--rounds 3] [--keep /tmp/fc.duckdb]

"Old" is the current code with the two shortcuts switched off in this process (the digest
never matches; the working file's storage version is never the published one, and it is not
converted), so both run on the same machine in the same minutes. Never part of the tests.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_night import STEPS, _sync, _workbook      # noqa: E402  (sets the Prefect env defaults)

from tpbis.warehouse import snapshot, store, summaries, workfile   # noqa: E402


@contextmanager
def old_way(enabled: bool):
    """Switch both shortcuts off (enabled=True): what every sync did before."""
    saved = (store.report_schema_digest, store.set_meta, snapshot.storage_version, snapshot._convert_working_file)
    if enabled:
        store.report_schema_digest = lambda: uuid.uuid4().hex          # never the stored one
        store.set_meta = lambda con, key, value: None                  # which stays for the new way
        snapshot.storage_version = lambda con: None                    # never the published version
        snapshot._convert_working_file = lambda published, work: None
    try:
        yield
    finally:
        store.report_schema_digest, store.set_meta, snapshot.storage_version, snapshot._convert_working_file = saved


def steps(summary: dict) -> dict[str, float]:
    marks = {m.name: m for m in summary["marks"]}

    def at(ref: str):
        if ref in ("start", "end"):
            return summary["t0"] if ref == "start" else summary["t1"]
        m = marks.get(ref.rstrip("$"))
        return None if m is None else (m.last if ref.endswith("$") else m.first)
    out = {}
    for label, a, b in [*STEPS, ("run row finished + publish (summaries, checkpoint, snapshot)",
                                 "run report and alerts", "published")]:
        start, end = at(a), at(b)
        if start is not None and end is not None and not label.startswith("("):
            out[label] = end - start
    return out


def one_sheet(rounds: int) -> None:
    from tpbis.local_sheets.server import SheetsServer
    from tpbis.local_sheets.synthetic import synthetic_registry
    server = SheetsServer().start()                     # one sheet: its cost is negligible here
    villages = synthetic_registry(1, seed=14)
    server.put_workbook(_workbook(villages[0], small=False))
    os.environ.update({"TPBIS_SHEETS_API_URL": server.url, "TPBIS_DRIVE_API_URL": server.url,
                       "TPBIS_SHEETS_READS_PER_MINUTE": "1000000", "TPBIS_FULL_SWEEP_DAYS": "0"})
    work = Path(tempfile.mkdtemp(prefix="tpbis-fixed-"))
    try:
        cold, _ = _sync(villages, work, "fc")
        print(f"first 1-sheet sync (new warehouse, temporary Prefect server's start): {cold:.1f} s")
        results = {"old": [], "new": []}
        for i in range(rounds * 2):
            way = "old" if i % 2 == 0 else "new"
            server.put_workbook(_workbook(villages[0], small=False, edit=i + 1))   # edited: it loads
            with old_way(way == "old"):
                wall, summary = _sync(villages, work, "fc")
            assert summary["villages_loaded"] == 1, summary
            results[way].append((wall, steps(summary)))
        print(f"\nwarm 1-sheet sync into an existing warehouse, load average {os.getloadavg()[0]:.1f}")
        print("| step | " + " | ".join(f"{w} #{n + 1}" for w in results for n in range(rounds)) + " |")
        print("|---|" + "---|" * (2 * rounds))
        print("| **whole sync** | " + " | ".join(f"**{wall:.2f}**" for w in results for wall, _ in results[w]) + " |")
        for label in results["new"][0][1]:
            print(f"| {label} | " + " | ".join(f"{s.get(label, float('nan')):.2f}" for w in results
                                              for _, s in results[w]) + " |")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def full_size(keep: Path | None, rounds: int) -> None:
    import duckdb
    from bench_reports import build
    from tpbis.settings import Settings
    folder = Path(tempfile.mkdtemp(prefix="tpbis-fixed-full-"))
    try:
        source = keep or folder / "built.duckdb"
        if not source.exists():
            started = time.perf_counter()
            build(source, 20_000, 10)
            print(f"\nbuilt {source} (20,000 villages x 10 years) in {time.perf_counter() - started:.1f} s")
        # the working file in the published storage version, as the sync now creates it
        settings = Settings(warehouse=folder / "tpbis.duckdb")
        snapshot._write_snapshot(source, settings.working_file)
        con = workfile.open_working_file(settings.working_file)     # first open: views created
        con.close()
        print(f"\nfull size, load average {os.getloadavg()[0]:.1f}; working file "
              f"{settings.working_file.stat().st_size / 2**20:.0f} MB")
        for n in range(rounds):
            for way in ("old", "new"):
                with old_way(way == "old"):
                    started = time.perf_counter()
                    con = workfile.open_working_file(settings.working_file)
                    opened = time.perf_counter() - started
                    started = time.perf_counter()
                    summaries.refresh(con)
                    refreshed = time.perf_counter() - started
                    original, snapshot.summaries = snapshot.summaries, _NoRefresh
                    try:
                        started = time.perf_counter()
                        snapshot.publish(con, settings)
                        published = time.perf_counter() - started
                    finally:
                        snapshot.summaries = original
                print(f"  {way}: open {opened:.2f} s, summaries.refresh {refreshed:.2f} s, "
                      f"publish (checkpoint + snapshot) {published:.2f} s", flush=True)
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            print(f"  published {settings.warehouse.stat().st_size / 2**20:.0f} MB, storage version "
                  f"{snapshot.storage_version(con)}; load average {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _NoRefresh:
    """publish() without its summaries.refresh (timed on its own above)."""
    @staticmethod
    def refresh(con) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="the 20,000-village file (built when missing)")
    parser.add_argument("--skip-sync", action="store_true", help="only the full-size part")
    parser.add_argument("--skip-full", action="store_true", help="only the 1-sheet syncs")
    args = parser.parse_args()
    if not args.skip_sync:
        one_sheet(args.rounds)
    if not args.skip_full:
        full_size(args.keep, args.rounds)


if __name__ == "__main__":
    main()
