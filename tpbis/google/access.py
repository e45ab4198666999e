"""`tpbis check-access`: can the service account read every registered sheet, and does each
still look like the template?

One Drive `files.list` (what the service account can see), then, paced like the sync, for
each registered sheet the template check's reads (`tpbis.village_sheets.drift.read_for_check`: its
metadata, then the top rows of the template tabs). A 403 means the sheet is not shared with
the service account, a 404 that it was deleted (or the key in the registry is wrong); drift
is judged by `tpbis.village_sheets.drift.drift`, the same rules as `tpbis template check`. Each village
that needs action gets the fix in Indonesian, for the province officer who will do it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd
import requests
from gspread.exceptions import APIError

from tpbis.google import sheets
from tpbis.google.drive import list_modified_times
from tpbis.village_sheets import drift
from tpbis.settings import Settings

OK, NOT_SHARED, DELETED, DRIFT, ERROR = "ok", "not_shared", "deleted", "template_drift", "error"
LABELS = {OK: "ok", NOT_SHARED: "belum dibagikan", DELETED: "terhapus", DRIFT: "beda template", ERROR: "gagal dibaca"}


@dataclass
class Access:
    kode_desa: str
    desa: str
    spreadsheet_key: str
    status: str                       # ok / not_shared / deleted / template_drift / error
    listed: bool                      # Drive lists it for the service account
    fix: str = ""                     # what to do, in Indonesian ("" when ok)
    findings: list[dict] = field(default_factory=list)

    @property
    def needs_action(self) -> bool:
        return self.status != OK


def check_access(settings: Settings, villages: pd.DataFrame) -> tuple[str, list[Access]]:
    """(the service account's e-mail, one Access per registered village, in registry order)."""
    from transforms.reference import load_reference
    conn = sheets.connect(settings)
    ref = load_reference(settings.config_dir)
    listed = list_modified_times(conn)
    results = [_check_one(conn, ref, row, row["spreadsheet_key"] in listed) for _, row in villages.iterrows()]
    return conn.service_account, results


def _check_one(conn, ref, village, listed: bool) -> Access:
    key, email = village["spreadsheet_key"], conn.service_account
    base = dict(kode_desa=village["kode_desa"], desa=village["desa"], spreadsheet_key=key, listed=listed)
    try:
        titles, values = drift.read_for_check(conn, key, ref)
    except APIError as e:
        status = e.response.status_code
        if status == 403:
            return Access(**base, status=NOT_SHARED, fix=(
                f"Bagikan spreadsheet ini ke {email} sebagai Viewer (Editor bila memakai --write-back), "
                f"atau masukkan ke folder / shared drive yang sudah dibagikan ke akun itu."))
        if status == 404:
            return Access(**base, status=DELETED, fix=(
                "Spreadsheet tidak ditemukan: pulihkan dari Sampah (Trash) Google Drive pemiliknya, "
                "atau perbaiki spreadsheet_key desa ini di registri."))
        return Access(**base, status=ERROR, fix=f"Google menjawab {status}; coba lagi nanti.")
    except (requests.ConnectionError, requests.Timeout) as e:
        return Access(**base, status=ERROR, fix=f"Server tidak menjawab ({type(e).__name__}); coba lagi nanti.")
    findings = [f for f in drift.drift(titles, values, ref) if f.severity in ("error", "warning")]
    if findings:
        return Access(**base, status=DRIFT, findings=[asdict(f) for f in findings], fix=(
            "Sesuaikan tab dan kolom dengan template (rinciannya: tpbis template check --kode-desa "
            f"{village['kode_desa']}): " + " ".join(f.message for f in findings)))
    return Access(**base, status=OK)


def as_json(email: str, results: list[Access]) -> dict:
    return {"service_account": email,
            "needs_action": sum(r.needs_action for r in results),
            "villages": [{**asdict(r), "needs_action": r.needs_action} for r in results]}


def format_table(email: str, results: list[Access]) -> str:
    width = max([len(r.desa) for r in results] + [4])
    lines = [f"Akun layanan: {email}", f"{'kode_desa':15} {'desa':{width}} status",
             f"{'-' * 15} {'-' * width} {'-' * 16}"]
    for r in results:
        lines.append(f"{r.kode_desa:15} {r.desa:{width}} {LABELS[r.status]}")
        if r.fix:
            lines.append(f"{'':15} {'':{width}}   -> {r.fix}")
    todo = sum(r.needs_action for r in results)
    lines.append(f"{len(results) - todo} dari {len(results)} spreadsheet siap; {todo} perlu ditindaklanjuti.")
    return "\n".join(lines)
