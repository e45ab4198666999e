-- report.quarterly_kabupaten: one row per kabupaten/kota and quarter: the village numbers of
-- report.quarterly_indicators summed over its registered villages (what the Bupati asks).
-- A village counts as reported when it sent anything for the quarter, and as complete when it
-- sent all three months of Kunjungan and at least one Kegiatan (as report.reporting_completeness).
-- A thin view over report_internal.base_region_quarters (shared with _province, _kecamatan).
create or replace view report.quarterly_kabupaten as
select * exclude (quarter_index, level, kecamatan)
from report_internal.base_region_quarters
where level = 'kabupaten';
