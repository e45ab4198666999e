-- Refresh of report_internal.village_quarters_summary, run by publish() before the region
-- summary (tpbis/warehouse/summaries.py), in the same transaction. The summary holds the whole
-- history of report_internal.base_village_quarters_live as of now (`as_of` is reset first):
-- the same rows (tests/test_region_summary.py compares every one), computed the way that is
-- fast for the whole history rather than for one quarter (2-4 s instead of 4-7 s at 20,000
-- villages x 10 years, load 6): each fact row is read once and summed per village and quarter
-- on an integer quarter key; the rows that exist only for a comparison (visits in the quarter
-- before or a year before, nothing in the quarter itself) are added from those sums; and each
-- row takes the previous-quarter and year-earlier visits from the village's own row 1 and 4
-- quarters back (a window whose frame is that one quarter: NULL when it has no Kunjungan row).
-- Rebuilt whole, sorted by quarter so that a `where quarter = ...` reads one quarter's row
-- groups; derived, so it needs no migration. Then report_internal.base_village_quarters reads
-- it when no `as_of` is set, and the live computation otherwise (why:
-- sql/reports/base_village_quarters.sql).
create or replace table report_internal.village_quarters_summary as
with facts as (
    select kode_desa, report.quarter_index(month) as quarter_index,
        (1 << ((month(month) - 1) % 3))::int as month_bit, visitors_male, visitors_female, 1 as visit,
        null::int as activity, null::int as strategy_order, null::bigint as participants_male,
        null::bigint as participants_female, null::int as benefit, null::varchar as gender
    from core.visits
    where core.valid_at(valid_from, valid_to, core.as_of())
    union all
    -- strategy_order from core.strategies (1, 2, 3 in SIM TPBIS order); NULL for any other value
    select a.kode_desa, report.quarter_index(a.activity_date), null, null, null, null,
        1, s.strategy_order, a.participants_male, a.participants_female, null, null
    from core.activities a
    left join core.strategies s on s.strategy = a.strategy
    where core.valid_at(a.valid_from, a.valid_to, core.as_of())
    union all
    select kode_desa, report.quarter_index(month), null, null, null, null, null, null, null, null, 1, gender
    from core.benefits
    where core.valid_at(valid_from, valid_to, core.as_of())
),
reported as (
    -- one row per village and quarter with anything reported (a NULL quarter: unreadable dates)
    select
        kode_desa, quarter_index,
        coalesce(bit_or(month_bit), 0)                as month_mask,
        coalesce(sum(visitors_male), 0)               as visitors_male,
        coalesce(sum(visitors_female), 0)             as visitors_female,
        count(visit)                                  as visit_rows,
        sum(visitors_male + visitors_female)          as visitors_both,   -- as the comparisons sum them
        count(activity)                               as activities,
        count(*) filter (strategy_order = 1)          as activities_pli,
        count(*) filter (strategy_order = 2)          as activities_pm,
        count(*) filter (strategy_order = 3)          as activities_adv,
        coalesce(sum(participants_male), 0)           as participants_male,
        coalesce(sum(participants_female), 0)         as participants_female,
        count(benefit)                                as beneficiaries,
        count(*) filter (gender = 'P')                as beneficiaries_female,
        true                                          as has_data
    from facts
    group by kode_desa, quarter_index
),
compared_only as (
    -- the quarter after and a year after each quarter with visits, where nothing was reported
    select kode_desa, quarter_index + 1 as quarter_index from reported where visit_rows > 0
    union
    select kode_desa, quarter_index + 4 from reported where visit_rows > 0
    except
    select kode_desa, quarter_index from reported
),
village_quarters as (
    select * from reported
    union all
    select kode_desa, quarter_index, 0, 0, 0, 0, null, 0, 0, 0, 0, 0, 0, 0, 0, false from compared_only
),
compared as (
    select *,
        max(nullif(visit_rows, 0)) over prev_quarter as visit_rows_prev_quarter,
        max(visitors_both) over prev_quarter         as visitors_both_prev_quarter,
        max(nullif(visit_rows, 0)) over prev_year    as visit_rows_prev_year,
        max(visitors_both) over prev_year            as visitors_both_prev_year
    from village_quarters
    window prev_quarter as (partition by kode_desa order by quarter_index range between 1 preceding and 1 preceding),
           prev_year as (partition by kode_desa order by quarter_index range between 4 preceding and 4 preceding)
),
final as (
    select
        report.quarter_label(quarter_index)                   as quarter,
        quarter_index, kode_desa,
        bit_count(month_mask)::bigint                         as months_reported,
        month_mask::bigint                                    as month_mask,
        visitors_male::bigint                                 as visitors_male,
        visitors_female::bigint                               as visitors_female,
        (visitors_male + visitors_female)::bigint             as visitors_total,
        activities, activities_pli, activities_pm, activities_adv,
        participants_male::bigint                             as participants_male,
        participants_female::bigint                           as participants_female,
        (participants_male + participants_female)::bigint     as participants_total,
        beneficiaries, beneficiaries_female,
        -- the live view puts every row of a NULL quarter in one group, comparisons included
        case when quarter_index is null then nullif(visit_rows, 0) else visit_rows_prev_quarter end
                                                              as months_reported_prev_quarter,
        case when quarter_index is null then visitors_both else visitors_both_prev_quarter end::bigint
                                                              as visitors_total_prev_quarter,
        case when quarter_index is null then nullif(visit_rows, 0) else visit_rows_prev_year end
                                                              as months_reported_prev_year,
        case when quarter_index is null then visitors_both else visitors_both_prev_year end::bigint
                                                              as visitors_total_prev_year,
        has_data
    from compared
)
select * from final
order by quarter_index, kode_desa;

create or replace view report_internal.base_village_quarters as
select * from report_internal.village_quarters_summary
where getvariable('as_of') is null                  -- folded when the query is planned
union all
select * from report_internal.base_village_quarters_live
where getvariable('as_of') is not null;
