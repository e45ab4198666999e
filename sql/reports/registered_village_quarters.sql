-- report_internal.registered_village_quarters: one row per registered village and quarter of
-- the reporting grid (report_internal.base_quarters), with that quarter's numbers from
-- report_internal.base_village_quarters, zero where the village sent nothing: the grid of
-- report.quarterly_indicators, report.quarterly_participants, report.reporting_completeness
-- and report.visits_change, joined here once. The comparisons with earlier quarters stay as
-- base_village_quarters has them (NULL where nothing is known); each view decides.
create or replace view report_internal.registered_village_quarters as
with quarters as (
    select quarter, quarter_index, quarter_start, next_quarter_start, first_quarter_index
    from report_internal.base_quarters
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, provinsi, cohort from core.villages
),
facts as (
    select * from report_internal.base_village_quarters
),
final as (
    select
        q.quarter, q.quarter_index, q.quarter_start, q.next_quarter_start, q.first_quarter_index,
        v.provinsi, v.kabupaten, v.kecamatan, v.kode_desa, v.desa, v.cohort,
        coalesce(f.has_data, false)          as has_data,
        coalesce(f.months_reported, 0)       as months_reported,     -- months with a Kunjungan row
        coalesce(f.month_mask, 0)            as month_mask,          -- bit 0/1/2: 1st/2nd/3rd month sent
        coalesce(f.visitors_male, 0)         as visitors_male,
        coalesce(f.visitors_female, 0)       as visitors_female,
        coalesce(f.visitors_total, 0)        as visitors_total,
        coalesce(f.activities, 0)            as activities,
        coalesce(f.participants_male, 0)     as participants_male,
        coalesce(f.participants_female, 0)   as participants_female,
        coalesce(f.participants_total, 0)    as participants_total,
        coalesce(f.beneficiaries, 0)         as beneficiaries,          -- people listed in Dampak
        coalesce(f.beneficiaries_female, 0)  as beneficiaries_female,
        f.months_reported_prev_quarter, f.visitors_total_prev_quarter,
        f.months_reported_prev_year, f.visitors_total_prev_year
    from villages v
    cross join quarters q
    left join facts f on f.kode_desa = v.kode_desa and f.quarter = q.quarter
)
select * from final;
