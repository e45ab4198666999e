-- report.village_quality: one row per village: what its latest sync read, loaded and
-- rejected, by reason, to send back to the librarian.
create or replace view report.village_quality as
with counts as (
    select kode_desa,
        sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded, sum(rows_rejected) as rows_rejected
    from core.tab_counts
    where core.valid_at(valid_from, valid_to, core.as_of())
    group by kode_desa
),
reasons as (
    select kode_desa, string_agg(reason || ': ' || n, ', ' order by n desc, reason) as rejected_by_reason
    from (
        select kode_desa, reason, count(distinct (tab, row_number)) as n
        from report.rejected_rows group by all
    )
    group by kode_desa
),
warnings as (
    select kode_desa, count(*) as warnings from report.row_warnings group by kode_desa
),
last_attempt as (
    select kode_desa, arg_max(vr.status, r.started_at) as last_status,
        arg_max(vr.message, r.started_at) as last_message, max(r.started_at) as last_attempt_at
    from core.village_runs vr join core.runs r using (run_id)
    where vr.status <> 'skipped'
    group by kode_desa
),
final as (
    select
        v.kode_desa, v.desa, v.kecamatan, v.kabupaten,
        coalesce(c.rows_read, 0) as rows_read,
        coalesce(c.rows_loaded, 0) as rows_loaded,
        coalesce(c.rows_rejected, 0) as rows_rejected,
        coalesce(r.rejected_by_reason, '') as rejected_by_reason,
        coalesce(w.warnings, 0) as warnings,
        s.synced_at as last_synced_at,
        l.last_status, l.last_message, l.last_attempt_at
    from core.villages v
    left join counts c using (kode_desa)
    left join reasons r using (kode_desa)
    left join warnings w using (kode_desa)
    left join core.sheet_state s on s.kode_desa = v.kode_desa
    left join last_attempt l on l.kode_desa = v.kode_desa
)
select * from final;
