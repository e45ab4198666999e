-- Outcome of one run, per village ($run_id), for the summary printed by `tpbis sync`.
select
    vr.kode_desa, v.desa, vr.status, vr.reason, vr.message,
    coalesce(vr.rows_loaded, 0) as rows_loaded,
    coalesce(vr.rows_rejected, 0) as rows_rejected,
    coalesce(vr.sheets_reads, 0) as sheets_reads
from core.village_runs vr
left join core.villages v using (kode_desa)
where vr.run_id = $run_id
order by vr.kode_desa;
