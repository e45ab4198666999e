"""The words of the sample villages: template tabs and headers, categories and their
strategies, activity titles, partners, products, names, month spellings."""
from __future__ import annotations


MODIFIED_TIME = "2026-10-01T00:00:00.000Z"
REASONS = ("missing_required", "not_a_number", "negative_count", "bad_date", "bad_month",
           "future_date", "before_2015", "no_participants", "duplicate_month")

# Contract section 1: template headers (Indonesian, as librarians read them) and the typed
# field each becomes (English, as in transforms/columns.py).
PROFILE_FIELDS = {
    "Kode Desa": None, "Nama Desa": "desa_name", "Kecamatan": "kecamatan_name",
    "Kabupaten": "kabupaten_name", "Nama Perpustakaan": "library_name", "NPP": "npp",
    "Nama Pengelola": "manager_name", "Jumlah Tenaga": "staff_count",
    "Tahun Bergabung TPBIS": "year_joined", "Koleksi Judul": "collection_titles",
    "Koleksi Eksemplar": "collection_copies", "Jumlah Komputer": "computers",
    "Akses Internet": "internet_access", "Jam Buka per Hari": "opening_hours",
}
FIELDS = {
    "Kunjungan": {"Bulan": "month", "Pengunjung Laki-laki": "visitors_male",
                  "Pengunjung Perempuan": "visitors_female", "Anggota Baru": "new_members",
                  "Buku Dipinjam": "loans", "Pengguna Internet": "internet_users",
                  "Hari Buka": "open_days"},
    "Kegiatan": {"No": "activity_no", "Tanggal": "activity_date", "Nama Kegiatan": "title",
                 "Jenis Kegiatan": "category_raw", "Strategi": "strategy",
                 "Peserta Laki-laki": "participants_male",
                 "Peserta Perempuan": "participants_female", "Mitra": "partner",
                 "Keterangan": "notes"},
    "Mitra": {"Nama Mitra": "partner_name", "Jenis Mitra": "partner_type_raw",
              "Bentuk Dukungan": "support_form", "MoU": "has_mou", "Tanggal MoU": "mou_date",
              "Nilai Dukungan (Rp)": "support_value_rp"},
    "Dampak": {"Bulan": "month", "Inisial Penerima": "initials", "Jenis Kelamin": "gender",
               "Jenis Dampak": "benefit_type_raw", "Produk": "product",
               "Pendapatan Sebelum (Rp/bulan)": "income_before",
               "Pendapatan Sesudah (Rp/bulan)": "income_after", "Kisah Sukses": "story"},
}
TEMPLATE_HEADERS = {"Profil": ["Isian", "Nilai"], **{t: list(f) for t, f in FIELDS.items()}}
TABS = list(TEMPLATE_HEADERS)

PLI, PM, ADV = "Peningkatan Layanan Informasi", "Pelibatan Masyarakat", "Advokasi"
CATEGORY_STRATEGY = {
    "Pelatihan Keterampilan": PM, "Literasi": PM, "TIK": PM, "Bimbingan Belajar": PM,
    "Kesehatan": PM, "Sosialisasi": PM, "Rapat Pemangku Kepentingan": ADV, "Advokasi": ADV,
    "Peer Learning Meeting": PLI, "Pengembangan Layanan": PLI, "Lainnya": PM,
}
CATEGORY_WEIGHTS = [14, 16, 12, 12, 6, 7, 4, 3, 3, 5, 2]
SYNONYMS = {"Pelatihan Keterampilan": "Pelatihan", "Peer Learning Meeting": "PLM", "TIK": "Internet"}
TITLES = {
    "Pelatihan Keterampilan": ["Pelatihan Membuat Kerupuk Ikan", "Pelatihan Menjahit",
                               "Pelatihan Anyaman Pandan", "Pelatihan Budidaya Jamur Tiram",
                               "Pelatihan Olahan Nanas", "Pelatihan Membuat Sabun Cair"],
    "Literasi": ["Dongeng untuk Anak", "Membaca Bersama", "Bedah Buku", "Lomba Bercerita",
                 "Kelas Menulis Pantun Melayu"],
    "TIK": ["Kelas Komputer Dasar", "Pemasaran Online untuk UMKM", "Belajar Internet Sehat",
            "Membuat Email dan Akun Marketplace"],
    "Bimbingan Belajar": ["Bimbel Matematika SD", "Les Bahasa Inggris", "Belajar Bersama PR"],
    "Kesehatan": ["Penyuluhan Gizi Balita", "Senam Sehat Lansia", "Penyuluhan Stunting"],
    "Sosialisasi": ["Sosialisasi Perpustakaan ke Sekolah", "Sosialisasi Layanan Perpustakaan"],
    "Rapat Pemangku Kepentingan": ["Rapat Koordinasi dengan Pemdes", "Musyawarah Desa"],
    "Advokasi": ["Audiensi dengan Kepala Desa", "Advokasi Dana Desa untuk Perpustakaan"],
    "Peer Learning Meeting": ["Peer Learning Meeting Kabupaten", "Peer Learning Meeting Kecamatan"],
    "Pengembangan Layanan": ["Penataan Koleksi", "Perpustakaan Keliling", "Pojok Baca Posyandu"],
    "Lainnya": ["Peringatan HUT RI", "Gotong Royong Perpustakaan"],
}
PARTNER_TYPES = ["Pemerintah Desa", "BUMDes", "PKK", "Sekolah", "Dinas/OPD", "Swasta/CSR",
                 "Komunitas", "Perguruan Tinggi", "Lainnya"]
BENEFIT_TYPES = ["Pendapatan Naik", "Dapat Kerja", "Usaha Baru", "Produk Baru", "Lainnya"]
PRODUCTS = ["Kerupuk Ikan", "Keripik Nanas", "Tas Anyaman Pandan", "Kue Bangkit", "Sabun Cair",
            "Terasi Udang", "Jamur Tiram", "Dodol Nanas", "Bolu Kemojo", "Jahitan Baju Kurung"]
SUPPORT_FORMS = ["Dana", "Buku", "Narasumber pelatihan", "Tempat kegiatan", "Peralatan komputer",
                 "Alokasi Dana Desa"]
MANAGERS = ["Siti Aminah", "Nurhayati", "Rahmawati", "Zulkifli", "Syafrizal", "Juliana",
            "Erni Susanti", "Fitriani", "Hasnah", "Yusnidar", "Rosmawati", "Azhar", "Marlina"]
LIBRARY_NAMES = ["Cahaya Ilmu", "Tunas Bangsa", "Lancang Kuning", "Gemilang", "Pelita Hati",
                 "Jendela Dunia", "Bintang Laut", "Sri Bunga Tanjung", "Mutiara Ilmu"]
NOTES = ["Dokumentasi di grup WA", "Bersama kader PKK", "Di balai desa", "Hujan, peserta sedikit"]
STORIES = {
    "Pendapatan Naik": "Belajar pemasaran online di perpustakaan, pesanan datang dari Pekanbaru.",
    "Dapat Kerja": "Diterima bekerja setelah ikut kelas komputer di perpustakaan.",
    "Usaha Baru": "Setelah pelatihan, membuka usaha sendiri dan menjual ke warung sekitar.",
    "Produk Baru": "Membuat produk baru dari resep yang dipelajari di perpustakaan.",
    "Lainnya": "Aktif menjadi relawan perpustakaan desa.",
}

ID_MONTHS = ("Januari Februari Maret April Mei Juni Juli Agustus September Oktober November "
             "Desember").split()
ID_ABBR = "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split()
OLD_SPELLING = {"Februari": "Pebruari", "November": "Nopember", "Feb": "Peb", "Nov": "Nop",
                "Agu": "Agt"}
EN_MONTHS = ("January February March April May June July August September October November "
             "December").split()
