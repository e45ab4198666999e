-- p_last_run_failed: the villages that failed in the latest run of the sync.
create or replace temp table p_last_run_failed as
select vr.kode_desa
from core.village_runs vr
join p_last_run r using (run_id)
where vr.status = 'failed';
