"""`tpbis template check --all`: drift of every registered village's sheet, as a table or JSON.

Why: a province with hundreds of villages needs one list of the sheets that drifted from the
template (and of those it cannot read at all) before the quarter's deadline, not one command
per village. Reads go one village after another through the sync's paced connection, so a
check never spends more of the read quota than the sync would.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tpbis.village_sheets.drift import Finding, _check_connection, drift, read_for_check
from tpbis.village_sheets.new_village import read_csv
from tpbis.village_sheets.template import TemplateError


@dataclass
class VillageCheck:
    kode_desa: str
    desa: str
    spreadsheet_key: str
    status: str                     # sesuai | berbeda | tidak_terbaca | tanpa_sheet
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)


def check_all_command(settings) -> list[VillageCheck]:
    """Drift of every registered village's sheet, one after another through the sync's paced
    connection (two Sheets reads each). A sheet that cannot be read is reported, not raised."""
    from gspread.exceptions import APIError
    from requests import RequestException
    from transforms.reference import load_reference

    _, rows = read_csv(settings.registry)
    if not rows:
        raise TemplateError(f"{Path(settings.registry).resolve()} has no villages")
    ref = load_reference(settings.config_dir)
    conn = _check_connection(settings)
    out = []
    for row in rows:
        kode, key = (row.get("kode_desa") or "").strip(), (row.get("spreadsheet_key") or "").strip()
        check = VillageCheck(kode, (row.get("desa") or "").strip(), key, "tanpa_sheet")
        if key:
            try:
                titles, values = read_for_check(conn, key, ref)
                check.findings = drift(titles, values, ref)
                check.status = "berbeda" if check.findings else "sesuai"
            except APIError as e:
                check.status, check.error = "tidak_terbaca", f"Google menjawab {e.response.status_code}"
            except RequestException as e:
                check.status, check.error = "tidak_terbaca", f"tidak terhubung ({type(e).__name__})"
        out.append(check)
    return out


def format_all(checks: list[VillageCheck]) -> str:
    """One line per village: code, desa, status, error/warning/info counts, the worst finding."""
    order = {"error": 0, "warning": 1, "info": 2}
    lines = [f"{'Kode Desa':<14} {'Desa':<22} {'Status':<14} {'Err':>3} {'Warn':>4} {'Info':>4}  Temuan utama"]
    for c in checks:
        worst = min(c.findings, key=lambda f: order[f.severity]).message if c.findings else (c.error or "")
        lines.append(f"{c.kode_desa:<14} {c.desa[:22]:<22} {c.status:<14} {c.count('error'):>3} "
                     f"{c.count('warning'):>4} {c.count('info'):>4}  {worst}")
    bad = sum(c.status == "tidak_terbaca" or c.count("error") + c.count("warning") > 0 for c in checks)
    lines.append(f"{len(checks)} desa diperiksa; {bad} perlu diperbaiki.")
    return "\n".join(lines)
