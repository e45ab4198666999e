-- report.reporting_completeness: one row per registered village and quarter (the grid of
-- report.quarterly_indicators): did the village send all three months of Kunjungan and at
-- least one Kegiatan, and if not, which months are missing.
create or replace view report.reporting_completeness as
with grid as (
    select * from report_internal.registered_village_quarters
),
final as (
    select
        quarter, kabupaten, kecamatan, kode_desa, desa, cohort,
        months_reported,
        missing_months,                  -- month names as staff write them: 'Nov 2022, Des 2022'
        activities,
        complete,
        status,
        -- false while the quarter is still running (at as_of, or now): missing months may still come
        next_quarter_start <= timezone('Asia/Jakarta', least(core.as_of(), now()))::date as quarter_closed
    from grid
)
select * from final;
