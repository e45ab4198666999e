-- What one run of the sync ($run_id) did per village: for the run report's table artifact.
-- One row per village the run read (skipped = not modified = nothing to report).
-- top_reasons: the current rejection reasons of a village loaded by this run, most frequent
-- first (current, not "loaded by this run": unchanged rejected rows keep their first version).
with village_runs as (
    select * from core.village_runs
    where run_id = $run_id and status <> 'skipped'
),

villages as (
    select kode_desa, desa, kabupaten from core.villages
),

reason_counts as (
    select kode_desa, reason, count(distinct (tab, row_number)) as rows_rejected
    from core.rejections
    where valid_to is null
      and kode_desa in (select kode_desa from village_runs where status = 'loaded')
    group by all
),

top_reasons as (
    select kode_desa,
           string_agg(reason || ' (' || rows_rejected || ')', ', '
                      order by rows_rejected desc, reason) as top_reasons
    from reason_counts
    group by kode_desa
),

final as (
    select
        vr.kode_desa,
        v.desa,
        v.kabupaten,
        vr.status,                                   -- loaded, unchanged, failed
        vr.reason,                                   -- stable code when failed
        vr.message,                                  -- for province staff
        coalesce(vr.sheets_reads, 0)  as sheets_reads,
        coalesce(vr.rows_read, 0)     as rows_read,
        coalesce(vr.rows_loaded, 0)   as rows_loaded,
        coalesce(vr.rows_rejected, 0) as rows_rejected,
        tr.top_reasons
    from village_runs vr
    left join villages v using (kode_desa)
    left join top_reasons tr using (kode_desa)
)

select * from final
order by status = 'failed' desc, rows_rejected desc, kode_desa;
