-- Extract table "Standar Perpustakaan": every registered village library against the village
-- library standard (>= 1,000 titles, >= 2 staff, >= 6 opening hours a day), as known at the
-- extract's as-of time. Not quarterly: the Profil tab is the library's current state.
with standard as (
    select * from report.library_standard
),
final as (
    select
        provinsi, kabupaten, kecamatan, kode_desa, desa, library_name,
        collection_titles, staff_count, opening_hours,
        meets_titles, meets_staff, meets_hours, meets_standard,
        gaps
    from standard
)
select * from final
order by provinsi, kabupaten, kode_desa;
