"""A new village: its row in the registry, and its sheet made from the template
(`tpbis template create`).

The registry decides which village a sheet belongs to, so a new sheet is only created when
the registry can take its key (`check_registry`), and the key is written back to the
registry atomically once Google made the sheet (`add_to_registry`).
"""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from tpbis import files
from tpbis.village_sheets.template import (CODE, TemplateError, create_sheet, spreadsheet_title,
                                           write_xlsx)


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), [dict(r) for r in reader]


def village_for(kode_desa: str, registry: Path, config_dir: Path, *, desa: str | None = None,
                kecamatan: str | None = None, kabupaten: str | None = None, provinsi: str | None = None,
                kelompok: str = "calon_replikasi_mandiri", year: int | None = None) -> tuple[dict, bool]:
    """(the registry row of the village, whether the registry has it already).

    A registered village keeps its registry names. A new one takes names from the options,
    else the kecamatan, kabupaten and province from config/regions.csv by the code's prefix;
    the desa name must be given (regions.csv stops at the kecamatan).
    """
    if not CODE.match(kode_desa or ""):
        raise TemplateError(f"kode desa {kode_desa!r} is not a Kemendagri code like 14.03.02.2008")
    _, rows = read_csv(registry)
    known = next((r for r in rows if r.get("kode_desa", "").strip() == kode_desa), None)
    if known:
        return {k: (v or "").strip() for k, v in known.items()}, True
    _, regions = read_csv(Path(config_dir) / "regions.csv")
    names = {r["kode"]: r["nama"] for r in regions}
    village = {
        "kode_desa": kode_desa,
        "desa": desa,
        "kecamatan": kecamatan or names.get(kode_desa[:8]),
        "kabupaten": kabupaten or names.get(kode_desa[:5]),
        "provinsi": provinsi or names.get(kode_desa[:2]),
        "kelompok": kelompok,
        "tahun_kelompok": str(year or date.today().year),
        "spreadsheet_key": "",
    }
    missing = [k for k in ("desa", "kecamatan", "kabupaten", "provinsi") if not village[k]]
    if missing:
        raise TemplateError(f"{kode_desa} is not in the registry and config/regions.csv does not name its "
                            f"{', '.join(missing)}: give --{' --'.join(missing)}")
    return village, False


def add_to_registry(registry: Path, village: dict, key: str, *, replace: bool = False) -> None:
    """Append the village with its new spreadsheet key (or, with `replace`, change the key of a
    registered village). Other rows and columns are kept; the file is replaced atomically."""
    columns, rows = read_csv(registry)
    row = next((r for r in rows if r.get("kode_desa", "").strip() == village["kode_desa"]), None)
    if row is not None and row.get("spreadsheet_key", "").strip() and not replace:
        raise TemplateError(f"{village['kode_desa']} already has a spreadsheet in {registry}; "
                            "use --replace-key to point it at a new one")
    if row is None:
        rows.append({c: village.get(c, "") for c in columns})
        row = rows[-1]
    row["spreadsheet_key"] = key
    with files.replacing(registry) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in columns} for r in rows)


def check_registry(registry: Path, village: dict, registered: bool, replace: bool) -> None:
    """Refuse before creating anything that `add_to_registry` would then refuse."""
    if registered and village.get("spreadsheet_key") and not replace:
        raise TemplateError(f"{village['kode_desa']} already has a spreadsheet ({village['spreadsheet_key']}) "
                            f"in {registry}; use --replace-key to create a new one and point the registry at it")


def create_command(settings, kode_desa: str, *, names: dict | None = None, kelompok: str = "calon_replikasi_mandiri",
                   year: int | None = None, folder: str | None = None, xlsx: Path | None = None,
                   replace: bool = False) -> str:
    """Create the sheet (or the .xlsx) and register it; returns what to tell the user."""
    from gspread.exceptions import APIError
    from tpbis.google.sheets import connect
    from transforms.reference import load_reference

    year = year or date.today().year
    ref = load_reference(settings.config_dir)
    village, registered = village_for(kode_desa, settings.registry, settings.config_dir, kelompok=kelompok,
                                      year=year, **{k: v for k, v in (names or {}).items() if v})
    if xlsx is not None:
        path = write_xlsx(village, ref, year, xlsx)
        return (f"{path}: template for {kode_desa} Desa {village['desa']}. Upload it to Drive as a Google sheet, "
                f"share it with the service account, and put its key in {settings.registry}.")
    check_registry(settings.registry, village, registered, replace)
    try:
        key = create_sheet(connect(settings, create=True), village, ref, year, folder)
    except APIError as e:
        raise TemplateError(f"Google refused to create the sheet ({e.response.status_code}): {e}") from None
    add_to_registry(settings.registry, village, key, replace=replace)
    return (f"Created {spreadsheet_title(village)}: {key}\n"
            f"  https://docs.google.com/spreadsheets/d/{key}/edit\n"
            f"  added to {settings.registry}; share it with the librarian as Editor.")
