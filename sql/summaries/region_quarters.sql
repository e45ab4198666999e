-- Refresh of report_internal.region_quarters_summary, run by publish() on the sync's working
-- file right before it is copied to the published snapshot (tpbis/warehouse/summaries.py), in
-- one transaction. The summary is the whole history of report_internal.base_region_quarters_live
-- as of now (`as_of` is reset first), rebuilt whole: it is small (regions x quarters: 160,840
-- rows for 1 + 12 + 4,008 regions x 40 quarters at the province's full size, 2.4 s to write)
-- and derived, created from the view itself, so it needs no migration (its columns follow the
-- view's; a file published before it existed simply has none until its next publish).
-- Then report_internal.base_region_quarters reads it when no `as_of` is set, and the live
-- computation otherwise (why: sql/reports/base_region_quarters.sql).
create or replace table report_internal.region_quarters_summary as
select * from report_internal.base_region_quarters_live
order by level, quarter_index, provinsi, kabupaten, kecamatan;

create or replace view report_internal.base_region_quarters as
select * from report_internal.region_quarters_summary
where getvariable('as_of') is null                  -- folded when the query is planned
union all
select * from report_internal.base_region_quarters_live
where getvariable('as_of') is not null;
