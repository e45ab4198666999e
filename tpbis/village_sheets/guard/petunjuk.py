"""The `Petunjuk` tab: how to fill each tab, in Indonesian, with examples of right entries.

Kept as data (rows of three cells) so the Sheets and the .xlsx template say the same thing.
"""
from __future__ import annotations

TITLE = "Petunjuk"
HEADERS = ["Bagian", "Cara mengisi", "Contoh isian yang benar"]
WIDTHS = (18, 70, 42)                 # characters


def rows(year: int) -> list[list[str]]:
    """The instruction rows below the header, for templates of `year`."""
    return [
        ["Umum", "Isi satu baris untuk satu data. Jangan mengubah judul kolom di baris 1 (baris itu "
                 "dilindungi) dan jangan mengganti nama tab. Sel merah muda: kolom wajib yang belum "
                 "diisi pada baris yang sudah mulai diisi.", "-"],
        ["Umum", "Angka ditulis tanpa teks dan tanpa satuan. Bila tidak ada, isi 0.", "125 (bukan: 125 orang)"],
        ["Umum", "Tanggal ditulis hari/bulan/tahun, mulai tahun 2015, tidak boleh tanggal yang akan datang.",
         f"13/10/{year}"],
        ["Profil", "Isi kolom Nilai untuk setiap isian. Kode Desa dan nama wilayah sudah diisi dari "
                   "registri provinsi.", "Jumlah Tenaga: 2; Akses Internet: Ya"],
        ["Kunjungan", "Satu baris per bulan. Bulan sudah terisi; isi jumlah pengunjung laki-laki dan "
                      "perempuan (wajib), lalu kolom lain bila ada. Satu bulan hanya boleh ada sekali.",
         f"Oktober {year} | 40 | 55 | 3 | 120 | 20 | 22"],
        ["Kegiatan", "Satu baris per kegiatan. Wajib: Tanggal, Nama Kegiatan, Jenis Kegiatan (pilih dari "
                     "daftar), Peserta Laki-laki dan Peserta Perempuan (jumlah keduanya lebih dari 0). "
                     "Strategi boleh kosong.",
         f"13/10/{year} | Pelatihan Membuat Kerupuk Ikan | Pelatihan Keterampilan | 5 | 12"],
        ["Mitra", "Satu baris per mitra. Wajib: Nama Mitra. Nilai Dukungan dalam rupiah, angka saja.",
         "TP PKK Desa | PKK | Narasumber pelatihan | Ya | 02/01/" + str(year) + " | 1500000"],
        ["Dampak", "Satu baris per penerima manfaat. Wajib: Bulan dan Jenis Dampak. Tulis inisial saja, "
                   "jangan nama lengkap, NIK atau nomor HP.", f"November {year} | S.A. | P | Pendapatan Naik"],
        ["Kisah Sukses", "Ceritakan singkat perubahan yang terjadi. Jangan menulis NIK atau nomor HP: "
                         "sistem provinsi menyamarkannya.", "Pesanan kerupuk datang dari Pekanbaru."],
        ["Validasi", "Tab Validasi ditulis oleh sistem provinsi setelah data dibaca: perbaiki baris yang "
                     "ditolak di tab asalnya (klik tautannya), bukan di tab Validasi.", "-"],
    ]
