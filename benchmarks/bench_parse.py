"""How fast parse_workbook reads big and many tabs (plain script, not part of the test run).

    .venv/bin/python benchmarks/bench_parse.py [--rows 1000000] [--workbooks 2000]
    .venv/bin/python benchmarks/bench_parse.py --messy 2000

Builds, in memory, tabs shaped like what the Sheets API returns for librarians' sheets:
dates as serials and as text in several spellings, counts as numbers, `12 orang`, `1.234`
and `-`, categories with synonyms and odd case, ragged rows, blank and totals rows, and about
1 % of bad cells. Reports rows/s and peak traced memory for:
  * one Kegiatan tab of N rows,
  * one Kunjungan tab of N rows (months necessarily repeat, so nearly every row is a
    `duplicate_month` rejection: this times the rejection path),
  * M ordinary workbooks (120 months, 300 activities each) for the per-call overhead, one at
    a time and in chunks of 200 (`transforms.chunk.parse_chunk`, what the sync does).
With `--messy N` only: the N ordinary messy workbooks of benchmarks/bench_night.py (~540 rows
each), as the local Sheets server answers them, parsed in chunks of 200 (best CPU of 3 runs),
and the size of the parsed chunks pickled (what a parse worker sends back).
"""

from __future__ import annotations

import argparse
import pickle
import random
import resource
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

from transforms.chunk import Book, parse_chunk
from transforms.reference import load_reference
from transforms.workbook import parse_workbook

MONTHS_ID = ["Januari", "Pebruari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "Nopember", "Desember"]
ABBR = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agt", "Sept", "Okt", "Nop", "Des"]
CATEGORIES = ["Pelatihan", "pelatihan keterampilan", "PLM", "Literasi", "Internet", "TIK", "Bimbel",
              "Sosialisai", "Kesehatan", "Rapat Pemangku Kepentingan", "Advokasi", "Lomba Mewarnai"]
TITLES = [f"{kind} {topic}" for kind in ("Pelatihan", "Kelas", "Sosialisasi", "Lomba", "Rapat")
          for topic in ("Menjahit", "Komputer", "Membaca", "Kue", "Sabun", "Internet Sehat", "UMKM", "Desa")]
VILLAGE = {"kode_desa": "14.03.02.2008", "desa": "Jangkang", "kecamatan": "Bantan", "kabupaten": "Bengkalis"}
TODAY = date(2026, 11, 20)


def _day_cell(rng: random.Random, day: date):
    style = rng.randrange(6)
    if style < 2:
        return (day - date(1899, 12, 30)).days            # a typed date: serial number
    if style == 2:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if style == 3:
        return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"
    if style == 4:
        return f"{day.day} {ABBR[day.month - 1]} {day.year}"
    return day.isoformat()


def _count_cell(rng: random.Random):
    n = rng.randrange(0, 40)
    style = rng.randrange(10)
    return n if style < 6 else f"{n} orang" if style < 8 else "-" if style == 8 else str(n)


def kegiatan_rows(n: int, seed: int = 1) -> list[list]:
    rng = random.Random(seed)
    rows = [["LAPORAN KEGIATAN PERPUSTAKAAN DESA"], [],
            ["No", "Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Strategi", "Peserta (L)", "Peserta (P)",
             "Mitra", "Keterangan"]]
    days = [date(2016, 1, 1) + timedelta(days=i) for i in range(0, 3900, 1)]
    for i in range(n):
        row = [i + 1, _day_cell(rng, rng.choice(days)), rng.choice(TITLES), rng.choice(CATEGORIES),
               "" if rng.random() < 0.9 else "PLI", _count_cell(rng), rng.randrange(1, 40), "PKK", ""]
        if rng.random() < 0.01:
            row[rng.choice((1, 5, 6))] = rng.choice(["kemarin", "-5", "12,5", "banyak"])
        while row and row[-1] == "":
            row.pop()                                        # Sheets trims trailing empties
        rows.append(row)
        if i % 5000 == 4999:
            rows.append([])
            rows.append(["Jumlah", "", "", "", "", "", ""])
    return rows


def kunjungan_rows(n: int, seed: int = 2) -> list[list]:
    rng = random.Random(seed)
    rows = [["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan", "Anggota Baru", "Buku Dipinjam",
             "Pengguna Internet", "Hari Buka"]]
    for i in range(n):
        year, month = 2015 + (i // 12) % 11, i % 12 + 1
        label = rng.choice([f"{MONTHS_ID[month - 1]} {year}", f"{ABBR[month - 1]}-{year % 100:02d}",
                            f"{month}/{year}", (date(year, month, 1) - date(1899, 12, 30)).days])
        rows.append([label, rng.randrange(500), f"{rng.randrange(2000):,}".replace(",", "."),
                     _count_cell(rng), rng.randrange(300), "-", rng.randrange(20, 27)])
    return rows


def small_workbook(seed: int) -> dict:
    rng = random.Random(seed)
    visits = kunjungan_rows(0)
    for i in range(120):
        year, month = 2016 + i // 12, i % 12 + 1
        visits.append([f"{MONTHS_ID[month - 1]} {year}", rng.randrange(300), rng.randrange(300), 3, 40, "-", 24])
    return {"Profil": [["Isian", "Nilai"], ["Kode Desa", VILLAGE["kode_desa"]], ["Nama Desa", "Desa Jangkang"]],
            "Kunjungan": visits, "Kegiatan": kegiatan_rows(300, seed)}


def _time(label: str, rows: int, call, trace: bool) -> None:
    """Wall and CPU time of call() (CPU time is the fairer figure on a shared machine); peak
    memory is traced allocations (--trace, slower) or the process's peak resident set size so
    far (which includes the generated input)."""
    if trace:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    parsed = call()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if trace:
        peak = f"traced peak {tracemalloc.get_traced_memory()[1] / 2**20:7.1f} MiB"
        tracemalloc.stop()
    else:
        peak = f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:7.1f} MiB"
    loaded = sum(len(t) for t in parsed.tables.values()) if hasattr(parsed, "tables") else parsed
    problems = len(parsed.rejections) if hasattr(parsed, "rejections") else "-"
    print(f"{label:<44} {rows:>9,} rows {seconds:6.2f} s (cpu {cpu:6.2f} s) {rows / seconds:>10,.0f} rows/s"
          f"  {peak}  loaded {loaded:,}  rejections {problems}", flush=True)


def messy(count: int, ref) -> None:
    """parse_chunk CPU for `count` of bench_night's messy workbooks, in chunks of 200."""
    from bench_night import SEED
    from tpbis.local_sheets.synthetic import messy_workbook, synthetic_registry
    from tpbis.local_sheets.workbook_format import UNFORMATTED, render_row

    fetched_at = datetime(2026, 11, 20, tzinfo=UTC)
    books = []
    for v in synthetic_registry(count, seed=SEED):
        tabs = {sheet["title"]: [render_row(row, UNFORMATTED, "in_ID") for row in sheet["rows"]]
                for sheet in messy_workbook(v, seed=SEED)["sheets"]}
        books.append(Book(tabs, v, v["spreadsheet_key"], fetched_at, TODAY))
    chunks = [books[start:start + 200] for start in range(0, len(books), 200)]
    parse_chunk(chunks[0][:10], ref)                  # first calls: lazy imports
    best = None
    for _ in range(3):
        cpu_started = time.process_time()
        parsed = [parse_chunk(chunk, ref) for chunk in chunks]
        cpu = time.process_time() - cpu_started
        best = cpu if best is None else min(best, cpu)
    rows = sum(len(t) for p in parsed for t in p.tables.values()) + sum(len(p.rejections) for p in parsed)
    size = sum(len(pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL)) for p in parsed)
    print(f"{count:,} messy workbooks, chunks of 200: cpu {best:.2f} s ({best / count * 1000:.2f} ms a workbook), "
          f"{rows:,} rows and rejections, pickled {size / 2**20:.0f} MiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workbooks", type=int, default=2000)
    parser.add_argument("--messy", type=int, metavar="N", help="only: N of bench_night's messy workbooks, chunked")
    parser.add_argument("--trace", action="store_true", help="measure peak with tracemalloc (about 2x slower)")
    args = parser.parse_args()
    ref = load_reference()
    if args.messy:
        messy(args.messy, ref)
        return
    options = dict(spreadsheet_key="bench", fetched_at=datetime(2026, 11, 20, tzinfo=UTC), today=TODAY, ref=ref)
    small_visits = kunjungan_rows(0)

    kegiatan = kegiatan_rows(args.rows)
    _time("Kegiatan, one tab", args.rows,
          lambda: parse_workbook({"Kegiatan": kegiatan, "Kunjungan": small_visits}, VILLAGE, **options), args.trace)
    del kegiatan
    kunjungan = kunjungan_rows(args.rows)
    _time("Kunjungan, one tab (mostly duplicate_month)", args.rows,
          lambda: parse_workbook({"Kunjungan": kunjungan, "Kegiatan": kegiatan_rows(0)}, VILLAGE, **options), args.trace)
    del kunjungan
    books = [small_workbook(seed) for seed in range(args.workbooks)]
    rows = sum(len(b["Kunjungan"]) + len(b["Kegiatan"]) for b in books)

    def many() -> int:
        return sum(len(parse_workbook(b, VILLAGE, **options).tables["activities"]) for b in books)

    _time(f"{args.workbooks} small workbooks", rows, many, args.trace)

    def chunked() -> int:                   # what the sync does: chunks of 200 (TPBIS_CHUNK_SIZE)
        loaded = 0
        for start in range(0, len(books), 200):
            part = [Book(b, VILLAGE, "bench", options["fetched_at"], TODAY) for b in books[start:start + 200]]
            loaded += len(parse_chunk(part, ref).tables["activities"])
        return loaded

    _time(f"{args.workbooks} small workbooks, chunks of 200", rows, chunked, args.trace)


if __name__ == "__main__":
    main()
