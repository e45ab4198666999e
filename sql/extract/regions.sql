-- Extract table "Wilayah": for quarter $quarter, one row per kabupaten/kota (in the province's
-- file: kabupaten NULL) and one row per kecamatan (in its kabupaten's file).
with facts as (
    select * from report_internal.base_village_quarters where quarter = $quarter
),
summed as (
    select
        r.provinsi,
        case when grouping(r.kecamatan) = 1 then null else r.kabupaten end       as kabupaten,
        case when grouping(r.kecamatan) = 1 then r.kabupaten else r.kecamatan end as region,
        count(*)                                                     as villages,
        count(*) filter (i.has_data)                                 as villages_reported,
        count(*) filter (i.months_reported = 3 and i.activities >= 1) as villages_complete,
        coalesce(sum(i.visitors_male), 0)::bigint       as visitors_male,
        coalesce(sum(i.visitors_female), 0)::bigint     as visitors_female,
        coalesce(sum(i.visitors_total), 0)::bigint      as visitors_total,
        coalesce(sum(i.activities), 0)::bigint          as activities,
        coalesce(sum(i.participants_male), 0)::bigint   as participants_male,
        coalesce(sum(i.participants_female), 0)::bigint as participants_female,
        coalesce(sum(i.participants_total), 0)::bigint  as participants_total,
        coalesce(sum(i.beneficiaries), 0)::bigint       as beneficiaries
    -- from the registry, so that every region with a village has its row even in a quarter
    -- nobody reported in
    from report.villages r
    left join facts i using (kode_desa)
    group by grouping sets ((r.provinsi, r.kabupaten), (r.provinsi, r.kabupaten, r.kecamatan))
),
final as (
    select
        provinsi, kabupaten, region,
        villages, villages_reported, villages_complete,
        visitors_male, visitors_female, visitors_total,
        activities,
        participants_male, participants_female, participants_total,
        participants_female / nullif(participants_total, 0) as participants_female_share,
        beneficiaries
    from summed
)
select * from final
order by provinsi, kabupaten nulls first, region;
