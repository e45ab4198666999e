"""The quarterly extract (laporan triwulan): tables for the province and each kabupaten/kota.

Why it is built this way: every query in sql/extract/ runs ONCE for all of Riau and returns
rows for every scope (the province's rows carry kabupaten NULL); scopes are then sliced out
in memory. Twenty thousand villages therefore cost a dozen queries, not a dozen per
kabupaten. Writing files (xlsx, CSV, Parquet) is at the edge, in `write_extract`.

Scopes come from region CODES (contract section 2): a kabupaten's files hold exactly the
villages whose kode_desa starts with its code, named and slugged from config/regions.csv, and
no two scopes may write the same file (checked before anything is written).
"""
from __future__ import annotations

import csv
import os
import re
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from datetime import datetime, time
from multiprocessing import get_context
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tpbis.sync import progress
from tpbis.errors import UsageError
from tpbis.extract.layout import TABLES
from tpbis.regions import Reference, load_reference
from tpbis.extract.flat_files import INDEX_NAME, check_csv_locale, write_csv, write_index, write_parquet
from tpbis.settings import CONFIG_DIR
from tpbis.warehouse.snapshot import open_reader
from tpbis.warehouse.store import sql
from tpbis.extract.xlsx import WorkbookMeta, write_workbook
from tpbis.files import replacing
from tpbis.wib import MONTHS, Quarter, in_wib as _jakarta


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@dataclass(frozen=True)
class Scope:
    """The province, or one kabupaten/kota (kabupaten None = the province).

    `code` is the kabupaten code (`14.03`) whose villages the scope holds; `data_name` is the
    name the warehouse's summed rows carry for it (the reference name once a sync resolved it).
    """
    provinsi: str
    kabupaten: str | None = None
    code: str | None = None
    data_name: str | None = None

    @property
    def title(self) -> str:
        if self.kabupaten is None:
            return f"Provinsi {self.provinsi}"
        return self.kabupaten if self.kabupaten.lower().startswith("kota ") else f"Kabupaten {self.kabupaten}"

    @property
    def slug(self) -> str:
        """provinsi-riau, kab-bengkalis, kota-pekanbaru."""
        if self.kabupaten is None:
            return f"provinsi-{slugify(self.provinsi)}"
        name = slugify(self.kabupaten)
        return name if name.startswith("kota-") else f"kab-{re.sub(r'^(kabupaten|kab)-', '', name)}"

    def matches(self, name: str) -> bool:
        """`--kabupaten` accepts 'Bengkalis', 'Kabupaten Bengkalis', 'kab-bengkalis', 'Kota Dumai', '14.03'."""
        wanted = slugify(name)
        return self.kabupaten is not None and (name.strip() == self.code or wanted in {
            self.slug, slugify(self.kabupaten), slugify(self.title), self.slug.removeprefix("kab-")})


def file_stem(quarter: Quarter, scope: Scope) -> str:
    return f"laporan-triwulan-{quarter}-{scope.slug}"


# --- thresholds (local traffic light) ----------------------------------------------------

def read_thresholds(config_dir: Path) -> dict[str, float]:
    """config/report_thresholds.csv -> SQL parameters hijau_<indicator>, kuning_<indicator>."""
    params: dict[str, float] = {}
    with (config_dir / "report_thresholds.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["scope"].strip() != "lokal":
                raise ValueError(f"report_thresholds.csv: {row['indicator']} must be labelled scope=lokal")
            params[f"hijau_{row['indicator'].strip()}"] = float(row["hijau_min"])
            params[f"kuning_{row['indicator'].strip()}"] = float(row["kuning_min"])
    return params


def read_threshold_rows(config_dir: Path) -> list[dict]:
    with (config_dir / "report_thresholds.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- building the tables -----------------------------------------------------------------

def run_query(con, name: str, params: dict) -> pa.Table:
    """Run sql/extract/<name>.sql with the bound parameters it uses."""
    text = sql(f"extract/{name}.sql")
    used = {k: v for k, v in params.items() if f"${k}" in text}
    return con.sql(text, params=used).to_arrow_table()


def build_tables(con, quarter: Quarter, thresholds: dict[str, float]) -> dict[str, pa.Table]:
    """Every extract table for every scope, from a (read-only) warehouse connection."""
    params = {"quarter": str(quarter), **thresholds}
    return {table.name: run_query(con, table.name, params) for table in TABLES}


def data_changed_at(con) -> datetime | None:
    return run_query(con, "data_state", {}).column("data_changed_at")[0].as_py()


class ScopeError(UsageError):
    """The warehouse's region names do not map one-to-one onto region codes."""


def plan_scopes(villages: list[dict], reference: Reference) -> list[Scope]:
    """The province(s), then one scope per kabupaten CODE with a registered village.

    `villages` carry kode_desa, provinsi and kabupaten (as the warehouse holds them). A code
    the reference knows is named by it; an unknown one by the one name its villages carry.
    Refuses (never guesses) when one code carries two names or one name two codes: the summed
    tables are grouped by name, so either would mix or split a kabupaten's numbers.
    """
    names: dict[str, set[str]] = {}
    provinces = set()
    for v in villages:
        provinces.add(v["provinsi"])
        names.setdefault(v["kode_desa"][:5], set()).add((v["provinsi"], v["kabupaten"]))
    found = []
    for code, pairs in sorted(names.items()):
        if len(pairs) > 1:
            raise ScopeError(f"the warehouse holds the villages of {code} under several names "
                             f"({', '.join(sorted(k for _, k in pairs))}): run `tpbis sync` to resolve them")
        (provinsi, data_name), = pairs
        region = reference.get(code)
        found.append(Scope(provinsi, region.name if region else data_name, code, data_name))
    shared = {s.data_name for s in found if sum(o.data_name == s.data_name for o in found) > 1}
    if shared:
        raise ScopeError(f"the warehouse uses the kabupaten name(s) {', '.join(sorted(shared))} for several "
                         "region codes: fix config/regions.csv or the registry, then run `tpbis sync`")
    found.sort(key=lambda s: (s.provinsi, s.kabupaten, s.code))
    return [Scope(p) for p in sorted(provinces)] + found


def scopes(tables: dict[str, pa.Table], reference: Reference | None = None) -> list[Scope]:
    """The province(s), then each kabupaten/kota with a registered village (see plan_scopes)."""
    return plan_scopes(tables["villages"].select(["kode_desa", "provinsi", "kabupaten"]).to_pylist(),
                       reference or load_reference(CONFIG_DIR))


def slice_scope(tables: dict[str, pa.Table], scope: Scope) -> dict[str, pa.Table]:
    """The rows of each table that belong in `scope`'s files: village rows by code prefix,
    summed rows by the name the warehouse gives that code."""
    out = {}
    for table in TABLES:
        t = tables[table.name]
        mask = pc.equal(t.column("provinsi"), scope.provinsi)
        if table.per_scope:
            kab = pc.is_null(t.column("kabupaten")) if scope.kabupaten is None else \
                pc.equal(t.column("kabupaten"), scope.data_name or scope.kabupaten)
            out[table.name] = t.filter(pc.and_(mask, kab)).drop_columns(["provinsi", "kabupaten"])
        else:
            if scope.kabupaten is not None and scope.code is not None:
                mask = pc.and_(mask, pc.starts_with(t.column("kode_desa"), scope.code + "."))
            elif scope.kabupaten is not None:
                mask = pc.and_(mask, pc.equal(t.column("kabupaten"), scope.kabupaten))
            rows = t.filter(mask).drop_columns(["provinsi"])
            if scope.data_name and scope.data_name != scope.kabupaten:     # shown as the reference names it
                rows = rows.set_column(rows.schema.get_field_index("kabupaten"), "kabupaten",
                                       pa.array([scope.kabupaten] * rows.num_rows, pa.string()))
            out[table.name] = rows
    return out


def planned_files(quarter: Quarter, chosen: list[Scope]) -> list[str]:
    """Every file name the extract will write; refuses two scopes writing one file."""
    owner: dict[str, Scope] = {}
    for scope in chosen:
        stem = file_stem(quarter, scope)
        names = [f"{stem}.xlsx"] + [f"{stem}{t.suffix}.{ext}" for t in TABLES for ext in ("csv", "parquet")]
        for name in names:
            if name in owner:
                other = owner[name]
                raise ScopeError(f"{other.title} ({other.code or other.provinsi}) and {scope.title} "
                                 f"({scope.code or scope.provinsi}) would both write {name}: give them "
                                 "distinct names in config/regions.csv")
            owner[name] = scope
    return list(owner)


# --- writing the files -------------------------------------------------------------------

class UnknownKabupaten(UsageError, ValueError):
    pass


def describe_state(as_of: datetime | None, changed: datetime | None) -> str:
    """The 'Keadaan data' line: which state of the warehouse the extract shows."""
    changed_text = (f"data terakhir berubah {_jakarta(changed):%Y-%m-%d %H:%M} WIB" if changed
                    else "belum ada data")
    if as_of is None:
        return f"terbaru ({changed_text})"
    day = _jakarta(as_of)
    return f"per {day.day} {MONTHS[day.month - 1]} {day.year}, akhir hari WIB ({changed_text})"


def scope_dir(out: Path, quarter: Quarter, scope: Scope) -> Path:
    """Each quarter's files of one scope in their own folder: out/2022Q4/kab-bengkalis/."""
    return out / str(quarter) / scope.slug


def write_scope(out: Path, quarter: Quarter, scope: Scope, tables: dict[str, pa.Table],
                meta: WorkbookMeta, csv_locale: str | None = None) -> list[Path]:
    """The workbook, then one CSV and one Parquet file per table, then the folder's index
    (BACA-SAYA.txt); each written to a temporary name and moved into place, so nobody opens
    half a file."""
    stem = file_stem(quarter, scope)
    out = scope_dir(out, quarter, scope)
    out.mkdir(parents=True, exist_ok=True)
    written = [_atomic(out / f"{stem}.xlsx", lambda p: write_workbook(p, tables, meta))]
    for table in TABLES:
        for ext, writer in (("csv", partial(write_csv, locale=csv_locale)), ("parquet", write_parquet)):
            target = out / f"{stem}{table.suffix}.{ext}"
            written.append(_atomic(target, lambda p, t=table, w=writer: w(p, t, tables[t.name])))
    written.append(_atomic(out / INDEX_NAME, lambda p: write_index(p, meta, stem, csv_locale)))
    return written


def _atomic(target: Path, write) -> Path:
    with replacing(target) as tmp:
        write(tmp)
    return target


def write_extract(warehouse: Path, quarter: Quarter, out: Path, *, as_of: datetime | None = None,
                  kabupaten: str | None = None, config_dir: Path = CONFIG_DIR,
                  provisional: bool = False, csv_locale: str | None = None) -> list[Path]:
    """Write the quarterly extract for the province and each kabupaten (or one kabupaten),
    each scope in out/<quarter>/<slug>/; `provisional` labels every sheet SEMENTARA (a quarter
    that has not ended); `csv_locale` 'id': CSV for Indonesian Excel."""
    check_csv_locale(csv_locale)
    con = open_reader(warehouse, as_of)
    try:
        tables = build_tables(con, quarter, read_thresholds(config_dir))
        changed = data_changed_at(con)
    finally:
        con.close()
    reference = load_reference(config_dir)
    every = scopes(tables, reference)
    chosen = every
    if kabupaten:
        region = reference.find("kabupaten", kabupaten)
        chosen = [s for s in every if s.kabupaten is not None and
                  (s.code == region.code if region else s.matches(kabupaten))]
        if not chosen:
            known = ", ".join(f"{s.kabupaten} ({s.code})" for s in every if s.kabupaten)
            raise UnknownKabupaten(f"No registered village in kabupaten {kabupaten!r} (known: {known})")
    planned_files(quarter, every)              # refuses before writing anything
    out.mkdir(parents=True, exist_ok=True)
    thresholds = read_threshold_rows(config_dir)
    jobs = []
    for scope in chosen:
        meta = WorkbookMeta(
            title=scope.title, quarter_code=str(quarter), quarter_title=quarter.title,
            created=datetime.combine(quarter.last_day, time(0)),
            data_state=describe_state(as_of, changed),
            region_level="Kabupaten/Kota" if scope.kabupaten is None else "Kecamatan",
            thresholds=thresholds, provisional=provisional)
        jobs.append((out, quarter, scope, slice_scope(tables, scope), meta, csv_locale))
    # Writing cells is the slow part at province size (xlsxwriter is pure Python): spread the
    # workbooks over the CPUs when there are many villages; each file is written whole by one
    # process, so the output is the same either way.
    workers = min(os.cpu_count() or 1, len(jobs)) if tables["villages"].num_rows >= PARALLEL_FROM else 1
    # progress: one line per scope written ("extract progress: scopes 3/13; ..."), done/total
    with progress.start("extract", len(jobs), phases=("scopes",), interval=0, every=1) as tracker:
        written: list[Path] = []
        if workers <= 1:
            for job in jobs:
                written += write_scope(*job)
                tracker.advance("scopes")
            return written
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            for paths in pool.map(_write_scope_job, jobs):    # in order: the same list either way
                written += paths
                tracker.advance("scopes")
        return written


PARALLEL_FROM = 2000      # villages; below this, starting processes costs more than it saves


def _write_scope_job(job: tuple) -> list[Path]:
    return write_scope(*job)
