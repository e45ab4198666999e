-- report.visits_change: one row per registered village and quarter: visits against the
-- previous quarter and against the same quarter a year earlier. Compare with care where
-- months_reported differs between the two quarters (a missing month is not a drop in visits).
create or replace view report.visits_change as
with quarters as (
    select quarter, quarter_index, first_quarter_index from report_internal.base_quarters
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, cohort from core.villages
),
facts as (
    select * from report_internal.base_village_quarters
),
joined as (
    select
        q.quarter, v.kabupaten, v.kecamatan, v.kode_desa, v.desa, v.cohort,
        coalesce(f.months_reported, 0) as months_reported,
        coalesce(f.visitors_total, 0)  as visitors_total,
        -- an earlier quarter before the first data is unknown (NULL), not zero
        case when q.quarter_index - 1 >= q.first_quarter_index
             then coalesce(f.visitors_total_prev_quarter, 0) end  as visitors_total_prev_quarter,
        case when q.quarter_index - 1 >= q.first_quarter_index
             then coalesce(f.months_reported_prev_quarter, 0) end as months_reported_prev_quarter,
        case when q.quarter_index - 4 >= q.first_quarter_index
             then coalesce(f.visitors_total_prev_year, 0) end     as visitors_total_prev_year,
        case when q.quarter_index - 4 >= q.first_quarter_index
             then coalesce(f.months_reported_prev_year, 0) end    as months_reported_prev_year
    from villages v
    cross join quarters q
    left join facts f on f.kode_desa = v.kode_desa and f.quarter = q.quarter
),
final as (
    select
        quarter, kabupaten, kecamatan, kode_desa, desa, cohort,
        months_reported,
        visitors_total,
        visitors_total_prev_quarter,
        months_reported_prev_quarter,
        visitors_total - visitors_total_prev_quarter                                    as visitors_diff_qoq,
        -- ratios (0.25 = +25 %), NULL when the earlier quarter had no visits or is before the data
        (visitors_total - visitors_total_prev_quarter) / nullif(visitors_total_prev_quarter, 0) as visitors_change_qoq,
        visitors_total_prev_year,
        months_reported_prev_year,
        visitors_total - visitors_total_prev_year                                       as visitors_diff_yoy,
        (visitors_total - visitors_total_prev_year) / nullif(visitors_total_prev_year, 0)       as visitors_change_yoy
    from joined
)
select * from final;
