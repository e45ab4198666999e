"""How fast does the portal answer at the province's full size?

Builds a synthetic warehouse (tests/portal/synthetic_warehouse.py: 20,000 villages x 10
years over Riau's 12 kabupaten/kota, like benchmarks/bench_reports.py), opens it in the
portal, signs in a province user and a kabupaten user, and measures the server time of each
page (the app's own Server-Timing header; requests go through Starlette's TestClient, in
process): the first request to a page (charts rendered, then cached) and the median of the
next ones. Also the one-off cost of opening a new snapshot (its summary tables). Target:
< 300 ms per page. Plain script, not part of the test run:

    .venv/bin/python benchmarks/bench_portal.py [--villages 20000] [--years 10] [--keep PATH] [--reuse] [--no-downloads]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient                     # noqa: E402

from tests.portal import synthetic_warehouse                   # noqa: E402
from tpbis.portal.app import create_app                        # noqa: E402
from tpbis.portal.charts import warm_up                        # noqa: E402
from tpbis.portal.users import UsersFile                       # noqa: E402

PASSWORD = "bench-password-123"


def server_ms(response) -> float:
    return float(re.search(r"dur=([\d.]+)", response.headers["server-timing"]).group(1))


def pages(client: TestClient) -> dict[str, str]:
    listing = client.get("/desa?urut=pengunjung&arah=turun").text
    village = re.search(r'href="(/desa/[\d.]+)"', listing).group(1)
    return {"/ (Ringkasan)": "/", "/?kuartal=2024Q2": "/?kuartal=2024Q2", "/desa": "/desa",
            "/desa?cari=&urut=pengunjung&arah=turun": "/desa?cari=&urut=pengunjung&arah=turun",
            "/desa?cari=sintetis 1": "/desa?cari=sintetis+1", "/desa/{kode_desa}": village,
            "/kualitas": "/kualitas", "/healthz": "/healthz"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--villages", type=int, default=20_000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="Keep the warehouse file here instead of a temp dir.")
    ap.add_argument("--reuse", action="store_true", help="With --keep: reuse that file if it exists.")
    ap.add_argument("--no-downloads", action="store_true", help="Skip generating the quarterly extract.")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tpbis-bench-portal-"))
    path = args.keep or work / "tpbis.duckdb"
    if not (args.reuse and path.exists()):
        path.unlink(missing_ok=True)
        start = time.perf_counter()
        synthetic_warehouse.build(path, args.villages, args.years)
        print(f"Built {path} ({args.villages:,} villages x {args.years} years) in {time.perf_counter() - start:.1f} s")
    users = UsersFile(work / "users.json")
    users.add("riau", "provinsi", PASSWORD)
    users.add("bengkalis", "14.03", PASSWORD)
    app = create_app(path, users.path, work / "cache", trusted_proxies=frozenset())
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (timings scale with it)")
    warm_up()                                   # as `tpbis dashboard` does before serving
    start = time.perf_counter()
    app.state.portal.warehouse.snapshot_id()
    print(f"open a new snapshot + build its summary tables (once per published snapshot): "
          f"{time.perf_counter() - start:.2f} s\n")
    print(f"{'user':10} {'page':40} {'first ms':>9} {'median ms':>10}   (server time)")
    for name in ("riau", "bengkalis"):
        with TestClient(app) as client:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
            for label, url in pages(client).items():
                first = client.get(url)
                assert first.status_code == 200, (url, first.status_code)
                times = [server_ms(client.get(url)) for _ in range(args.repeat)]
                print(f"{name:10} {label:40} {server_ms(first):>9.1f} {statistics.median(times):>10.1f}")
    for name, scope in () if args.no_downloads else (("riau", "provinsi"), ("bengkalis", "14.03")):
        with TestClient(app) as client:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
            start = time.perf_counter()
            files = client.get("/unduh/2025Q4")
            first = time.perf_counter() - start
            cached = server_ms(client.get("/unduh/2025Q4"))
            print(f"{name:10} {'/unduh/2025Q4 (extract generated, then cached)':40} {first * 1000:>9.0f} {cached:>10.1f}"
                  f"   {files.text.count('.xlsx<')} xlsx")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    app.state.portal.warehouse.close()
    shutil.rmtree(work, ignore_errors=True)     # users, downloads (and the warehouse unless --keep)


if __name__ == "__main__":
    main()
