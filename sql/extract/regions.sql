-- Extract table "Wilayah": for quarter $quarter, one row per kabupaten/kota (in the province's
-- file: kabupaten NULL) and one row per kecamatan (in its kabupaten's file).
with village_quarter as (
    -- every registered village, so that every region with a village has its row even in a
    -- quarter nobody reported in
    select * from report_internal.village_quarters($quarter)
),
summed as (
    select
        provinsi,
        case when grouping(kecamatan) = 1 then null else kabupaten end       as kabupaten,
        case when grouping(kecamatan) = 1 then kabupaten else kecamatan end  as region,
        count(*)                                 as villages,
        count(*) filter (has_data)               as villages_reported,
        count(*) filter (complete)               as villages_complete,
        sum(visitors_male)::bigint               as visitors_male,
        sum(visitors_female)::bigint             as visitors_female,
        sum(visitors_total)::bigint              as visitors_total,
        sum(activities)::bigint                  as activities,
        sum(participants_male)::bigint           as participants_male,
        sum(participants_female)::bigint         as participants_female,
        sum(participants_total)::bigint          as participants_total,
        sum(beneficiaries)::bigint               as beneficiaries
    from village_quarter
    group by grouping sets ((provinsi, kabupaten), (provinsi, kabupaten, kecamatan))
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
