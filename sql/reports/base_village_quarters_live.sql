-- report_internal.base_village_quarters_live: the rows of report_internal.base_village_quarters
-- (one row per village and quarter with anything reported in it, in the quarter before, or in
-- the same quarter a year earlier), computed from the historied core tables at core.as_of().
-- What report_internal.base_village_quarters shows: directly in a file that was not published,
-- under `as_of` in a published one; its whole history is copied into
-- report_internal.village_quarters_summary at every publish (sql/summaries/village_quarters.sql).
-- Why it is shaped like this: at 20,000 villages x 10 years, summing every village-quarter
-- takes seconds, but one quarter need not. `quarter` is computed on each fact row and is the
-- grouping key, so a `where quarter = '2025Q4'` is applied while the tables are scanned; each
-- Kunjungan month is read three times (for its own quarter, as the previous quarter of the
-- next one, as the year-earlier quarter of the one four later) for the same reason.
create or replace view report_internal.base_village_quarters_live as
with facts as (
    select kode_desa, report.quarter_index(month) as quarter_index, 'visit' as kind,
        (month(month) - 1) % 3 as month_in_quarter, visitors_male, visitors_female,
        null::integer as strategy_order, null::bigint as participants_male, null::bigint as participants_female,
        null::varchar as gender
    from core.visits
    where core.valid_at(valid_from, valid_to, core.as_of())
    union all
    select kode_desa, report.quarter_index(month) + 1, 'visit_prev_quarter',
        null, visitors_male, visitors_female, null, null, null, null
    from core.visits
    where core.valid_at(valid_from, valid_to, core.as_of())
    union all
    select kode_desa, report.quarter_index(month) + 4, 'visit_prev_year',
        null, visitors_male, visitors_female, null, null, null, null
    from core.visits
    where core.valid_at(valid_from, valid_to, core.as_of())
    union all
    -- strategy_order from core.strategies (1, 2, 3 in SIM TPBIS order); NULL for any other value
    select a.kode_desa, report.quarter_index(a.activity_date), 'activity',
        null, null, null, s.strategy_order, a.participants_male, a.participants_female, null
    from core.activities a
    left join core.strategies s on s.strategy = a.strategy
    where core.valid_at(a.valid_from, a.valid_to, core.as_of())
    union all
    select kode_desa, report.quarter_index(month), 'benefit', null, null, null, null, null, null, gender
    from core.benefits
    where core.valid_at(valid_from, valid_to, core.as_of())
),
summed as (
    select
        kode_desa,
        report.quarter_label(quarter_index) as quarter,    -- the grouping key: filters push down
        min(quarter_index)                  as quarter_index,
        -- bit 0/1/2 set = the first/second/third month of the quarter has a Kunjungan row
        coalesce(bit_or(1 << month_in_quarter) filter (kind = 'visit'), 0)           as month_mask,
        coalesce(sum(visitors_male) filter (kind = 'visit'), 0)                      as visitors_male,
        coalesce(sum(visitors_female) filter (kind = 'visit'), 0)                    as visitors_female,
        count(*) filter (kind = 'activity')                                          as activities,
        count(*) filter (strategy_order = 1)                                         as activities_pli,
        count(*) filter (strategy_order = 2)                                         as activities_pm,
        count(*) filter (strategy_order = 3)                                         as activities_adv,
        coalesce(sum(participants_male), 0)                                          as participants_male,
        coalesce(sum(participants_female), 0)                                        as participants_female,
        count(*) filter (kind = 'benefit')                                           as beneficiaries,
        count(*) filter (gender = 'P')                                               as beneficiaries_female,
        count(*) filter (kind = 'visit_prev_quarter')                                as months_prev_quarter,
        sum(visitors_male + visitors_female) filter (kind = 'visit_prev_quarter')    as visitors_prev_quarter,
        count(*) filter (kind = 'visit_prev_year')                                   as months_prev_year,
        sum(visitors_male + visitors_female) filter (kind = 'visit_prev_year')       as visitors_prev_year,
        count(*) filter (kind in ('visit', 'activity', 'benefit')) > 0               as has_data
    from facts
    group by kode_desa, report.quarter_label(quarter_index)
),
final as (
    select
        quarter, quarter_index, kode_desa,
        bit_count(month_mask)::bigint                        as months_reported,
        month_mask::bigint                                   as month_mask,
        visitors_male::bigint                                as visitors_male,
        visitors_female::bigint                              as visitors_female,
        (visitors_male + visitors_female)::bigint            as visitors_total,
        activities, activities_pli, activities_pm, activities_adv,
        participants_male::bigint                            as participants_male,
        participants_female::bigint                          as participants_female,
        (participants_male + participants_female)::bigint    as participants_total,
        beneficiaries, beneficiaries_female,
        -- NULL when that earlier quarter has no Kunjungan row
        nullif(months_prev_quarter, 0)                       as months_reported_prev_quarter,
        visitors_prev_quarter::bigint                        as visitors_total_prev_quarter,
        nullif(months_prev_year, 0)                          as months_reported_prev_year,
        visitors_prev_year::bigint                           as visitors_total_prev_year,
        has_data                                             -- false: a row only for the comparisons
    from summed
)
select * from final;
