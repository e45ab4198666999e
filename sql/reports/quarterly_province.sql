-- report.quarterly_province: one row per province and quarter: the village numbers of
-- report.quarterly_indicators summed over all registered villages (what Perpusnas and the
-- Gubernur ask).
-- A village counts as reported when it sent anything for the quarter, and as complete when it
-- sent all three months of Kunjungan and at least one Kegiatan (as report.reporting_completeness).
-- A thin view over report_internal.base_region_quarters (shared with _kabupaten, _kecamatan).
create or replace view report.quarterly_province as
select * exclude (quarter_index, level, kabupaten, kecamatan)
from report_internal.base_region_quarters
where level = 'provinsi';
