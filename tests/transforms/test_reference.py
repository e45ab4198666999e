"""The reference data in config/: loads, agrees with the contract and the code, and refuses
mistakes (a synonym given to two categories, a reason without a message, an unknown kind)."""

from __future__ import annotations

import dataclasses
import pickle
import shutil
from pathlib import Path

import pytest

from transforms.columns import TABLE_COLUMNS, TABLE_TABS
from transforms.reference import DEFAULT_CONFIG_DIR, Reference, load_reference

TEMPLATE = {  # contract section 1, header text as in the template
    "Kunjungan": ["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan", "Anggota Baru", "Buku Dipinjam",
                  "Pengguna Internet", "Hari Buka"],
    "Kegiatan": ["No", "Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Strategi", "Peserta Laki-laki",
                 "Peserta Perempuan", "Mitra", "Keterangan"],
    "Mitra": ["Nama Mitra", "Jenis Mitra", "Bentuk Dukungan", "MoU", "Tanggal MoU", "Nilai Dukungan (Rp)"],
    "Dampak": ["Bulan", "Inisial Penerima", "Jenis Kelamin", "Jenis Dampak", "Produk", "Pendapatan Sebelum (Rp/bulan)",
               "Pendapatan Sesudah (Rp/bulan)", "Kisah Sukses"],
    "Profil": ["Isian", "Nilai", "Kode Desa", "Nama Desa", "Kecamatan", "Kabupaten", "Nama Perpustakaan", "NPP",
               "Nama Pengelola", "Jumlah Tenaga", "Tahun Bergabung TPBIS", "Koleksi Judul", "Koleksi Eksemplar",
               "Jumlah Komputer", "Akses Internet", "Jam Buka per Hari"],
}
REQUIRED = {"Kunjungan": ["Bulan", "Pengunjung Laki-laki", "Pengunjung Perempuan"],
            "Kegiatan": ["Tanggal", "Nama Kegiatan", "Jenis Kegiatan", "Peserta Laki-laki", "Peserta Perempuan"],
            "Mitra": ["Nama Mitra"], "Dampak": ["Bulan", "Jenis Dampak"], "Profil": []}


def test_columns_follow_the_template(ref):
    for tab, headers in TEMPLATE.items():
        assert [s.header for s in ref.columns[tab]] == headers, tab
        assert [s.header for s in ref.columns[tab] if s.required] == REQUIRED[tab], tab


def test_every_output_column_has_a_source(ref):
    for table, tab in TABLE_TABS.items():
        fields = {s.field for s in ref.columns[tab]}
        for column in TABLE_COLUMNS[table]:
            assert column in fields or column.removesuffix("_raw") in fields, (table, column)


def test_categories_of_the_contract(ref):
    assert ref.category_values["kegiatan"] == (
        "Pelatihan Keterampilan", "Literasi", "TIK", "Bimbingan Belajar", "Kesehatan", "Sosialisasi",
        "Rapat Pemangku Kepentingan", "Advokasi", "Peer Learning Meeting", "Pengembangan Layanan", "Lainnya")
    assert ref.category_values["strategi"] == ("Peningkatan Layanan Informasi", "Pelibatan Masyarakat", "Advokasi")
    assert ref.category_values["mitra"] == ("Pemerintah Desa", "BUMDes", "PKK", "Sekolah", "Dinas/OPD", "Swasta/CSR",
                                            "Komunitas", "Perguruan Tinggi", "Lainnya")
    assert ref.category_values["dampak"] == ("Pendapatan Naik", "Dapat Kerja", "Usaha Baru", "Produk Baru", "Lainnya")


def test_reference_is_frozen_hashable_and_picklable(ref):
    assert isinstance(ref, Reference)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.messages = {}
    with pytest.raises(TypeError):
        ref.messages["missing_required"] = None
    assert hash(ref) == hash(load_reference())
    assert pickle.loads(pickle.dumps(ref)) == ref


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    for name in ("columns.csv", "categories.csv", "messages.csv", "name_variants.csv"):
        shutil.copy(DEFAULT_CONFIG_DIR / name, tmp_path / name)
    return tmp_path


def test_loads_from_a_given_directory(config_copy):
    assert load_reference(config_copy).columns.keys() == load_reference().columns.keys()
    assert load_reference(str(config_copy)).messages.keys() == load_reference().messages.keys()


@pytest.mark.parametrize("file, append, error", [
    ("categories.csv", "mitra,Koperasi,,PKK\n", "already a synonym"),
    ("columns.csv", "Mitra,extra,Catatan,sparkles,0,0,\n", "unknown kind"),
    ("columns.csv", "Mitra,extra,Nama Mitra,text,0,0,\n", "already names"),
    ("categories.csv", "kegiatan,Lomba,Strategi Baru,\n", "not a strategi row"),
])
def test_mistakes_are_refused(config_copy, file, append, error):
    with (config_copy / file).open("a", encoding="utf-8") as handle:
        handle.write(append)
    with pytest.raises(ValueError, match=error):
        load_reference(config_copy)


def test_a_reason_without_message_is_refused(config_copy):
    path = config_copy / "messages.csv"
    path.write_text("".join(line for line in path.read_text().splitlines(keepends=True) if not line.startswith("bad_date")))
    with pytest.raises(ValueError, match="bad_date"):
        load_reference(config_copy)
