"""How far an existing village sheet has drifted from the template (`tpbis template check`,
and `tpbis check-access` for every registered sheet).

A sheet that drifted (renamed or missing columns, extra tabs) is where rejections and failed
syncs come from; the findings say where, in Indonesian, judged the way the sync reads
headers (case, spacing, aliases).
"""
from __future__ import annotations

from dataclasses import dataclass

from tpbis.google.titles import fold, quote_title
from tpbis.village_sheets.template import IGNORED_TABS, REQUIRED_TABS, TemplateError
from tpbis.village_sheets.new_village import read_csv
from transforms.headers import find_header, header_keys
from transforms.reference import Reference
from transforms.text import cell_text, is_blank


@dataclass(frozen=True)
class Finding:
    severity: str      # error: the sync fails or loses a required column; warning: data is lost; info: harmless
    code: str
    tab: str
    message: str       # Indonesian, for province staff and librarians


def _label(text) -> str:
    """A header or field label as shown to people: its text with spacing collapsed."""
    return " ".join(cell_text(text).split())


def drift(titles: list[str], value_ranges: dict[str, list[list]], ref: Reference) -> list[Finding]:
    """Compare a sheet's tab titles and top rows (`value_ranges`: title -> rows from row 1)
    with the template, the way the sync reads headers (case, spacing, aliases)."""
    found: list[Finding] = []
    by_norm = {fold(t): t for t in reversed(titles)}
    matched = set()
    for tab in ref.columns:
        title = by_norm.get(fold(tab))
        severity = "error" if tab in REQUIRED_TABS else "warning"
        if title is None:
            found.append(Finding(severity, "missing_tab", tab, f"Tab '{tab}' tidak ada."))
            continue
        matched.add(title)
        if title != tab:
            found.append(Finding("info", "renamed_tab", tab, f"Tab '{tab}' bernama '{title}'."))
        rows = value_ranges.get(title, [])
        found += _profile_drift(rows, ref) if tab == "Profil" else _tab_drift(tab, rows, ref, severity)
    for title in titles:
        if title not in matched and fold(title) not in {fold(t) for t in IGNORED_TABS}:
            found.append(Finding("info", "extra_tab", title, f"Tab tambahan '{title}' (tidak dibaca sinkronisasi)."))
    return found


def _tab_drift(tab: str, rows: list[list], ref: Reference, severity: str) -> list[Finding]:
    specs = ref.columns[tab]
    match = find_header(rows, ref.header_lookup[tab])
    if match is None:
        return [Finding(severity, "no_header", tab, f"Tab '{tab}': baris judul kolom tidak ditemukan.")]
    out = []
    if match.row != 0:
        out.append(Finding("info", "header_moved", tab, f"Tab '{tab}': judul kolom ada di baris {match.row + 1}, bukan baris 1."))
    for spec in specs:
        if spec.field not in match.columns:
            level = "error" if spec.required else "warning"
            out.append(Finding(level, "missing_column", tab,
                               f"Tab '{tab}': kolom '{spec.header}'{' (wajib)' if spec.required else ''} tidak ada."))
        elif _label(match.labels[spec.field]) != spec.header:
            out.append(Finding("info", "renamed_column", tab,
                               f"Tab '{tab}': kolom '{spec.header}' tertulis '{_label(match.labels[spec.field])}'."))
    used = set(match.columns.values())
    for j, cell in enumerate(rows[match.row] if match.row < len(rows) else []):
        if j not in used and not is_blank(cell):
            out.append(Finding("info", "extra_column", tab, f"Tab '{tab}': kolom tambahan '{_label(cell)}'."))
    return out


def _profile_drift(rows: list[list], ref: Reference) -> list[Finding]:
    lookup = ref.header_lookup["Profil"]
    labels: dict[str, str] = {}
    for row in rows:
        for cell in row:
            if is_blank(cell):
                continue
            field_ = next((lookup[k] for k in header_keys(cell) if k in lookup), None)
            if field_ and not field_.startswith("_"):
                labels.setdefault(field_, _label(cell))
    out = []
    for spec in ref.columns["Profil"]:
        if spec.field.startswith("_"):
            continue
        if spec.field not in labels:
            out.append(Finding("warning", "missing_field", "Profil", f"Tab 'Profil': isian '{spec.header}' tidak ada."))
        elif labels[spec.field] != spec.header:
            out.append(Finding("info", "renamed_field", "Profil",
                               f"Tab 'Profil': isian '{spec.header}' tertulis '{labels[spec.field]}'."))
    return out


def read_for_check(conn, key: str, ref: Reference, scan_rows: int = 15) -> tuple[list[str], dict[str, list[list]]]:
    """Tab titles (one metadata read) and the top rows of the template tabs (one batchGet)."""
    from tpbis.google.sheets import VALUE_PARAMS
    meta = conn.http.fetch_sheet_metadata(key, params={"fields": "sheets.properties.title"})
    titles = [s["properties"]["title"] for s in meta.get("sheets", [])]
    wanted = {fold(t) for t in ref.columns}
    tabs = [t for t in titles if fold(t) in wanted]
    ranges = [f"{quote_title(t)}!A1:AZ{60 if fold(t) == 'profil' else scan_rows}" for t in tabs]
    body = conn.http.values_batch_get(key, ranges, params=dict(VALUE_PARAMS)) if ranges else {}
    values = {t: vr.get("values", []) for t, vr in zip(tabs, body.get("valueRanges", []))}
    return titles, values


def format_findings(findings: list[Finding]) -> str:
    if not findings:
        return "Sesuai template: tidak ada perbedaan."
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    lines = [f"{len(findings)} perbedaan dari template: {counts['error']} error, {counts['warning']} warning, "
             f"{counts['info']} info"]
    order = {"error": 0, "warning": 1, "info": 2}
    for f in sorted(findings, key=lambda f: order[f.severity]):
        lines.append(f"  {f.severity.upper():7} [{f.code}] {f.message}")
    return "\n".join(lines)


def check_command(settings, *, kode_desa: str | None = None, key: str | None = None) -> tuple[str, list[Finding]]:
    """(the spreadsheet key checked, its drift findings)."""
    from gspread.exceptions import APIError
    from transforms.reference import load_reference

    if not key:
        if not kode_desa:
            raise TemplateError("give --kode-desa or --key")
        _, rows = read_csv(settings.registry)
        row = next((r for r in rows if r.get("kode_desa", "").strip() == kode_desa), None)
        if row is None or not (row.get("spreadsheet_key") or "").strip():
            raise TemplateError(f"{kode_desa} has no spreadsheet in {settings.registry}")
        key = row["spreadsheet_key"].strip()
    ref = load_reference(settings.config_dir)
    try:
        titles, values = read_for_check(_check_connection(settings), key, ref)
    except APIError as e:
        raise TemplateError(f"cannot read spreadsheet {key} ({e.response.status_code}): {e}") from None
    return key, drift(titles, values, ref)


def _check_connection(settings):
    """The sync's own paced read connection: a check spends the same read quota."""
    from tpbis.sync.steps import shared_connection
    return shared_connection(settings)
