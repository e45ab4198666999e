-- report.quarterly_indicators: one row per registered village and quarter, from the first
-- quarter anybody reported to the last. A village that sent nothing in a quarter still has
-- its row, with months_reported = 0 and zero counts: "did not report" must be visible.
-- Built on report_internal.base_village_quarters (sums per village-quarter, keyed so that a
-- `where quarter = '2025Q4'` is applied while the fact tables are scanned).
create or replace view report.quarterly_indicators as
with quarters as (
    select quarter from report_internal.base_quarters
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, cohort from core.villages
),
reported as (
    select * from report_internal.base_village_quarters where has_data
),
grid as (
    select q.quarter, v.* from quarters q cross join villages v
),
final as (
    select
        g.quarter, g.kabupaten, g.kecamatan, g.kode_desa, g.desa, g.cohort,
        coalesce(r.months_reported, 0)       as months_reported,     -- months with a Kunjungan row
        coalesce(r.visitors_male, 0)         as visitors_male,
        coalesce(r.visitors_female, 0)       as visitors_female,
        coalesce(r.visitors_total, 0)        as visitors_total,
        coalesce(r.activities, 0)            as activities,
        coalesce(r.participants_male, 0)     as participants_male,
        coalesce(r.participants_female, 0)   as participants_female,
        coalesce(r.participants_total, 0)    as participants_total,
        coalesce(r.beneficiaries, 0)         as beneficiaries          -- people listed in Dampak
    from grid g
    left join reported r on r.kode_desa = g.kode_desa and r.quarter = g.quarter
)
select * from final;
