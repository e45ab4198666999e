-- Refresh of report_internal.region_quarters_summary, run by publish() on the sync's working
-- file right before it is copied to the published snapshot (tpbis/warehouse/summaries.py), in
-- one transaction, after report_internal.village_quarters_summary (sql/summaries/
-- village_quarters.sql), which it is summed from. The summary holds the whole history of
-- report_internal.base_region_quarters_live as of now (`as_of` is reset first): the same rows
-- (tests/test_region_summary.py compares every one), taken from the village summary instead of
-- the 10 M fact rows: the village-quarters with anything reported summed per region with
-- grouping sets; a region's visitors of the quarter before (a year before) are its villages'
-- visitors_total_prev_quarter (_prev_year) of the quarter itself, which the village summary
-- sums the same way (NULL counts apart) and keeps for a village with nothing in that quarter.
-- Rebuilt whole: it is small (regions x quarters: 160,840 rows for 1 + 12 + 4,008 regions x
-- 40 quarters at the province's full size) and derived, so it needs no migration.
-- Then report_internal.base_region_quarters reads it when no `as_of` is set, and the live
-- computation otherwise (why: sql/reports/base_region_quarters.sql).
create or replace table report_internal.region_quarters_summary as
with village_quarters as (
    select * from report_internal.village_quarters_summary
),
villages as (
    select kode_desa, provinsi, kabupaten, kecamatan from core.villages
),
registered as (
    select * from report_internal.registered_regions
),
summed as (
    select
        case grouping(v.kabupaten, v.kecamatan) when 3 then 'provinsi' when 1 then 'kabupaten' else 'kecamatan' end
                                                                            as level,
        f.quarter_index, v.provinsi, v.kabupaten, v.kecamatan,
        count(*) filter (f.has_data)                                        as villages_reported,
        count(*) filter (f.has_data and f.months_reported = 3 and f.activities >= 1) as villages_complete,
        sum(f.months_reported)       as months_reported,       -- village-months of Kunjungan
        sum(f.visitors_male)         as visitors_male,
        sum(f.visitors_female)       as visitors_female,
        sum(f.activities)            as activities,
        sum(f.participants_male)     as participants_male,
        sum(f.participants_female)   as participants_female,
        sum(f.beneficiaries)         as beneficiaries,
        sum(f.visitors_total_prev_quarter) as visitors_prev_quarter,
        sum(f.visitors_total_prev_year)    as visitors_prev_year
    from village_quarters f
    join villages v using (kode_desa)
    group by grouping sets ((f.quarter_index, v.provinsi), (f.quarter_index, v.provinsi, v.kabupaten),
                            (f.quarter_index, v.provinsi, v.kabupaten, v.kecamatan))
),
joined as (
    select
        q.quarter, q.quarter_index, r.level, r.provinsi, r.kabupaten, r.kecamatan, r.villages,
        coalesce(s.villages_reported, 0)::bigint   as villages_reported,
        coalesce(s.villages_complete, 0)::bigint   as villages_complete,
        coalesce(s.months_reported, 0)::bigint     as months_reported,
        coalesce(s.visitors_male, 0)::bigint       as visitors_male,
        coalesce(s.visitors_female, 0)::bigint     as visitors_female,
        coalesce(s.visitors_male + s.visitors_female, 0)::bigint as visitors_total,
        coalesce(s.activities, 0)::bigint          as activities,
        coalesce(s.participants_male, 0)::bigint   as participants_male,
        coalesce(s.participants_female, 0)::bigint as participants_female,
        coalesce(s.participants_male + s.participants_female, 0)::bigint as participants_total,
        coalesce(s.beneficiaries, 0)::bigint       as beneficiaries,
        -- an earlier quarter before the first data is unknown (NULL), not zero
        case when q.quarter_index - 1 >= q.first_quarter_index
             then coalesce(s.visitors_prev_quarter, 0)::bigint end as visitors_total_prev_quarter,
        case when q.quarter_index - 4 >= q.first_quarter_index
             then coalesce(s.visitors_prev_year, 0)::bigint end    as visitors_total_prev_year
    from report_internal.base_quarters q
    cross join registered r
    left join summed s on s.quarter_index = q.quarter_index and s.level = r.level and s.provinsi = r.provinsi
        and s.kabupaten is not distinct from r.kabupaten and s.kecamatan is not distinct from r.kecamatan
)
select
    *,
    -- shares and changes are ratios (0.25 = 25 %), NULL when there is nothing to divide by
    participants_female / nullif(participants_total, 0)                                     as participants_female_share,
    (visitors_total - visitors_total_prev_quarter) / nullif(visitors_total_prev_quarter, 0) as visitors_change_qoq,
    (visitors_total - visitors_total_prev_year) / nullif(visitors_total_prev_year, 0)       as visitors_change_yoy
from joined
order by level, quarter_index, provinsi, kabupaten, kecamatan;

create or replace view report_internal.base_region_quarters as
select * from report_internal.region_quarters_summary
where getvariable('as_of') is null                  -- folded when the query is planned
union all
select * from report_internal.base_region_quarters_live
where getvariable('as_of') is not null;
