-- report.reporting_completeness: one row per registered village and quarter (the grid of
-- report.quarterly_indicators): did the village send all three months of Kunjungan and at
-- least one Kegiatan, and if not, which months are missing.
create or replace view report.reporting_completeness as
with quarters as (
    select quarter, quarter_start, next_quarter_start from report_internal.base_quarters
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, cohort from core.villages
),
facts as (
    select * from report_internal.base_village_quarters
),
joined as (
    select
        q.quarter, q.quarter_start, q.next_quarter_start,
        v.kabupaten, v.kecamatan, v.kode_desa, v.desa, v.cohort,
        coalesce(f.months_reported, 0) as months_reported,
        coalesce(f.month_mask, 0)      as month_mask,      -- bit 0/1/2: 1st/2nd/3rd month sent
        coalesce(f.activities, 0)      as activities,
        coalesce(f.beneficiaries, 0)   as beneficiaries
    from villages v
    cross join quarters q
    left join facts f on f.kode_desa = v.kode_desa and f.quarter = q.quarter
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
    from joined
)
select * from final;
