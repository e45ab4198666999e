-- report_internal.base_region_quarters_live: one row per quarter of the reporting grid and
-- region at three levels (level 'provinsi', 'kabupaten', 'kecamatan'; the finer names NULL above
-- their level): the village numbers summed over the region's registered villages, with the
-- region's visitors of the quarter before and of the same quarter a year earlier, computed
-- from the historied core tables at core.as_of(). What report_internal.base_region_quarters
-- shows: directly in a file that was not published, under `as_of` in a published one; its
-- whole history is copied into report_internal.region_quarters_summary at every publish
-- (sql/summaries/region_quarters.sql).
-- Why it is shaped like this: whole-history province views at 20,000 villages x 10 years took
-- 2-4 s through report_internal.base_village_quarters, which reads every Kunjungan month three
-- times (for the previous-quarter and year-earlier comparisons of each village). A region's
-- earlier-quarter total is its own total of that earlier quarter, so here each fact row is
-- read once, summed per village and quarter on integer keys, summed per region with grouping
-- sets, and the comparisons are taken from the region's own earlier rows (lag over the grid).
-- The price: a filter on one quarter cannot prune (the window needs every quarter), so one
-- quarter costs the whole history (0.6-0.9 s at that size): hence the summary.
create or replace view report_internal.base_region_quarters_live as
with facts as (
    select kode_desa, report.quarter_index(month) as quarter_index,
        (1 << ((month(month) - 1) % 3))::int as month_bit, visitors_male, visitors_female,
        null::int as activity, null::bigint as participants_male, null::bigint as participants_female,
        null::int as benefit
    from core.visits
    where core.valid_at(valid_from, valid_to, core.as_of())
    union all
    select kode_desa, report.quarter_index(activity_date), null, null, null, 1, participants_male, participants_female, null
    from core.activities
    where core.valid_at(valid_from, valid_to, core.as_of())
    union all
    select kode_desa, report.quarter_index(month), null, null, null, null, null, null, 1
    from core.benefits
    where core.valid_at(valid_from, valid_to, core.as_of())
),
village_quarters as (
    -- one row per village and quarter with anything reported (= has_data of base_village_quarters)
    select
        kode_desa, quarter_index,
        coalesce(bit_count(bit_or(month_bit)), 0)               as months_reported,
        coalesce(sum(visitors_male), 0)                         as visitors_male,
        coalesce(sum(visitors_female), 0)                       as visitors_female,
        sum(visitors_male + visitors_female)                    as visitors_both,   -- as the comparisons sum them
        count(activity)                                         as activities,
        coalesce(sum(participants_male), 0)                     as participants_male,
        coalesce(sum(participants_female), 0)                   as participants_female,
        count(benefit)                                          as beneficiaries
    from facts
    group by kode_desa, quarter_index
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
        count(*)                                                            as villages_reported,
        count(*) filter (f.months_reported = 3 and f.activities >= 1)      as villages_complete,
        sum(f.months_reported)       as months_reported,       -- village-months of Kunjungan
        sum(f.visitors_male)         as visitors_male,
        sum(f.visitors_female)       as visitors_female,
        sum(f.activities)            as activities,
        sum(f.participants_male)     as participants_male,
        sum(f.participants_female)   as participants_female,
        sum(f.beneficiaries)         as beneficiaries,
        sum(f.visitors_both)         as visitors_both
    from village_quarters f
    join villages v using (kode_desa)
    group by grouping sets ((f.quarter_index, v.provinsi), (f.quarter_index, v.provinsi, v.kabupaten),
                            (f.quarter_index, v.provinsi, v.kabupaten, v.kecamatan))
),
joined as (
    select
        q.quarter, q.quarter_index, q.first_quarter_index, r.level, r.provinsi, r.kabupaten, r.kecamatan, r.villages,
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
        s.visitors_both
    from report_internal.base_quarters q
    cross join registered r
    left join summed s on s.quarter_index = q.quarter_index and s.level = r.level and s.provinsi = r.provinsi
        and s.kabupaten is not distinct from r.kabupaten and s.kecamatan is not distinct from r.kecamatan
),
final as (
    select
        quarter, quarter_index, level, provinsi, kabupaten, kecamatan, villages,
        villages_reported, villages_complete, months_reported, visitors_male, visitors_female,
        visitors_total, activities, participants_male, participants_female, participants_total,
        beneficiaries,
        -- an earlier quarter before the first data is unknown (NULL), not zero; the grid has
        -- every quarter from the first, so the row 1 (4) back is the quarter before (a year earlier)
        case when quarter_index - 1 >= first_quarter_index
             then coalesce(lag(visitors_both, 1) over region, 0)::bigint end as visitors_total_prev_quarter,
        case when quarter_index - 4 >= first_quarter_index
             then coalesce(lag(visitors_both, 4) over region, 0)::bigint end as visitors_total_prev_year
    from joined
    window region as (partition by level, provinsi, kabupaten, kecamatan order by quarter_index)
)
select
    *,
    -- shares and changes are ratios (0.25 = 25 %), NULL when there is nothing to divide by
    participants_female / nullif(participants_total, 0)                                     as participants_female_share,
    (visitors_total - visitors_total_prev_quarter) / nullif(visitors_total_prev_quarter, 0) as visitors_change_qoq,
    (visitors_total - visitors_total_prev_year) / nullif(visitors_total_prev_year, 0)       as visitors_change_yoy
from final;
