-- report_internal.region_totals(one_quarter): the totals of quarter one_quarter ('2022Q4') over
-- the registered villages of each region, at three levels (`level` = 'provinsi', 'kabupaten',
-- 'kecamatan'; the columns of the levels below are NULL). Every region with a registered
-- village has its row, even in a quarter nobody reported in. The extract's "Ringkasan"
-- (province and kabupaten) and "Wilayah" (kabupaten and kecamatan) tables read it, so that
-- both show the same numbers for a kabupaten. Partners and the library standard are not
-- quarterly: "Ringkasan" adds them.
create or replace macro report_internal.region_totals(one_quarter) as table
with village_quarter as (
    select * from report_internal.village_quarters(one_quarter)
),
summed as (
    select
        case grouping(kabupaten, kecamatan) when 3 then 'provinsi' when 1 then 'kabupaten' else 'kecamatan' end
                                           as level,
        provinsi, kabupaten, kecamatan,
        count(*)                           as villages,
        count(*) filter (has_data)         as villages_reported,
        count(*) filter (complete)         as villages_complete,
        sum(visitors_male)::bigint         as visitors_male,
        sum(visitors_female)::bigint       as visitors_female,
        sum(visitors_total)::bigint        as visitors_total,
        -- NULL, not 0, when the previous quarter is before the first data
        sum(visitors_total_prev_quarter)::bigint as visitors_total_prev_quarter,
        sum(visitors_total_prev_year)::bigint    as visitors_total_prev_year,
        sum(activities)::bigint            as activities,
        sum(activities_pli)::bigint        as activities_pli,
        sum(activities_pm)::bigint         as activities_pm,
        sum(activities_adv)::bigint        as activities_adv,
        sum(participants_male)::bigint     as participants_male,
        sum(participants_female)::bigint   as participants_female,
        sum(participants_total)::bigint    as participants_total,
        sum(beneficiaries)::bigint         as beneficiaries,
        sum(beneficiaries_female)::bigint  as beneficiaries_female
    from village_quarter
    group by grouping sets ((provinsi), (provinsi, kabupaten), (provinsi, kabupaten, kecamatan))
)
select * from summed;
