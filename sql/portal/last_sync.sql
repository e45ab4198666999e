-- The latest run of the sync, with the number of the scope's villages that failed in it
-- (never the province's count: a kabupaten sees its own villages only).
with last_run as (
    select * from core.runs order by started_at desc limit 1
),
final as (
    select r.started_at, r.finished_at, r.status,
        (select count(*) from core.village_runs vr
         where vr.run_id = r.run_id and vr.status = 'failed' and starts_with(vr.kode_desa, $prefix))
            as failed_in_scope
    from last_run r
)
select * from final;
