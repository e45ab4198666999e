"""A NIK or a phone number typed into a village's sheet never lands anywhere in the warehouse:
not in the loaded rows, not in the warnings, not in the raw cells kept for replay (issue #18).
Through gspread and the local server, a real sync, then a replay of the landed cells."""
from __future__ import annotations

import duckdb
import pytest

from flows.nightly_sync import nightly_sync
from tpbis.registry import read_registry
from tpbis.sync.working_file import replay_all
from tpbis.settings import CONFIG_DIR, Settings
from transforms.text import mask_and_write

REGISTRY = read_registry(CONFIG_DIR / "villages.csv")
NIK, NIK_SPACED, PHONE = "1403025807900001", "1403 0258 0790 0002", "0812-3456-7890"
SECRETS = [NIK, NIK_SPACED, PHONE, "1403025807900002", "081234567890"]


def test_mask_workbook_masks_text_outside_profil_and_leaves_the_input_alone():
    ranges = {"Profil": [["NPP", NIK]], "Kegiatan": [["Keterangan"], [f"NIK {NIK}", 5], None],
              "Dampak": [[NIK_SPACED, 1403025807900001]]}
    masked = mask_and_write(ranges)[0]
    assert masked["Profil"] == [["NPP", NIK]]                               # NPP is 16 digits by design
    assert masked["Kegiatan"] == [["Keterangan"], ["NIK [NIK disamarkan]", 5], None]
    assert masked["Dampak"] == [["[NIK disamarkan]", 1403025807900001]]    # a typed number is a count's business
    assert ranges["Kegiatan"][1][0] == f"NIK {NIK}"                         # a copy, not the input
    clean = {"Kegiatan": [["Keterangan"], ["Rp 1.500.000"]]}
    assert mask_and_write(clean)[0] is clean and mask_and_write(None)[0] is None


def _put_secrets(server) -> str:
    """Type the numbers into the first sample village whose header rows are the template's."""
    for kode, key in zip(REGISTRY["kode_desa"], REGISTRY["spreadsheet_key"]):
        book = server.get_workbook(key)
        tabs = {sheet["title"]: sheet["rows"] for sheet in book["sheets"]}
        if "Keterangan" in tabs["Kegiatan"][0] and "Kisah Sukses" in tabs.get("Dampak", [[]])[0]:
            break
    kegiatan, dampak = tabs["Kegiatan"], tabs["Dampak"]
    note = kegiatan[0].index("Keterangan")
    row = kegiatan[1] + [""] * (len(kegiatan[0]) - len(kegiatan[1]))
    row[note] = f"Peserta Ibu Sari NIK {NIK}, hubungi {PHONE}"
    kegiatan[1] = row
    story, initials = dampak[0].index("Kisah Sukses"), dampak[0].index("Inisial Penerima")
    row = dampak[1] + [""] * (len(dampak[0]) - len(dampak[1]))
    row[story], row[initials] = f"Usaha naik; WA {PHONE}", NIK_SPACED
    dampak[1] = row
    server.put_workbook(book)
    return kode


def _rows(path, query):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.mark.usefixtures("prefect_harness")
def test_no_nik_or_phone_number_lands_and_a_replay_gives_the_same_warnings(sync_env, sheets_server):
    kode = _put_secrets(sheets_server)
    summary = nightly_sync()
    assert summary["villages_failed"] == 0
    warnings = _rows(sync_env, f"""select tab, "column", reason, message from report.row_warnings
                                   where kode_desa = '{kode}' and reason in ('personal_number_masked', 'nik_removed')
                                   order by all""")
    assert [(t, c, r) for t, c, r, _ in warnings] == [
        ("Dampak", "Inisial Penerima", "nik_removed"), ("Dampak", "Kisah Sukses", "personal_number_masked"),
        ("Kegiatan", "Keterangan", "personal_number_masked")]
    # nowhere in the published file, the raw cells included
    text = " ".join(str(v) for table in ("raw.payloads", "core.activities", "core.benefits", "core.warnings")
                    for row in _rows(sync_env, f"select * from {table}") for v in row)
    assert "[NIK disamarkan]" in text and "[nomor HP disamarkan]" in text
    assert not any(secret in text for secret in SECRETS)
    assert not any(secret.replace(" ", "") in text.replace(" ", "") for secret in SECRETS)

    before = _rows(sync_env, "select tab, row_number, \"column\", reason, message from report.row_warnings order by all")
    activities = _rows(sync_env, "select * exclude (valid_from, loaded_run) from core.activities order by all")
    replay_all(Settings.from_env())
    assert _rows(sync_env, "select tab, row_number, \"column\", reason, message from report.row_warnings order by all") == before
    assert _rows(sync_env, "select * exclude (valid_from, loaded_run) from core.activities order by all") == activities
