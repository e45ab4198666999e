-- The latest run of the sync, with the number of the scope's villages that failed in it
-- (never the province's count: a kabupaten sees its own villages only).
select r.started_at, r.finished_at, r.status,
    (select count(*) from p_last_run_failed f where starts_with(f.kode_desa, $prefix)) as failed_in_scope
from p_last_run r;
