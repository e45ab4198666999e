"""The fixed cost of the `tpbis sync` command as a whole process, with Prefect's temporary
server started by Prefect (at the run's first API call, its server imported into the command
first) and by the command itself (tpbis.cli.prefect_server: as soon as the registry is
checked, booting while the flow is imported), alternately, in ONE run.

A 1-village registry on the local Sheets server, its sheet edited before each sync (so every
run loads), one PREFECT_HOME whose database the first, untimed, run migrates. Wall time and
CPU (the command, its Prefect server, its parse workers: all its children) per run.

    .venv/bin/python benchmarks/bench_command.py [--rounds 5]

"Prefect's" is the current code with `prefect_server.start_if_needed` switched off in the
command's process. Never part of the tests.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COMMAND = """
import sys
from tpbis.cli import prefect_server
if {prefects!r}:
    prefect_server.start_if_needed = lambda *args: None     # Prefect starts its own, as before
from tpbis.cli.main import app
sys.argv = ["tpbis", "sync", "--quiet"]
app()
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(env: dict, prefects: bool) -> tuple[float, float]:
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-c", COMMAND.format(prefects=prefects)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"tpbis sync failed:\n{done.stdout}\n{done.stderr}")
    return wall, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from tpbis.local_sheets.server import SheetsServer
    from tpbis.local_sheets.synthetic import synthetic_registry, synthetic_workbook, write_registry_csv
    village = synthetic_registry(1, seed=11)[0]
    with tempfile.TemporaryDirectory() as tmp, SheetsServer(data_dir=Path(tmp) / "sheets") as server:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(TPBIS_SHEETS_API_URL=server.url, TPBIS_DRIVE_API_URL=server.url, PREFECT_HOME=str(work / "prefect"),
                   TPBIS_REGISTRY=str(write_registry_csv([village], work / "villages.csv")),
                   TPBIS_WAREHOUSE=str(work / "tpbis.duckdb"), TPBIS_FULL_SWEEP_DAYS="0")
        months = iter(range(2, 10_000))

        def edited() -> None:
            server.put_workbook(synthetic_workbook(village, months=next(months) % 12 + 1, activities_per_month=3))
        edited()
        run(env, prefects=False)                    # migrates the Prefect database: not timed
        times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        for _ in range(args.rounds):
            for prefects in (True, False):
                edited()
                times[prefects].append(run(env, prefects))
    print(f"`tpbis sync` of 1 edited village, {args.rounds} runs each, alternating "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print("| temporary Prefect server started by | wall min / median / max | CPU (command + children) median |")
    print("|---|---|---|")
    for prefects, label in ((True, "Prefect, at the run's first API call"), (False, "the command, before it imports the flow")):
        walls, cpus = [w for w, _ in times[prefects]], [c for _, c in times[prefects]]
        print(f"| {label} | {min(walls):.2f} / {statistics.median(walls):.2f} / {max(walls):.2f} s | "
              f"{statistics.median(cpus):.2f} s |")


if __name__ == "__main__":
    main()
