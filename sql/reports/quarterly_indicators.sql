-- report.quarterly_indicators: one row per registered village and quarter, from the first
-- quarter anybody reported to the last. A village that sent nothing in a quarter still has
-- its row, with months_reported = 0 and zero counts: "did not report" must be visible.
-- Built on report_internal.registered_village_quarters (the grid, joined to
-- report_internal.base_village_quarters: sums per village-quarter, keyed so that a
-- `where quarter = '2025Q4'` is applied while the fact tables are scanned).
create or replace view report.quarterly_indicators as
with grid as (
    select * from report_internal.registered_village_quarters
),
final as (
    select
        quarter, kabupaten, kecamatan, kode_desa, desa, cohort,
        months_reported,                                            -- months with a Kunjungan row
        visitors_male, visitors_female, visitors_total,
        activities,
        participants_male, participants_female, participants_total,
        beneficiaries                                               -- people listed in Dampak
    from grid
)
select * from final;
