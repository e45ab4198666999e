-- report.library_standard: one row per registered village library: its collection, staff and
-- opening hours (Profil tab) against the village library standard, and what is missing.
-- meets_* is NULL when the librarian left the field empty: unknown is not "fails".
create or replace view report.library_standard as
with profile as (
    select * from core.profile
    where core.valid_at(valid_from, valid_to, core.as_of())
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, provinsi, cohort from core.villages
),
standard as (
    -- the village library standard as issue 7 states it (a national standard, not a local
    -- threshold): at least 1,000 titles, at least 2 staff, at least 6 opening hours a day
    select 1000 as min_titles, 2 as min_staff, 6.0 as min_hours
),
compared as (
    select
        v.*, p.library_name, p.collection_titles, p.staff_count, p.opening_hours,
        p.collection_titles >= s.min_titles as meets_titles,
        p.staff_count >= s.min_staff        as meets_staff,
        p.opening_hours >= s.min_hours      as meets_hours,
        greatest(s.min_titles - p.collection_titles, 0) as titles_short,
        greatest(s.min_staff - p.staff_count, 0)        as staff_short,
        greatest(s.min_hours - p.opening_hours, 0)      as hours_short
    from villages v
    cross join standard s
    left join profile p using (kode_desa)
),
final as (
    select
        provinsi, kabupaten, kecamatan, kode_desa, desa, cohort, library_name,
        collection_titles, staff_count,
        opening_hours,                                      -- hours per day
        meets_titles, meets_staff, meets_hours,
        meets_titles and meets_staff and meets_hours as meets_standard,  -- NULL if unknown and none failing
        titles_short, staff_short, hours_short,
        -- in Indonesian, for province staff: what to fix first
        concat_ws('; ',
            case when collection_titles is null then 'koleksi judul belum diisi'
                 when not meets_titles then 'koleksi kurang ' || titles_short || ' judul' end,
            case when staff_count is null then 'jumlah tenaga belum diisi'
                 when not meets_staff then 'tenaga kurang ' || staff_short || ' orang' end,
            case when opening_hours is null then 'jam buka belum diisi'
                 when not meets_hours then 'jam buka kurang '
                -- 1.5 -> '1,5', 2.0 -> '2': Indonesian decimal comma
                || replace(regexp_replace(hours_short::varchar, '\.0$', ''), '.', ',') || ' jam per hari' end
        ) as gaps
    from compared
)
select * from final;
