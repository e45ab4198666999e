-- report.quarterly_kabupaten: one row per kabupaten/kota and quarter: the village numbers of
-- report.quarterly_indicators summed over its registered villages (what the Bupati asks).
-- A village counts as reported when it sent anything for the quarter, and as complete when it
-- sent all three months of Kunjungan and at least one Kegiatan (as report.reporting_completeness).
-- A thin view over report_internal.base_region_quarters (shared with _province, _kecamatan).
create or replace view report.quarterly_kabupaten as
select
    quarter, provinsi, kabupaten, villages, villages_reported, villages_complete, months_reported,
    visitors_male, visitors_female, visitors_total, activities, participants_male,
    participants_female, participants_total, beneficiaries,
    visitors_total_prev_quarter, visitors_total_prev_year,
    -- shares and changes are ratios (0.25 = 25 %), NULL when there is nothing to divide by
    participants_female / nullif(participants_total, 0)                                     as participants_female_share,
    (visitors_total - visitors_total_prev_quarter) / nullif(visitors_total_prev_quarter, 0) as visitors_change_qoq,
    (visitors_total - visitors_total_prev_year) / nullif(visitors_total_prev_year, 0)       as visitors_change_yoy
from report_internal.base_region_quarters
where level = 'kabupaten';
