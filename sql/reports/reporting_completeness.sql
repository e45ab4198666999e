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
        -- month names as staff write them: 'Nov 2022, Des 2022'
        array_to_string(list_transform(
            list_filter([0, 1, 2], lambda i: (month_mask >> i) & 1 = 0),
            lambda i: ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des']
                          [month(quarter_start) + i] || ' ' || year(quarter_start)::varchar), ', ') as missing_months,
        activities,
        months_reported = 3 and activities >= 1 as complete,
        case
            when months_reported = 3 and activities >= 1 then 'lengkap'
            when months_reported = 0 and activities = 0 and beneficiaries = 0 then 'tidak lapor'
            else 'tidak lengkap'
        end as status,
        -- false while the quarter is still running (at as_of, or now): missing months may still come
        next_quarter_start <= timezone('Asia/Jakarta', least(core.as_of(), now()))::date as quarter_closed
    from grid
)
select * from final;
