-- Villages that failed in run $run_id AND in every attempt before it, at least $nights in a row.
-- An attempt is a run in which the village's sheet was actually tried (status <> 'skipped':
-- a village that failed is never skipped, since only a successful sync records its state).
-- A village no longer in the registry is not tried any more, so it stops alerting.
with attempts as (
    select
        vr.kode_desa, vr.status, vr.reason, vr.message, r.started_at,
        row_number() over (partition by vr.kode_desa order by r.started_at desc, vr.run_id desc) as recency
    from core.village_runs vr
    join core.runs r using (run_id)
    where vr.status <> 'skipped'
),

streaks as (
    -- failed_nights: attempts since the last one that did not fail (all of them if none)
    select
        kode_desa,
        coalesce(min(recency) filter (where status <> 'failed'), max(recency) + 1) - 1 as failed_nights
    from attempts
    group by kode_desa
),

failing_now as (
    select kode_desa from core.village_runs where run_id = $run_id and status = 'failed'
),

final as (
    select
        a.kode_desa,
        v.desa,
        v.kabupaten,
        s.failed_nights,
        min(f.started_at) as failing_since,          -- first failed attempt of the streak
        any_value(a.reason) as reason,               -- of the latest attempt
        any_value(a.message) as message
    from attempts a
    join streaks s using (kode_desa)
    join attempts f on f.kode_desa = a.kode_desa and f.recency <= s.failed_nights
    left join core.villages v on v.kode_desa = a.kode_desa
    where a.recency = 1
      and a.kode_desa in (select kode_desa from failing_now)
      and s.failed_nights >= $nights
    group by a.kode_desa, v.desa, v.kabupaten, s.failed_nights
)

select * from final
order by failed_nights desc, kode_desa;
