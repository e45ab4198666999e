-- report.quarterly_kecamatan: one row per kecamatan and quarter: the village numbers of
-- report.quarterly_indicators summed over the kecamatan's registered villages.
-- A village counts as reported when it sent anything for the quarter, and as complete when it
-- sent all three months of Kunjungan and at least one Kegiatan (as report.reporting_completeness).
-- A thin view over report_internal.base_region_quarters (shared with _province, _kabupaten).
create or replace view report.quarterly_kecamatan as
select * exclude (quarter_index, level)
from report_internal.base_region_quarters
where level = 'kecamatan';
