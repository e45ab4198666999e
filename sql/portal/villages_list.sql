-- One page of the villages of the scope with their figures for one quarter, filtered by
-- $search (lowercase text in the code, desa or kecamatan; '' = all), sorted by the column
-- named in $sort (one of the names below; $descending), with the filtered total.
with villages as (
    select * from core.villages
    where starts_with(kode_desa, $prefix)
      and ($search = '' or contains(lower(kode_desa || ' ' || desa || ' ' || coalesce(kecamatan, '')), $search))
),
reported as (
    select * from p_village_quarters
    where quarter_index = $quarter_index and starts_with(kode_desa, $prefix)
),
final as (
    select
        v.kode_desa, v.desa, v.kecamatan, v.kabupaten, v.cohort,
        coalesce(r.months_reported, 0)    as months_reported,
        coalesce(r.visitors_total, 0)     as visitors_total,
        coalesce(r.activities, 0)         as activities,
        coalesce(r.participants_total, 0) as participants_total,
        coalesce(r.beneficiaries, 0)      as beneficiaries,
        case
            when r.months_reported = 3 and r.activities >= 1 then 'lengkap'
            when r.kode_desa is null then 'tidak lapor'
            else 'tidak lengkap'
        end                               as status,
        coalesce(q.rejected_rows, 0)      as rows_rejected,
        q.last_synced_at, q.last_status
    from villages v
    left join reported r using (kode_desa)
    left join p_quality q using (kode_desa)
)
select *, count(*) over () as total
from final
order by
    -- text columns, then number columns: exactly one of these four keys is not NULL
    case when not $descending then case $sort when 'kode' then kode_desa when 'desa' then desa
        when 'kecamatan' then kecamatan when 'status' then status end end asc,
    case when $descending then case $sort when 'kode' then kode_desa when 'desa' then desa
        when 'kecamatan' then kecamatan when 'status' then status end end desc,
    case when not $descending then case $sort when 'bulan' then months_reported when 'pengunjung' then visitors_total
        when 'kegiatan' then activities when 'peserta' then participants_total when 'penerima' then beneficiaries
        when 'ditolak' then rows_rejected end end asc,
    case when $descending then case $sort when 'bulan' then months_reported when 'pengunjung' then visitors_total
        when 'kegiatan' then activities when 'peserta' then participants_total when 'penerima' then beneficiaries
        when 'ditolak' then rows_rejected end end desc,
    kode_desa
limit $page_size offset $page_offset;
