-- p_last_run: the latest run of the sync, and p_last_run_failed: the villages that failed in
-- it (so the status line on every page reads two tiny tables, not a year of village runs).
create or replace temp table p_last_run as
select run_id, started_at, finished_at, status from core.runs order by started_at desc limit 1;
