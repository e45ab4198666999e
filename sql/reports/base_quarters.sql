-- report_internal.base_quarters: one row per quarter of the reporting grid, from the first quarter
-- anybody reported in to the last (as report.quarterly_indicators). A building block of the
-- quarterly views: a village that sent nothing still gets a row for each of these quarters.
create or replace view report_internal.base_quarters as
with bounds as (
    -- min/max over raw dates: cheap even at 20,000 villages x 10 years
    select min(d) as first_day, max(d) as last_day from (
        select month as d from core.visits where core.valid_at(valid_from, valid_to, core.as_of())
        union all
        select activity_date from core.activities where core.valid_at(valid_from, valid_to, core.as_of())
        union all
        select month from core.benefits where core.valid_at(valid_from, valid_to, core.as_of())
    )
),
final as (
    select
        i as quarter_index,
        report.quarter_label(i) as quarter,
        report.quarter_start(i) as quarter_start,
        report.quarter_start(i + 1) as next_quarter_start,
        report.quarter_index(first_day) as first_quarter_index     -- comparisons before it are NULL
    from bounds, range(report.quarter_index(first_day), report.quarter_index(last_day) + 1) as r(i)
)
select * from final;
