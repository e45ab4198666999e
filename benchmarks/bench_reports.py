"""How fast are the report views (and the quarterly extract) at the province's full size?

Builds a warehouse of 20,000 synthetic villages x 10 years (2016-2025) directly in DuckDB
SQL -- core.villages / visits / activities / benefits / partners / profile, every row current
(valid_from set, valid_to NULL) -- then times each report view the way staff query it, and
the whole quarterly extract for all of Riau. The summary tables are refreshed as a publish
does (tpbis/warehouse/summaries.py, timed, next to what the region summary alone cost before
the village summary), so the views answer as in a published file; the region views and the
views on report_internal.base_village_quarters are timed again under `as_of` (the live
computation, as `--as-of` reads them).
Target: well under a second per view; the extract in seconds. Plain script, not part of the
test run:

    .venv/bin/python benchmarks/bench_reports.py [--villages 20000] [--years 10] [--keep PATH]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tpbis.extract.write import Quarter, write_extract   # noqa: E402
from tpbis.warehouse import summaries                     # noqa: E402
from tpbis.warehouse.store import apply_schema           # noqa: E402

CODES = ["14.01", "14.02", "14.03", "14.04", "14.05", "14.06", "14.07", "14.08", "14.09", "14.10", "14.71", "14.72"]
KABUPATEN = ["Kampar", "Indragiri Hulu", "Bengkalis", "Indragiri Hilir", "Pelalawan", "Rokan Hulu",
             "Rokan Hilir", "Siak", "Kuantan Singingi", "Kepulauan Meranti", "Kota Pekanbaru", "Kota Dumai"]
QUARTER = "2025Q4"

# $n villages, $months months from 2016-01; hash() gives deterministic pseudo-random numbers.
BUILD = [
    """insert into core.villages
       select printf('%s.50.%04d', $codes[i % 12 + 1], 1000 + i // 12), 'Sintetis ' || i,   -- coded as its kabupaten
              'Kecamatan ' || (i // 60), $kabupaten[i % 12 + 1], 'Riau',
              ['replikasi', 'replikasi_mandiri', 'calon_replikasi_mandiri'][i % 3 + 1],
              2019 + i % 4, 'key-' || i
       from range($n) t(i)""",
    """insert into core.visits (month, visitors_male, visitors_female, new_members, loans, internet_users,
                                open_days, kode_desa, row_hash, valid_from, loaded_run)
       select (date '2016-01-01' + to_months(m))::date, 40 + (hash(i, m, 1) % 200)::int, 50 + (hash(i, m, 2) % 250)::int,
              (hash(i, m, 3) % 20)::int, (hash(i, m, 4) % 400)::int, (hash(i, m, 5) % 100)::int, 18 + (hash(i, m, 6) % 8)::int,
              v.kode_desa, 0, $ts, 'bench'
       from (select row_number() over (order by kode_desa) - 1 as i, kode_desa from core.villages) v,
            range($months) t(m)
       where (hash(i, m, 0) % 50)::int <> 0                 -- ~2 % of months not reported""",
    """insert into core.activities (activity_no, activity_date, title, category, strategy,
                                    participants_male, participants_female, kode_desa, row_hash, valid_from, loaded_run)
       select a::varchar, (date '2016-01-01' + to_months(m) + to_days(((hash(i, m, a) % 28)::int)::int))::date,
              'Kegiatan ' || a, c.category, c.strategy,
              (hash(i, m, a, 1) % 20)::int, 1 + (hash(i, m, a, 2) % 25)::int, v.kode_desa, 0, $ts, 'bench'
       from (select row_number() over (order by kode_desa) - 1 as i, kode_desa from core.villages) v,
            range($months) t(m), range(3) s(a),
            (select * from (values (0, 'Literasi', 'Pelibatan Masyarakat'), (1, 'TIK', 'Pelibatan Masyarakat'),
                    (2, 'Advokasi', 'Advokasi'), (3, 'Peer Learning Meeting', 'Peningkatan Layanan Informasi'),
                    (4, 'Pelatihan Keterampilan', 'Pelibatan Masyarakat')) as c(k, category, strategy)) c
       where c.k = (hash(i, m, a, 3) % 5)::int""",
    """insert into core.benefits (month, initials, gender, benefit_type, product, income_before, income_after,
                                  kode_desa, row_hash, valid_from, loaded_run)
       select (date '2016-01-01' + to_months(q * 3 + (hash(i, q) % 3)::int))::date, 'A.B.',
              ['L', 'P'][(hash(i, q, 1) % 2)::int + 1],
              ['Pendapatan Naik', 'Dapat Kerja', 'Usaha Baru', 'Produk Baru', 'Lainnya'][(hash(i, q, 2) % 5)::int + 1],
              ['Kerupuk Ikan', 'Keripik Nanas', 'Sabun Cair'][(hash(i, q, 3) % 3)::int + 1],
              ((hash(i, q, 4) % 30)::int) * 50000, ((hash(i, q, 4) % 30)::int + 5 + (hash(i, q, 5) % 20)::int) * 50000,
              v.kode_desa, 0, $ts, 'bench'
       from (select row_number() over (order by kode_desa) - 1 as i, kode_desa from core.villages) v,
            range($months // 3) t(q)""",
    """insert into core.partners (partner_name, partner_type, has_mou, mou_date, support_value_rp,
                                  kode_desa, row_hash, valid_from, loaded_run)
       select 'Mitra ' || p, ['Pemerintah Desa', 'BUMDes', 'PKK', 'Sekolah'][p + 1], (hash(i, p) % 2)::int = 0,
              (date '2019-01-01' + to_days(((hash(i, p, 1) % 2500)::int)::int))::date, ((hash(i, p, 2) % 500)::int) * 100000,
              v.kode_desa, 0, $ts, 'bench'
       from (select row_number() over (order by kode_desa) - 1 as i, kode_desa from core.villages) v, range(4) t(p)""",
    """insert into core.profile (library_name, staff_count, collection_titles, opening_hours,
                                 kode_desa, row_hash, valid_from, loaded_run)
       select 'Perpustakaan ' || kode_desa, 1 + (hash(kode_desa, 1) % 4)::int, 500 + (hash(kode_desa, 2) % 3000)::int,
              4 + ((hash(kode_desa, 3) % 9)::int) * 0.5, kode_desa, 0, $ts, 'bench'
       from core.villages""",
]

QUERIES = {   # view -> how staff read it at this size
    "base_quarters": "select * from report_internal.base_quarters",
    "base_village_quarters": f"select * from report_internal.base_village_quarters where quarter = '{QUARTER}'",
    "quarterly_indicators": f"select * from report.quarterly_indicators where quarter = '{QUARTER}'",
    "quarterly_kecamatan": f"select * from report.quarterly_kecamatan where quarter = '{QUARTER}'",
    "quarterly_kabupaten": f"select * from report.quarterly_kabupaten where quarter = '{QUARTER}'",
    "quarterly_province": f"select * from report.quarterly_province where quarter = '{QUARTER}'",
    "activities_by_strategy": f"select * from report.activities_by_strategy where quarter = '{QUARTER}'",
    "activities_by_category": f"select * from report.activities_by_category where quarter = '{QUARTER}'",
    "quarterly_participants": f"select * from report.quarterly_participants where quarter = '{QUARTER}'",
    "reporting_completeness": f"select * from report.reporting_completeness where quarter = '{QUARTER}'",
    "visits_change": f"select * from report.visits_change where quarter = '{QUARTER}'",
    "cohort_monthly": f"select * from report.cohort_monthly where quarter = '{QUARTER}'",
    "partners_by_village": "select * from report.partners_by_village",
    "partners_by_type": "select * from report.partners_by_type",
    "impact": f"select * from report.impact where quarter = '{QUARTER}'",
    "library_standard": "select * from report.library_standard",
    "villages": "select * from report.villages",
    "monthly_visits": "select * from report.monthly_visits where month >= '2025-10-01'",
    "activities": f"select * from report.activities where quarter = '{QUARTER}'",
    "benefits": f"select * from report.benefits where quarter = '{QUARTER}'",
    "partners": "select * from report.partners",
    "rejected_rows": "select * from report.rejected_rows",
    "row_warnings": "select * from report.row_warnings",
    "village_quality": "select * from report.village_quality",
    "sync_runs": "select * from report.sync_runs",
    # whole-history aggregations: every quarter of every village
    "ALL quarters: quarterly_province": "select * from report.quarterly_province",
    "ALL quarters: quarterly_kabupaten": "select * from report.quarterly_kabupaten",
    "ALL quarters: quarterly_kecamatan": "select * from report.quarterly_kecamatan",
    "ALL quarters: cohort_monthly": "select * from report.cohort_monthly",
    "ALL quarters: province from quarterly_indicators":
        "select quarter, sum(visitors_total), sum(activities), sum(participants_total), sum(beneficiaries) "
        "from report.quarterly_indicators group by quarter",
    "ALL quarters: quarterly_indicators": "select * from report.quarterly_indicators",
    "ALL quarters: quarterly_participants": "select * from report.quarterly_participants",
    "ALL quarters: reporting_completeness": "select * from report.reporting_completeness",
    "ALL quarters: visits_change": "select * from report.visits_change",
}
# the region views again: computed live as before the summary (same rows), and under `as_of`
# (a day after the build's only sync), which computes them live too
REGION = {"quarterly_province": ("provinsi", ", kabupaten, kecamatan"),   # view -> level, columns it drops
          "quarterly_kabupaten": ("kabupaten", ", kecamatan"), "quarterly_kecamatan": ("kecamatan", "")}
LIVE_QUERIES = {f"live (before): {name}": query.replace(
    f"report.{view}", f"(select * exclude (quarter_index, level{finer}) "
                      f"from report_internal.base_region_quarters_live where level = '{level}')")
    for name, query in QUERIES.items() for view, (level, finer) in REGION.items() if name.endswith(view)}
AS_OF = "2026-06-01 00:00:00+07"
# the views on report_internal.base_village_quarters: under `as_of` they compute live (as before its summary)
VILLAGE = ("base_village_quarters", "quarterly_indicators", "quarterly_participants", "reporting_completeness",
           "visits_change")
AS_OF_QUERIES = {f"as_of: {name}": query for name, query in QUERIES.items() if name.endswith(tuple(REGION) + VILLAGE)}


def build(path: Path, villages: int, years: int) -> dict[str, int]:
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    apply_schema(con)
    params = {"n": villages, "months": years * 12, "kabupaten": KABUPATEN, "codes": CODES,
              "ts": "2026-01-05 01:00:00+00"}
    for statement in BUILD:
        con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
    con.execute("checkpoint")
    counts = {t: con.execute(f"select count(*) from core.{t}").fetchall()[0][0]
              for t in ("villages", "visits", "activities", "benefits", "partners", "profile")}
    con.close()
    return counts


def time_query(con, query: str, repeat: int = 3) -> tuple[float, int]:
    best, rows = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = con.sql(query).to_arrow_table().num_rows
        best = min(best, time.perf_counter() - start)
    return best, rows


def warehouse_from_args(description: str, prefix: str) -> tuple[Path, Path]:
    """(the benchmark warehouse, a work folder): built from --villages/--years, or reused
    (--keep PATH --reuse); shared by the benchmarks that time queries over it."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--villages", type=int, default=20_000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--keep", type=Path, help="Keep the warehouse file here instead of a temp dir.")
    ap.add_argument("--reuse", action="store_true", help="With --keep: reuse that file if it exists.")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix=prefix))
    path = args.keep or work / "bench.duckdb"
    if args.reuse and path.exists():
        con = duckdb.connect(str(path))
        apply_schema(con)                       # the views as they are now
        con.close()
        print(f"Reusing {path}")
    else:
        path.unlink(missing_ok=True)
        start = time.perf_counter()
        counts = build(path, args.villages, args.years)
        print(f"Built {path} in {time.perf_counter() - start:.1f} s: "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    con = duckdb.connect(str(path))
    start, cpu = time.perf_counter(), time.process_time()
    summaries.refresh(con)                      # as publish() does before the snapshot is copied
    print(f"Summary tables refreshed in {time.perf_counter() - start:.2f} s, {time.process_time() - cpu:.2f} s CPU"
          f" (once per publish: {', '.join(summaries.SUMMARIES)})")
    # before the village summary, publish wrote the region summary alone, from the facts
    start, cpu = time.perf_counter(), time.process_time()
    con.execute("create temp table region_before as select * from report_internal.base_region_quarters_live "
                "order by level, quarter_index, provinsi, kabupaten, kecamatan")
    print(f"  (the region summary alone from the facts, as before: {time.perf_counter() - start:.2f} s, "
          f"{time.process_time() - cpu:.2f} s CPU)")
    con.close()
    return path, work


def main() -> None:
    path, work = warehouse_from_args(__doc__.splitlines()[0], "tpbis-bench-")
    con = duckdb.connect(str(path), read_only=True)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (timings scale with it)")
    print(f"\n{'view / query':40} {'rows':>10} {'seconds':>8}   (best of 3, fetched as Arrow)")
    for name, query in QUERIES.items():
        seconds, rows = time_query(con, query)
        print(f"{name:40} {rows:>10,} {seconds:>8.3f}")
    for name, query in LIVE_QUERIES.items():
        seconds, rows = time_query(con, query)
        print(f"{name:40} {rows:>10,} {seconds:>8.3f}")
    con.execute("set variable as_of = ?::timestamptz", [AS_OF])
    for name, query in AS_OF_QUERIES.items():
        seconds, rows = time_query(con, query)
        print(f"{name:40} {rows:>10,} {seconds:>8.3f}")
    con.close()

    for label, kabupaten in (("extract: province + 12 kabupaten", None), ("extract: one kabupaten", "Bengkalis")):
        start = time.perf_counter()
        files = write_extract(path, Quarter.parse(QUARTER), work / "extracts", kabupaten=kabupaten)
        print(f"\n{label:40} {len(files):>10} files {time.perf_counter() - start:>6.1f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    shutil.rmtree(work / "extracts", ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)         # a --keep warehouse lives elsewhere


if __name__ == "__main__":
    main()
