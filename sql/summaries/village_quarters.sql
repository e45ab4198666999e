-- Refresh of report_internal.village_quarters_summary, run by publish() before the region
-- summary, which is summed from it (tpbis/warehouse/summaries.py), in the same transaction.
-- The summary holds the whole history of report_internal.base_village_quarters_live as of now
-- (`as_of` is reset first): the same rows (tests/test_region_summary.py compares every one),
-- computed the way that is fast for the whole history rather than for one quarter: each fact
-- table is read once and summed per village and quarter on an integer quarter key, then every
-- village-quarter row takes its previous-quarter and year-earlier visits from the village's own
-- sums (a join on quarter_index - 1 / - 4; `is not distinct from`, because the live view puts
-- every row of an unreadable (NULL) month in one NULL quarter, comparisons included). Tried
-- and not faster (CPU seconds at 20,000 villages x 10 years): the live view grouped on the
-- integer key (3.9-4.1), one union of the facts with the comparisons from a one-quarter window
-- frame (3.4-3.9); this one: 3.0-3.2. Rebuilt whole, sorted by quarter so that a
-- `where quarter = ...` reads one quarter's row groups; derived, so it needs no migration.
-- Then report_internal.base_village_quarters reads it when no `as_of` is set, and the live
-- computation otherwise (why: sql/reports/base_village_quarters.sql).
create or replace table report_internal.village_quarters_summary as
with visits as (
    select kode_desa, report.quarter_index(month) as quarter_index,
        bit_or(1 << ((month(month) - 1) % 3))         as month_mask,
        sum(visitors_male)                            as visitors_male,
        sum(visitors_female)                          as visitors_female,
        count(*)                                      as visit_rows,
        sum(visitors_male + visitors_female)          as visitors_both    -- as the comparisons sum them
    from core.visits
    where core.valid_at(valid_from, valid_to, core.as_of())
    group by all
),
activities as (
    -- strategy_order from core.strategies (1, 2, 3 in SIM TPBIS order), joined as the live view does
    select a.kode_desa, report.quarter_index(a.activity_date) as quarter_index,
        count(*)                                      as activities,
        count(*) filter (s.strategy_order = 1)        as activities_pli,
        count(*) filter (s.strategy_order = 2)        as activities_pm,
        count(*) filter (s.strategy_order = 3)        as activities_adv,
        sum(a.participants_male)                      as participants_male,
        sum(a.participants_female)                    as participants_female
    from core.activities a
    left join core.strategies s on s.strategy = a.strategy
    where core.valid_at(a.valid_from, a.valid_to, core.as_of())
    group by all
),
benefits as (
    select kode_desa, report.quarter_index(month) as quarter_index,
        count(*)                                      as beneficiaries,
        count(*) filter (gender = 'P')                as beneficiaries_female
    from core.benefits
    where core.valid_at(valid_from, valid_to, core.as_of())
    group by all
),
keys as (
    -- every village-quarter with anything reported, or visits in the quarter before / a year before
    select kode_desa, quarter_index from visits
    union
    select kode_desa, quarter_index + 1 from visits
    union
    select kode_desa, quarter_index + 4 from visits
    union
    select kode_desa, quarter_index from activities
    union
    select kode_desa, quarter_index from benefits
),
final as (
    select
        report.quarter_label(k.quarter_index)                                   as quarter,
        k.quarter_index, k.kode_desa,
        bit_count(coalesce(v.month_mask, 0))::bigint                            as months_reported,
        coalesce(v.month_mask, 0)::bigint                                       as month_mask,
        coalesce(v.visitors_male, 0)::bigint                                    as visitors_male,
        coalesce(v.visitors_female, 0)::bigint                                  as visitors_female,
        (coalesce(v.visitors_male, 0) + coalesce(v.visitors_female, 0))::bigint as visitors_total,
        coalesce(a.activities, 0)                                               as activities,
        coalesce(a.activities_pli, 0)                                           as activities_pli,
        coalesce(a.activities_pm, 0)                                            as activities_pm,
        coalesce(a.activities_adv, 0)                                           as activities_adv,
        coalesce(a.participants_male, 0)::bigint                                as participants_male,
        coalesce(a.participants_female, 0)::bigint                              as participants_female,
        (coalesce(a.participants_male, 0) + coalesce(a.participants_female, 0))::bigint
                                                                                as participants_total,
        coalesce(b.beneficiaries, 0)                                            as beneficiaries,
        coalesce(b.beneficiaries_female, 0)                                     as beneficiaries_female,
        pq.visit_rows                                                           as months_reported_prev_quarter,
        pq.visitors_both::bigint                                                as visitors_total_prev_quarter,
        py.visit_rows                                                           as months_reported_prev_year,
        py.visitors_both::bigint                                                as visitors_total_prev_year,
        (v.kode_desa is not null or a.kode_desa is not null or b.kode_desa is not null) as has_data
    from keys k
    left join visits v on v.kode_desa = k.kode_desa and v.quarter_index is not distinct from k.quarter_index
    left join activities a on a.kode_desa = k.kode_desa and a.quarter_index is not distinct from k.quarter_index
    left join benefits b on b.kode_desa = k.kode_desa and b.quarter_index is not distinct from k.quarter_index
    left join visits pq on pq.kode_desa = k.kode_desa and pq.quarter_index is not distinct from k.quarter_index - 1
    left join visits py on py.kode_desa = k.kode_desa and py.quarter_index is not distinct from k.quarter_index - 4
)
select * from final
order by quarter_index, kode_desa;

create or replace view report_internal.base_village_quarters as
select * from report_internal.village_quarters_summary
where getvariable('as_of') is null                  -- folded when the query is planned
union all
select * from report_internal.base_village_quarters_live
where getvariable('as_of') is not null;
