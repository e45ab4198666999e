-- p_quality: per village, what its latest sync read, loaded and rejected
-- (report.village_quality), its rejected rows now, and how many of its latest sync attempts failed in a row.
create or replace temp table p_quality as
with attempts as (
    select vr.kode_desa, vr.status,
        row_number() over (partition by vr.kode_desa order by r.started_at desc) as n
    from core.village_runs vr
    join core.runs r using (run_id)
    where vr.status <> 'skipped'
),
streaks as (
    -- attempts before the latest one that did not fail
    select kode_desa, coalesce(min(n) filter (status <> 'failed'), max(n) + 1) - 1 as failures_in_a_row
    from attempts
    group by kode_desa
),
rejected as (
    -- rows kept from loading (a row with two problems counts once)
    select kode_desa, count(distinct (tab, row_number)) as rejected_rows
    from report.rejected_rows
    group by kode_desa
),
final as (
    select q.kode_desa, coalesce(j.rejected_rows, 0) as rejected_rows, q.rows_read, q.rows_loaded, q.rows_rejected, q.rejected_by_reason,
        q.warnings, q.last_synced_at, q.last_status, q.last_message, q.last_attempt_at,
        coalesce(s.failures_in_a_row, 0) as failures_in_a_row
    from report.village_quality q
    left join streaks s using (kode_desa)
    left join rejected j using (kode_desa)
)
select * from final;
