-- Reporting completeness of one quarter by kabupaten (province scope) or by kecamatan
-- (a kabupaten's scope): complete = three months of Kunjungan and at least one Kegiatan.
with villages as (
    select kode_desa, kabupaten, kecamatan from core.villages where starts_with(kode_desa, $prefix)
),
reported as (
    select kode_desa, months_reported, activities, beneficiaries
    from p_village_quarters
    where quarter_index = $quarter_index and starts_with(kode_desa, $prefix)
),
final as (
    select
        case when $by_kecamatan then coalesce(v.kecamatan, '?') else coalesce(v.kabupaten, '?') end as region,
        count(*)                                                                  as villages,
        count(*) filter (r.months_reported = 3 and r.activities >= 1)            as complete,
        count(*) filter (r.kode_desa is null)                                     as not_reporting
    from villages v
    left join reported r using (kode_desa)
    group by all
)
select region, villages, complete, not_reporting,
    villages - complete - not_reporting as incomplete
from final
order by region;
