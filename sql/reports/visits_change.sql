-- report.visits_change: one row per registered village and quarter: visits against the
-- previous quarter and against the same quarter a year earlier. Compare with care where
-- months_reported differs between the two quarters (a missing month is not a drop in visits).
create or replace view report.visits_change as
with grid as (
    select * from report_internal.registered_village_quarters
),
final as (
    select
        quarter, kabupaten, kecamatan, kode_desa, desa, cohort,
        months_reported,
        visitors_total,
        visitors_total_prev_quarter,        -- NULL when that quarter is before the first data
        months_reported_prev_quarter,
        visitors_total - visitors_total_prev_quarter                                    as visitors_diff_qoq,
        -- ratios (0.25 = +25 %), NULL when the earlier quarter had no visits or is before the data
        (visitors_total - visitors_total_prev_quarter) / nullif(visitors_total_prev_quarter, 0) as visitors_change_qoq,
        visitors_total_prev_year,
        months_reported_prev_year,
        visitors_total - visitors_total_prev_year                                       as visitors_diff_yoy,
        (visitors_total - visitors_total_prev_year) / nullif(visitors_total_prev_year, 0)       as visitors_change_yoy
    from grid
)
select * from final;
