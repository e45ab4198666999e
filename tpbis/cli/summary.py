"""The short province summary the demo prints, in Indonesian labels for province staff."""
from __future__ import annotations

from pathlib import Path

from tpbis.warehouse.snapshot import open_reader
from tpbis.warehouse.store import sql

LABELS = {
    "quarter": "Triwulan", "kabupaten": "Kabupaten", "villages": "Desa",
    "villages_full_quarter": "Lapor 3 bln", "visitors": "Pengunjung", "visitors_female": "Perempuan",
    "activities": "Kegiatan", "participants": "Peserta", "pct_women": "% Perempuan",
    "beneficiaries": "Penerima Manfaat",
}


def province_summary(warehouse: Path) -> str:
    con = open_reader(warehouse)
    try:
        df = con.execute(sql("queries/province_summary.sql")).df()
    finally:
        con.close()
    title = "Ringkasan Provinsi Riau (report.quarterly_indicators), empat triwulan terakhir"
    return title + "\n" + df.rename(columns=LABELS).to_string(index=False)
