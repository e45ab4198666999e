"""The registry of villages (contract section 2): which spreadsheet belongs to which village.

Checked before anything else runs (the command line calls `check_registry` before Prefect is
imported; the sync flow calls it again): a registry mistake would put one village's data under
another's name, or blank the province. Read as text with the csv module (no pandas, so the
check takes milliseconds): `14.03.02.2008` is a code, not a number. Every problem is collected
with its line and column; the error shows the first one on one line, and how many more there are.

Region names are display names: the code decides (tpbis.regions). `Kab. Bengkalis`,
` BENGKALIS` and `Bengkalis ` for a `14.03.*` village all become `Bengkalis`, the reference name.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from tpbis.errors import UsageError
from tpbis.regions import ALIEN, Reference, load_reference, name_key, tidy
from tpbis.settings import CONFIG_DIR

REQUIRED = ["kode_desa", "desa", "kecamatan", "kabupaten", "provinsi", "kelompok", "tahun_kelompok",
            "spreadsheet_key"]
COHORTS = {"replikasi", "replikasi_mandiri", "calon_replikasi_mandiri"}
KODE_DESA = re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")          # Kemendagri: 14.03.02.2008
# Google's spreadsheet ids: letters, digits, '-' and '_' (44 characters today); anything else
# would end up in a URL path
SPREADSHEET_KEY = re.compile(r"[A-Za-z0-9_-]{20,128}")
YEAR = re.compile(r"(19|20)\d\d")
ADMIN_PREFIX = re.compile(r"^(kecamatan|kec)\b\.?\s*", re.IGNORECASE)
SAVE_AS_UTF8 = "save it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8)"


class RegistryError(UsageError):
    """The registry cannot be used: `str(e)` is one line naming the file, line and column."""


@dataclass(frozen=True)
class Problem:
    line: int
    column: int          # 1-based field number in the CSV line
    message: str


def _fail(path: Path, problems: list[Problem]) -> RegistryError:
    first = min(problems, key=lambda p: (p.line, p.column))
    more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
    return RegistryError(f"{path}:{first.line}:{first.column}: {first.message}{more}")


def _decode(path: Path, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):          # a UTF-8 BOM (Excel's CSV UTF-8) is fine
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line_start = data.rfind(b"\n", 0, e.start) + 1
        before = data[line_start:e.start].decode("latin-1")
        column = len(next(csv.reader([before]), [""])) if before else 1
        line = data.count(b"\n", 0, e.start) + 1
        raise _fail(path, [Problem(line, column, f"not UTF-8 (byte 0x{data[e.start]:02X}; a cp1252/Excel "
                                                 f"'CSV' file?): {SAVE_AS_UTF8}")]) from None


def _read_lines(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, fields) of each non-blank CSV record; ',' or (Indonesian Excel) ';'."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RegistryError(f"Registry not found: {path} (give --registry PATH or set TPBIS_REGISTRY)") from None
    except (IsADirectoryError, PermissionError) as e:
        raise RegistryError(f"Registry cannot be read: {path} ({e.strerror})") from None
    text = _decode(path, data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, start = [], 1
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as e:
        raise _fail(path, [Problem(reader.line_num, 1, f"not a readable CSV line ({e})")]) from None
    return records


def check_registry(path: Path, config_dir: Path = CONFIG_DIR) -> list[dict[str, str]]:
    """The registry's villages, checked, with region names resolved to the reference.

    Raises RegistryError (exit 2) naming `path:line:column` of the first problem.
    """
    if str(path).startswith("gsheet:"):     # kept in a Google Sheet: its cells, checked as a CSV
        from tpbis.google.registry_sheet import registry_file
        path = registry_file(str(path))
    path = Path(path).absolute()
    records = _read_lines(path)
    if not records:
        raise _fail(path, [Problem(1, 1, "the registry is empty: it needs a header row "
                                         f"({','.join(REQUIRED)}) and one line per village")])
    header_line, header = records[0]
    names = [tidy(h).lower() for h in header]
    problems = [Problem(header_line, i + 1, f"column {n} appears twice in the header")
                for i, n in enumerate(names) if n and n in names[:i]]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        problems.append(Problem(header_line, len(names) + 1,
                                f"missing column(s) {', '.join(missing)} (the header must name {', '.join(REQUIRED)})"))
    if problems:
        raise _fail(path, problems)
    if len(records) == 1:
        raise _fail(path, [Problem(header_line + 1, 1, "no villages: the registry has a header but no data rows "
                                                       "(a sync would blank the province)")])
    position = {c: names.index(c) for c in REQUIRED}
    reference = load_reference(config_dir)
    villages, first_seen = [], {"kode_desa": {}, "spreadsheet_key": {}}
    kecamatan_names: dict[str, tuple[str, int]] = {}
    for line, fields in records[1:]:
        extra = [i for i, f in enumerate(fields) if i >= len(names) and f.strip()]
        if extra:
            problems.append(Problem(line, extra[0] + 1, f"{len(fields)} values but the header has {len(names)} "
                                                        "columns (a comma inside a name needs \"quotes\")"))
            continue
        row = {c: tidy(fields[i]) if i < len(fields) else "" for c, i in position.items()}
        row_problems = _check_row(row, reference, config_dir)
        for column, seen in first_seen.items():
            value = row[column]
            if value and value in seen:
                row_problems.append((column, f"duplicate {column} {value!r} (also on line {seen[value]})"))
            elif value:
                seen[value] = line
        if not row_problems:
            row_problems += _one_kecamatan_name(row, line, kecamatan_names)
        problems += [Problem(line, position[c] + 1, m) for c, m in row_problems]
        villages.append(row)
    if problems:
        raise _fail(path, problems)
    return villages


def _check_row(row: dict[str, str], reference: Reference, config_dir: Path) -> list[tuple[str, str]]:
    """(column, message) of each problem of one registry row; resolves its names in place."""
    out = []
    code, key = row["kode_desa"], row["spreadsheet_key"]
    for column in ("kode_desa", "desa", "spreadsheet_key"):
        if not row[column]:
            out.append((column, f"{column} is empty"))
    if code and not KODE_DESA.fullmatch(code):
        out.append(("kode_desa", f"kode_desa {code!r} is not a Kemendagri village code like 14.03.02.2008"))
    if key and not SPREADSHEET_KEY.fullmatch(key):
        out.append(("spreadsheet_key", f"spreadsheet_key {key!r} is not a Google spreadsheet id (20-128 "
                                       "letters, digits, '-' or '_': the part of the sheet's URL after /d/)"))
    cohort = re.sub(r"[\s-]+", "_", row["kelompok"].lower())
    if cohort in COHORTS:
        row["kelompok"] = cohort
    else:
        out.append(("kelompok", f"unknown kelompok {row['kelompok']!r} (expected one of {', '.join(sorted(COHORTS))})"))
    if row["tahun_kelompok"] and not YEAR.fullmatch(row["tahun_kelompok"]):
        out.append(("tahun_kelompok", f"tahun_kelompok {row['tahun_kelompok']!r} is not a year like 2022"))
    if out or not code:
        return out
    regions = config_dir.absolute() / "regions.csv"
    for column, prefix in (("provinsi", code[:2]), ("kabupaten", code[:5]), ("kecamatan", code[:8])):
        resolved = reference.resolve(prefix, row[column])
        if resolved is ALIEN:
            own = reference.get(prefix)
            out.append((column, f"{column} {row[column]!r} is another region than {own.name!r}, which "
                                f"kode_desa {code} is in ({prefix}): fix the code or the name"))
        elif resolved is not None:
            row[column] = resolved
        elif column != "kecamatan":
            out.append(("kode_desa", f"{column} code {prefix} of kode_desa {code} is not in {regions}: "
                                     f"fix the code, or add the {column} there"))
        elif not row[column]:       # a kecamatan the reference does not know keeps its registry name
            out.append(("kecamatan", f"kecamatan is empty and {prefix} is not in {regions}"))
    return out


def _one_kecamatan_name(row: dict[str, str], line: int, seen: dict[str, tuple[str, int]]) -> list[tuple[str, str]]:
    """A kecamatan code the reference does not know: one name for all its villages (the first
    spelling, without `Kec.`); a different name is a second region, refused."""
    code = row["kode_desa"][:8]
    if code not in seen:
        seen[code] = (ADMIN_PREFIX.sub("", row["kecamatan"]) or row["kecamatan"], line)
    name, first = seen[code]
    if name_key(row["kecamatan"]) != name_key(name):
        return [("kecamatan", f"kecamatan {row['kecamatan']!r} of {code} was {name!r} on line {first}: "
                              "one kecamatan code, one name")]
    row["kecamatan"] = name
    return []


def read_registry(path: Path, config_dir: Path = CONFIG_DIR):
    """The registry as a DataFrame of strings, one row per village, checked and resolved."""
    import pandas as pd
    return pd.DataFrame(check_registry(path, config_dir), columns=REQUIRED, dtype="str")


def read_regions(config_dir: Path):
    import pandas as pd
    return pd.read_csv(config_dir / "regions.csv", dtype=str, keep_default_na=False)


# --- removals: a registry that suddenly lacks many villages is more likely a mistake -------

def registered_in_warehouse(warehouse: Path) -> set[str]:
    """kode_desa of the villages the published warehouse holds (read-only); none on a first sync."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        return set()
    import duckdb
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return set()        # unreadable here: the sync itself reports (or repairs) that file
    try:
        return {k for (k,) in con.execute("select kode_desa from core.villages").fetchall()}
    except duckdb.Error:
        return set()
    finally:
        con.close()


def check_removals(path: Path, villages: list[dict] | set[str], registered: set[str], max_share: float,
                   accept: bool = False) -> None:
    """Refuse (exit 2) a registry that drops more than `max_share` of the registered villages."""
    codes = {v["kode_desa"] if isinstance(v, dict) else v for v in villages}
    removed = registered - codes
    if accept or not registered or len(removed) <= max_share * len(registered):
        return
    sample = ", ".join(sorted(removed)[:3]) + (", ..." if len(removed) > 3 else "")
    raise RegistryError(
        f"{Path(path).absolute()}: {len(removed)} of {len(registered)} registered villages would disappear "
        f"({sample}); more than TPBIS_MAX_REMOVED_SHARE={max_share:g}. If that is intended, run "
        f"`tpbis sync --accept-removals`; otherwise fix the registry")
