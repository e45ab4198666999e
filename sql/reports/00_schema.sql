-- The reporting interface (contract section 3). Views are re-created on every sync, so
-- changing one needs no migration. All of them show the state at core.as_of(): now, unless
-- the session did `set variable as_of = '2023-01-15 23:59:59+07'`.
create schema if not exists report;

-- Building blocks of the report views, not meant for staff: kept out of `report` so that a BI
-- tool lists only documented views (older warehouses had them in `report`).
create schema if not exists report_internal;
drop view if exists report.base_quarters;
drop view if exists report.base_village_quarters;
