"""The nightly sync on the production shape, against the floor: fetching the same sheets.

N ordinary workbooks (default 2,000 x ~540 rows: 18 `Kunjungan` months and 480 `Kegiatan`
rows typed the way librarians type, ~3 % of rows with a bad cell) are served by the local
Sheets server, in a process of its own (its cost is not the sync's). One run reports:

  * the fixed cost of one sync (a 1-sheet sync; the first one includes the temporary Prefect
    server's start),
  * the sync's MARGINAL time for N sheets (N-sheet sync minus the 1-sheet sync),
  * the bare fetch: the same N `values:batchGet` answers from the same server with plain
    `requests` on 8 threads (the floor on this machine), and the ratio marginal / floor,
  * rows/s and the peak RSS of this process (the sync; the server is elsewhere),
  * with --replay, `tpbis replay` over the resulting warehouse (rows/s).

    .venv/bin/python benchmarks/bench_night.py [--sheets 2000] [--replay]

The province-sized night: a first sync of N small sheets (20 rows each, no quota: its
per-sheet cost), then a share of them edited and synced under a quota with latency, reported
against the quota bound (reads / quota, plus the fixed cost of a 1-sheet sync):

    .venv/bin/python benchmarks/bench_night.py --sheets 20000 --small --changed 0.05 \
        --quota 600 --latency 0.15 [--keep DIR]

The N-sheet sync and the night print where their time went (the flow's timeline marks,
tpbis.sync.timeline). With
--keep DIR the first sync (minutes of CPU at 20,000 sheets) is kept in DIR, the server's Drive
times are fixed, and a later run with the same --sheets/--small only times the night again,
on a copy.

Never part of the test suite (no timing is asserted anywhere).
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))     # run from anywhere, like the others

for k, v in {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
             "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING"}.items():
    os.environ.setdefault(k, v)

SEED = 14


def _workbook(village: dict, small: bool, edit: int = 0) -> dict:
    from tpbis.local_sheets.synthetic import messy_workbook, synthetic_workbook
    if small:
        book = synthetic_workbook(village, months=4, activities_per_month=4, seed=SEED)   # 4 + 16 rows
    else:
        book = messy_workbook(village, seed=SEED)
    if edit:                                   # a librarian's edit: one more visitor in the first month
        rows = book["sheets"][1]["rows"]
        first = next(i for i, r in enumerate(rows) if r and isinstance(r[1] if len(r) > 1 else None, int))
        rows[first][1] += edit
    return book


KEPT_MODIFIED = "2026-01-01T00:00:00.000Z"   # --keep: the same Drive times in every server process


def _serve(pipe, sheets: int, small: bool, fixed_times: bool = False) -> None:
    """The child process: a SheetsServer over N workbooks, driven by commands on `pipe`."""
    from tpbis.local_sheets.server import SheetsServer
    from tpbis.local_sheets.synthetic import synthetic_registry
    villages = synthetic_registry(sheets, seed=SEED)
    with SheetsServer() as server:
        for v in villages:
            book = _workbook(v, small)
            if fixed_times:
                book["modifiedTime"] = KEPT_MODIFIED
            server.put_workbook(book, keep_modified=fixed_times)
        pipe.send(server.url)
        while True:
            command, arg = pipe.recv()
            if command == "stop":
                break
            if command == "edit":               # arg: number of sheets to change (spread evenly)
                step = max(1, len(villages) // max(1, arg))
                for v in villages[::step][:arg]:
                    server.put_workbook(_workbook(v, small, edit=1))
                pipe.send(len(villages[::step][:arg]))
            elif command == "quota":              # a new minute: the seeding sync's reads do not count
                server.quota.reset()
                server.quota.reads_per_minute = arg
                pipe.send(None)
            elif command == "latency":
                server.faults.latency = arg
                pipe.send(None)
            elif command == "counters":
                pipe.send(server.counters.snapshot())
            elif command == "reset":
                server.counters.reset()
                pipe.send(None)


class Server:
    def __init__(self, sheets: int, small: bool, fixed_times: bool = False):
        self._pipe, child = mp.Pipe()
        self._process = mp.get_context("spawn").Process(target=_serve, args=(child, sheets, small, fixed_times),
                                                        daemon=True)
        self._process.start()
        self.pid = self._process.pid
        self.url = self._pipe.recv()

    def __call__(self, command: str, arg=None):
        self._pipe.send((command, arg))
        return self._pipe.recv()

    def stop(self) -> None:
        self._pipe.send(("stop", None))
        self._process.join(30)


def bare_fetch(url: str, keys: list[str], workers: int = 8) -> tuple[float, int]:
    """Seconds to fetch every key's batchGet answer with plain requests on `workers` threads."""
    import threading

    import requests

    from tpbis.google.sheets import VALUE_PARAMS
    from transforms.columns import TEMPLATE_TABS
    local = threading.local()
    params = [("ranges", "'" + t + "'") for t in TEMPLATE_TABS] + list(VALUE_PARAMS.items())

    def one(key: str) -> int:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        answer = session.get(f"{url}/v4/spreadsheets/{key}/values:batchGet", params=params, timeout=60)
        answer.raise_for_status()
        return len(answer.content)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        size = sum(pool.map(one, keys))
    return time.perf_counter() - started, size


def _cpu() -> float:
    """CPU seconds of this process so far, all threads, plus its finished children, plus the
    parse workers' fork server and its finished children (the sync's parse workers; on a
    shared machine a fairer figure than wall time). The Sheets server and the Prefect API
    server are other processes, still running, so not counted."""
    own = sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))
    return own + _worker_cpu()


def _worker_cpu() -> float:
    """CPU seconds of the fork server(s) and their finished children (the parse workers)."""
    return sum(_proc_cpu(pid, with_children=True) for pid in _fork_servers())


def _proc_cpu(pid: int, with_children: bool = False) -> float:
    """utime + stime (+ cutime + cstime) of a running process, from /proc; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(f) for f in fields[11:15 if with_children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def _fork_servers() -> list[int]:
    """This process's multiprocessing fork server(s), which fork the sync's parse workers."""
    found = []
    for pid in Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split():
        try:
            if b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            continue
    return found


def _sync(registry: list[dict], work: Path, name: str) -> tuple[float, dict]:
    import threading
    from flows.nightly_sync import nightly_sync
    from tpbis.cli import prefect_server
    from tpbis.cli.common import run_settings
    from tpbis.local_sheets.synthetic import write_registry_csv
    from tpbis.sync import timeline
    path = write_registry_csv(registry, work / f"{name}.csv")
    timeline.reset()
    stop = threading.Event()
    threading.Thread(target=_watch_workers, args=(stop,), daemon=True).start()
    started, cpu, workers, t0 = time.perf_counter(), _cpu(), _worker_cpu(), time.monotonic()
    try:
        with run_settings(prefect_server.start_if_needed()):      # as `tpbis sync` runs it
            summary = nightly_sync(registry_path=str(path), warehouse_path=str(work / f"{name}.duckdb"))
    finally:
        stop.set()
    summary["cpu"], summary["worker_cpu"] = _cpu() - cpu, _worker_cpu() - workers
    summary["t0"], summary["t1"], summary["marks"] = t0, time.monotonic(), timeline.marks()
    return time.perf_counter() - started, summary


_worker_peak_kib = [0]           # the largest VmHWM seen of a parse worker (a fork server's child)


def _watch_workers(stop) -> None:
    """Until `stop` is set, note the peak RSS of the fork server's children (the parse workers:
    not this process's children, so getrusage cannot see them)."""
    while not stop.wait(0.25):
        for server in _fork_servers():
            try:
                children = Path(f"/proc/{server}/task/{server}/children").read_text().split()
            except OSError:
                continue
            for pid in children:
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            _worker_peak_kib[0] = max(_worker_peak_kib[0], int(line.split()[1]))
                except (OSError, ValueError):
                    continue


def _peak_mib() -> str:
    """Peak RSS of this process / of the largest parse worker (a finished child, or a fork
    server's child seen by _watch_workers)."""
    own, child = (resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return f"{own / 1024:,.0f} / {max(child, _worker_peak_kib[0]) / 1024:,.0f}"


def _night(args, server: Server, villages: list[dict], work: Path, name: str, fixed: float) -> None:
    """Edit a share of the sheets, then time a sync of them all under the quota and latency."""
    edited = server("edit", round(args.sheets * args.changed))
    server("quota", args.quota or None)
    server("latency", args.latency)
    server("reset")
    os.environ["TPBIS_SHEETS_READS_PER_MINUTE"] = str(args.quota or 1_000_000)
    load = os.getloadavg()[0]
    wall, night = _sync(villages, work, name)
    counts = server("counters")
    reads = counts.get("sheets.batchGet", 0) + counts.get("sheets.metadata", 0)
    bound = reads / args.quota * 60 if args.quota else 0.0
    print(f"\nnight: {edited:,} of {args.sheets:,} sheets edited, quota {args.quota or 'none'} reads/min, "
          f"latency {args.latency * 1000:.0f} ms; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"  {night['villages_loaded']:,} loaded, {night['villages_skipped']:,} skipped, "
          f"{night['villages_failed']} failed; {reads:,} Sheets reads, {counts.get('sheets.429', 0)} x 429")
    if bound:
        print(f"  wall {wall:.1f} s; quota bound {bound:.1f} s + fixed {fixed:.1f} s = {bound + fixed:.1f} s;"
              f" ratio {wall / (bound + fixed):.3f} x (marginal / bound {(wall - fixed) / bound:.3f} x)")
    else:
        print(f"  wall {wall:.1f} s, marginal {wall - fixed:.1f} s")
    _breakdown(night)


# (label, from mark, to mark): the steps of a night, in order; "start"/"end" are the call's
# bounds, a name alone its first mark, "name$" its last one. Steps marked "(alongside)" run
# on other threads, during the steps around them: not part of the sum.
STEPS = [
    ("Prefect: flow run created, flow body entered", "start", "flow started"),
    ("registry + reference config read", "flow started", "registry read"),
    ("working file opened (schema applied)", "registry read", "writer opened"),
    ("run row + sheet state", "writer opened", "run started"),
    ("until the first read (plan of the first pages)", "run started", "read started"),
    ("(alongside) Drive listing (20 pages at 20,000 sheets) + plan", "flow started", "drive listed"),
    ("(alongside the reads) reference tables loaded", "drive listed", "reference tables loaded"),
    ("reads: first sent -> last answered", "read started", "read answered$"),
    ("tail: last chunk's fetch ends, its parse, load", "read answered$", "all chunks loaded"),
    ("summary", "all chunks loaded", "summarised"),
    ("run report + alerts", "summarised", "run report and alerts"),
    ("run row finished", "run report and alerts", "run finished"),
    ("publish", "run finished", "published"),
    ("log lines, events", "published", "flow body done"),
    ("Prefect: flow run finished", "flow body done", "end"),
]


def _breakdown(summary: dict) -> None:
    """Where the night's wall time went, from the flow's timeline marks."""
    marks = {m.name: m for m in summary["marks"]}

    def at(ref: str) -> float | None:
        if ref in ("start", "end"):
            return summary["t0"] if ref == "start" else summary["t1"]
        m = marks.get(ref.rstrip("$"))
        return None if m is None else (m.last if ref.endswith("$") else m.first)

    print("| step | from (s) | took (s) |\n|---|---|---|")
    for label, a, b in STEPS:
        start, end = at(a), at(b)
        if start is not None and end is not None:
            print(f"| {label} | {start - summary['t0']:.2f} | {end - start:.2f} |")
    for name in ("chunk fetched", "chunk loaded"):
        m = marks.get(name)
        if m:
            print(f"  {m.count} x {name}: first at {m.first - summary['t0']:.2f} s, last at {m.last - summary['t0']:.2f} s")


def _kept_first_sync(args, work: Path) -> bool:
    """--keep: whether WORK holds a first sync of this many sheets of this kind."""
    marker = work / "first-sync"
    return marker.exists() and marker.read_text() == f"{args.sheets} {args.small}"


def _reuse(args, server: Server, villages: list[dict], work: Path) -> None:
    """--keep with a first sync already there: the 1-sheet syncs, then the night on a copy."""
    import shutil
    for name in ("one-cold", "one", "night"):
        for suffix in (".duckdb", ".duckdb.wal", ".sync.duckdb", ".sync.duckdb.wal"):
            (work / f"{name}{suffix}").unlink(missing_ok=True)
    cold, _ = _sync(villages[:1], work, "one-cold")
    fixed, one = _sync(villages[:1], work, "one")
    print(f"fixed cost of one sync: {cold:.1f} s with the Prefect server's start, {fixed:.1f} s warm", flush=True)
    _breakdown(one)
    for suffix in (".duckdb", ".sync.duckdb"):
        shutil.copyfile(work / f"kept{suffix}", work / f"night{suffix}")
    print(f"reusing the first sync of {args.sheets:,} sheets kept in {work}", flush=True)
    _night(args, server, villages, work, "night", fixed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=2000)
    parser.add_argument("--small", action="store_true", help="20-row clean sheets instead of ~540-row messy ones")
    parser.add_argument("--changed", type=float, default=None,
                        help="after a first sync, edit this share of the sheets and time the second sync")
    parser.add_argument("--quota", type=int, default=0, help="reads per minute for the timed night (0 = none)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the server adds to each request then")
    parser.add_argument("--replay", action="store_true", help="also time `tpbis replay` over the warehouse")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the first sync in DIR (Drive times fixed) and, when DIR already holds "
                             "one of the same sheets, skip it and time only the night, on a copy")
    args = parser.parse_args()

    from tpbis.local_sheets.synthetic import synthetic_registry
    print(f"building {args.sheets:,} {'small' if args.small else 'messy'} workbooks in the server process...",
          flush=True)
    server = Server(args.sheets, args.small, fixed_times=args.keep is not None)
    villages = synthetic_registry(args.sheets, seed=SEED)
    os.environ.update({"TPBIS_SHEETS_API_URL": server.url, "TPBIS_DRIVE_API_URL": server.url,
                       "TPBIS_SHEETS_READS_PER_MINUTE": "1000000", "TPBIS_FULL_SWEEP_DAYS": "0"})
    try:
        if args.keep is not None and args.changed is not None and _kept_first_sync(args, args.keep):
            return _reuse(args, server, villages, args.keep)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp) if args.keep is None else args.keep
            work.mkdir(parents=True, exist_ok=True)
            cold, _ = _sync(villages[:1], work, "one-cold")
            fixed, one = _sync(villages[:1], work, "one")
            print(f"fixed cost of one sync: {cold:.1f} s with the Prefect server's start, {fixed:.1f} s warm",
                  flush=True)
            server("reset")
            served = _proc_cpu(server.pid)
            wall, first = _sync(villages, work, "all")
            served_sync = _proc_cpu(server.pid) - served
            marginal = wall - fixed
            rows = first["rows_loaded"] + first["rows_rejected"]
            peak = _peak_mib()
            cpu, served = _cpu(), _proc_cpu(server.pid)
            floor, size = bare_fetch(server.url, [v["spreadsheet_key"] for v in villages])
            floor_cpu, served_floor = _cpu() - cpu, _proc_cpu(server.pid) - served
            if args.keep is not None:           # a copy for later nights, before this one changes it
                import shutil
                for suffix in (".duckdb", ".sync.duckdb"):
                    shutil.copyfile(work / f"all{suffix}", work / f"kept{suffix}")
                (work / "first-sync").write_text(f"{args.sheets} {args.small}")
            print(f"\n{args.sheets:,} sheets, {rows:,} data rows ({first['rows_loaded']:,} loaded, "
                  f"{first['rows_rejected']:,} rejected), {size / 2**20:,.0f} MiB of JSON; "
                  f"{first['villages_failed']} villages failed")
            print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times suffer above 2)")
            print("| sync wall | sync marginal | bare fetch (8 threads) | ratio | rows/s (marginal) | "
                  "per sheet | sync CPU (marginal) | fetch CPU | peak RSS (sync / parse worker) |")
            print("|---|---|---|---|---|---|---|---|---|")
            print(f"| {wall:.1f} s | {marginal:.1f} s | {floor:.1f} s | {marginal / floor:.2f} x | "
                  f"{rows / marginal:,.0f} | {marginal / args.sheets * 1000:.1f} ms | "
                  f"{first['cpu'] - one['cpu']:.1f} s | {floor_cpu:.1f} s | {peak} MiB |", flush=True)
            body = {m.name: m.last for m in first["marks"]}.get("flow body done")
            if body is not None:
                print(f"the flow's body ended {body - first['t0']:.2f} s after the call, the run {wall:.2f} s")
            print(f"CPU on the 2 cores: the sync {first['cpu']:.1f} s (its parse workers {first['worker_cpu']:.1f} s) "
                  f"+ the local Sheets server {served_sync:.1f} s in {wall:.1f} s; the bare fetch {floor_cpu:.1f} s "
                  f"+ the server {served_floor:.1f} s in {floor:.1f} s", flush=True)
            _breakdown(first)

            if args.replay:
                from tpbis.sync.working_file import replay_all
                from tpbis.settings import Settings
                settings = Settings.from_env().with_(warehouse=work / "all.duckdb")
                started = time.perf_counter()
                replay_all(settings)
                seconds = time.perf_counter() - started
                print(f"replay of {args.sheets:,} fetches: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, "
                      f"peak RSS {_peak_mib()} MiB", flush=True)

            if args.changed is not None:
                _night(args, server, villages, work, "all", fixed)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
