"""Shared set-up for the transforms tests: the reference data (read once) and a parse helper."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from transforms.reference import load_reference
from transforms.workbook import parse_workbook

VILLAGE = {"kode_desa": "14.03.02.2008", "desa": "Jangkang", "kecamatan": "Bantan", "kabupaten": "Bengkalis"}
TODAY = date(2025, 1, 15)
FETCHED_AT = datetime(2025, 1, 15, 1, 2, 3, tzinfo=UTC)

KUNJUNGAN = ["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan", "Anggota Baru", "Buku Dipinjam",
             "Pengguna Internet", "Hari Buka"]
KEGIATAN = ["No", "Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Strategi", "Peserta Laki-laki", "Peserta Perempuan",
            "Mitra", "Keterangan"]
MITRA = ["Nama Mitra", "Jenis Mitra", "Bentuk Dukungan", "MoU", "Tanggal MoU", "Nilai Dukungan (Rp)"]
DAMPAK = ["Bulan", "Inisial Penerima", "Jenis Kelamin", "Jenis Dampak", "Produk", "Pendapatan Sebelum (Rp/bulan)",
          "Pendapatan Sesudah (Rp/bulan)", "Kisah Sukses"]


@pytest.fixture(scope="session")
def village() -> dict:
    return dict(VILLAGE)


@pytest.fixture(scope="session")
def headers() -> dict[str, list[str]]:
    """Template header rows (contract section 1)."""
    return {"Kunjungan": list(KUNJUNGAN), "Kegiatan": list(KEGIATAN), "Mitra": list(MITRA), "Dampak": list(DAMPAK)}


@pytest.fixture(scope="session")
def ref():
    return load_reference()


@pytest.fixture
def parse(ref):
    """parse(tabs, ...) -> ParsedWorkbook; Kunjungan and Kegiatan get a bare header if absent."""

    def run(tabs: dict, *, today: date = TODAY, village: dict = VILLAGE, key: str = "1abc", fill: bool = True):
        tabs = dict(tabs)
        if fill:
            tabs.setdefault("Kunjungan", [KUNJUNGAN])
            tabs.setdefault("Kegiatan", [KEGIATAN])
        return parse_workbook(tabs, village, spreadsheet_key=key, fetched_at=FETCHED_AT, today=today, ref=ref)

    return run
