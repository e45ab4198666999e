"""The registry of villages (contract section 2): which spreadsheet belongs to which village.

Read as text (never numericised: `14.03.02.2008` is a code, not a number) and checked before
any fetch, because a registry mistake would put one village's data under another's name.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

REQUIRED = ["kode_desa", "desa", "kecamatan", "kabupaten", "provinsi", "kelompok", "tahun_kelompok",
            "spreadsheet_key"]
COHORTS = {"replikasi", "replikasi_mandiri", "calon_replikasi_mandiri"}


class RegistryError(ValueError):
    pass


def read_registry(path: Path) -> pd.DataFrame:
    """The registry as a DataFrame of strings, one row per village, validated."""
    if str(path).startswith("gsheet:"):     # kept in a Google Sheet: its cells, checked as a CSV
        from tpbis.google.registry_sheet import registry_file
        path = registry_file(str(path))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise RegistryError(f"Registry not found: {path}") from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise RegistryError(f"{path}: missing column(s) {', '.join(missing)}")
    df = df[REQUIRED].apply(lambda s: s.str.strip())
    problems = []
    for col in ("kode_desa", "spreadsheet_key"):
        dup = df[col][df[col].duplicated(keep=False) & (df[col] != "")]
        if len(dup):
            problems.append(f"duplicate {col}: {', '.join(sorted(set(dup)))}")
    empty = df.index[(df["kode_desa"] == "") | (df["spreadsheet_key"] == "")]
    if len(empty):
        problems.append(f"empty kode_desa or spreadsheet_key on line(s) {', '.join(str(i + 2) for i in empty)}")
    bad = sorted(set(df["kelompok"]) - COHORTS - {""})
    if bad:
        problems.append(f"unknown kelompok {', '.join(bad)} (expected {', '.join(sorted(COHORTS))})")
    if problems:
        raise RegistryError(f"{path}: " + "; ".join(problems))
    return df.reset_index(drop=True)


def read_regions(config_dir: Path) -> pd.DataFrame:
    return pd.read_csv(config_dir / "regions.csv", dtype=str, keep_default_na=False)
