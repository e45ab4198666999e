"""A synthetic warehouse of any size for the portal's browser test (a few hundred villages:
charts with something in them) and its benchmark (20,000 villages x 10 years), built in
DuckDB SQL like benchmarks/bench_reports.py, but with real kabupaten codes and names from
config/regions.csv, a sync run with some failed villages, and rejected rows to follow up.
Villages are spread over the kabupaten in turn; about 5 % stop reporting in the last quarter.
"""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from tpbis.settings import CONFIG_DIR
from tpbis.warehouse.store import apply_schema

VILLAGES = """
insert into core.villages
select printf('%s.%02d.%04d', k.kode, (i // $k) % 6 + 1, 2000 + i // $k),
       'Sintetis ' || i, k.nama || ' ' || ((i // $k) % 6 + 1), k.nama, 'Riau',
       ['replikasi', 'replikasi_mandiri', 'calon_replikasi_mandiri'][i % 3 + 1], 2019 + i % 4,
       'key' || lpad(i::varchar, 40, '0')
from range($n) t(i)
join (select unnest($codes) as kode, unnest($names) as nama, generate_subscripts($codes, 1) - 1 as j) k
  on k.j = i % $k"""

NUMBERED = "(select row_number() over (order by kode_desa) - 1 as i, kode_desa from core.villages)"

# a village stops reporting in the last quarter when hash(i) % 20 = 0
SILENT = "not (m >= $months - 3 and hash(i) % 20 = 0)"

FACTS = [
    f"""insert into core.visits (month, visitors_male, visitors_female, new_members, loans, internet_users,
                                 open_days, kode_desa, row_hash, valid_from, loaded_run)
       select ($start::date + to_months(m))::date, 40 + (hash(i, m, 1) % 200)::int, 50 + (hash(i, m, 2) % 250)::int,
              (hash(i, m, 3) % 20)::int, (hash(i, m, 4) % 400)::int, (hash(i, m, 5) % 100)::int, 18 + (hash(i, m, 6) % 8)::int,
              v.kode_desa, 0, $ts, 'run-1'
       from {NUMBERED} v, range($months) t(m)
       where (hash(i, m, 0) % 50)::int <> 0 and {SILENT}""",
    f"""insert into core.activities (activity_no, activity_date, title, category, strategy,
                                     participants_male, participants_female, kode_desa, row_hash, valid_from, loaded_run)
       select a::varchar, ($start::date + to_months(m) + to_days(((hash(i, m, a) % 28)::int)::int))::date,
              c.category || ' ' || a, c.category, c.strategy,
              (hash(i, m, a, 1) % 20)::int, 1 + (hash(i, m, a, 2) % 25)::int, v.kode_desa, 0, $ts, 'run-1'
       from {NUMBERED} v, range($months) t(m), range(3) s(a),
            (select * from (values (0, 'Literasi', 'Pelibatan Masyarakat'), (1, 'TIK', 'Pelibatan Masyarakat'),
                    (2, 'Advokasi', 'Advokasi'), (3, 'Peer Learning Meeting', 'Peningkatan Layanan Informasi'),
                    (4, 'Pelatihan Keterampilan', 'Pelibatan Masyarakat')) as c(k, category, strategy)) c
       where c.k = (hash(i, m, a, 3) % 5)::int and {SILENT}""",
    f"""insert into core.benefits (month, initials, gender, benefit_type, product, income_before, income_after,
                                   kode_desa, row_hash, valid_from, loaded_run)
       select ($start::date + to_months(q * 3 + (hash(i, q) % 3)::int))::date, 'A.B.',
              ['L', 'P'][(hash(i, q, 1) % 2)::int + 1],
              ['Pendapatan Naik', 'Dapat Kerja', 'Usaha Baru', 'Produk Baru', 'Lainnya'][(hash(i, q, 2) % 5)::int + 1],
              ['Kerupuk Ikan', 'Keripik Nanas', 'Sabun Cair'][(hash(i, q, 3) % 3)::int + 1],
              ((hash(i, q, 4) % 30)::int) * 50000, ((hash(i, q, 4) % 30)::int + 5 + (hash(i, q, 5) % 20)::int) * 50000,
              v.kode_desa, 0, $ts, 'run-1'
       from {NUMBERED} v, range($months // 3) t(q)
       where not (q = $months // 3 - 1 and hash(i) % 20 = 0)""",
    f"""insert into core.partners (partner_name, partner_type, has_mou, mou_date, support_value_rp,
                                   kode_desa, row_hash, valid_from, loaded_run)
       select 'Mitra ' || p, ['Pemerintah Desa', 'BUMDes', 'PKK', 'Sekolah'][p + 1], (hash(i, p) % 2)::int = 0,
              (date '2019-01-01' + to_days(((hash(i, p, 1) % 2500)::int)::int))::date, ((hash(i, p, 2) % 500)::int) * 100000,
              v.kode_desa, 0, $ts, 'run-1'
       from {NUMBERED} v, range(4) t(p)""",
    f"""insert into core.rejections (kode_desa, spreadsheet_key, tab, row_number, "column", value, reason, message,
                                     row_hash, valid_from, loaded_run)
       select v.kode_desa, 'key' || lpad(i::varchar, 40, '0'), 'Kunjungan', 5 + r, 'Pengunjung Perempuan', '-' || r,
              'negative_count', 'Baris ' || (5 + r) || ', kolom Pengunjung Perempuan: ''-' || r
              || ''' bukan jumlah yang sah (tidak boleh negatif).', 0, $ts, 'run-1'
       from {NUMBERED} v, range(1 + (hash(i, 9) % 5)::int) t(r)
       where hash(i, 8) % 33 = 0""",
    "insert into core.runs values ('run-1', $ts::timestamptz - interval 40 minute, $ts, 'partial', false, "
    "$n, 0, 0, 0, 0, 0, 0, null)",
    f"""insert into core.village_runs (run_id, kode_desa, spreadsheet_key, status, reason, message)
       select 'run-1', kode_desa, 'key' || lpad(i::varchar, 40, '0'),
              case when hash(i, 7) % 97 = 0 then 'failed' else 'loaded' end,
              case when hash(i, 7) % 97 = 0 then 'not_shared' end,
              case when hash(i, 7) % 97 = 0 then 'Lembar tidak dibagikan dengan akun layanan (403).' end
       from {NUMBERED} v""",
    f"""insert into core.sheet_state
       select 'key' || lpad(i::varchar, 40, '0'), kode_desa, null, null, $ts from {NUMBERED} v
       where hash(i, 7) % 97 <> 0""",
]


def kabupaten(limit: int | None = None) -> list[tuple[str, str]]:
    with (CONFIG_DIR / "regions.csv").open(encoding="utf-8", newline="") as f:
        rows = [(r["kode"], r["nama"]) for r in csv.DictReader(f) if r["level"] == "kabupaten"]
    return rows[:limit] if limit else rows


def build(path: Path, villages: int, years: int, *, kabupaten_count: int | None = None,
          last_year: int = 2025) -> Path:
    kabs = kabupaten(kabupaten_count)
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    apply_schema(con)
    params = {"n": villages, "k": len(kabs), "codes": [c for c, _ in kabs], "names": [n for _, n in kabs],
              "months": years * 12, "start": f"{last_year - years + 1}-01-01", "ts": f"{last_year + 1}-01-05 01:00:00+00"}
    for statement in [VILLAGES] + FACTS:
        con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
    con.execute("checkpoint")
    con.close()
    return path
