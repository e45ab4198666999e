-- report_internal.base_village_quarters: one row per village and quarter with anything reported in it,
-- in the quarter before, or in the same quarter a year earlier; the building block of the
-- quarterly views (start from report.quarterly_indicators or the views built on this one).
-- The numbers are computed by report_internal.base_village_quarters_live.
--
-- As created here (whenever a file's schema is applied: each sync opens its working file that
-- way) it IS the live computation. Publishing replaces it, as it does
-- report_internal.base_region_quarters (tpbis/warehouse/summaries.py,
-- sql/summaries/village_quarters.sql), with: the rows of report_internal.village_quarters_summary,
-- written by that same publish from the same core tables, when no `as_of` is set; the live
-- computation when `as_of` is set. So the summary is only ever read in a published file, next
-- to the core tables it was computed from: it cannot be stale.
--
-- Why (20,000 villages x 10 years, benchmarks/bench_reports.py): computed live, one quarter
-- still computes the quarter label of every fact row and reads each Kunjungan month three
-- times (0.2-0.3 s for the views built on this one), and the whole history takes 1.3-2.3 s.
-- The summary is sorted by quarter, so one quarter is read from its own row groups.
create or replace view report_internal.base_village_quarters as
select * from report_internal.base_village_quarters_live;
