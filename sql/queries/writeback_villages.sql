-- Villages whose Validasi tab this run ($run_id) writes. Every village loaded in this run; then
-- at most $backlog villages this run did not load (unchanged or skipped) whose latest loaded
-- results never reached their sheet (write-back was off, or its last attempt failed), those
-- never tried first, then the longest waiting, so a sheet that keeps refusing (shared as Viewer
-- only) cannot starve the others.
with this_run as (
    select kode_desa, spreadsheet_key, status
    from core.village_runs
    where run_id = $run_id and status in ('loaded', 'unchanged', 'skipped')
),

last_load as (
    select vr.spreadsheet_key, max(r.started_at) as loaded_at
    from core.village_runs vr
    join core.runs r using (run_id)
    where vr.status = 'loaded'
    group by vr.spreadsheet_key
),

attempts as (
    select
        spreadsheet_key,
        max(written_at) filter (status = 'written') as written_at,
        max(written_at) as attempted_at
    from core.writebacks
    group by spreadsheet_key
),

last_fetch as (
    -- "Diperiksa pada" in the tab: when the sync last read the sheet
    select spreadsheet_key, max(fetched_at) as checked_at
    from raw.fetches
    group by spreadsheet_key
),

candidates as (
    select
        t.kode_desa,
        t.spreadsheet_key,
        t.status = 'loaded' as loaded_now,
        l.loaded_at,
        a.attempted_at,
        f.checked_at
    from this_run t
    join last_load l using (spreadsheet_key)
    left join attempts a using (spreadsheet_key)
    left join last_fetch f using (spreadsheet_key)
    where t.status = 'loaded'
       or a.written_at is null
       or a.written_at < l.loaded_at
),

final as (
    select kode_desa, spreadsheet_key, loaded_now, checked_at
    from candidates
    qualify loaded_now
         or row_number() over (
                partition by loaded_now
                order by attempted_at nulls first, loaded_at, kode_desa) <= $backlog
)

select * from final
order by loaded_now desc, kode_desa;
