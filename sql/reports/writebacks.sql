-- report.writebacks: one row per village whose results were ever written (or tried) into the
-- Validasi tab of its sheet (`tpbis sync --write-back`): the latest attempt, and when the tab
-- was last written successfully. status: written | failed; reason: a stable code when failed
-- (permission_denied, not_found, quota_exhausted, server_error, unreachable, ...).
create or replace view report.writebacks as
with attempts as (
    select * from core.writebacks
),

last_written as (
    select spreadsheet_key, max(written_at) as last_written_at
    from attempts
    where status = 'written'
    group by spreadsheet_key
),

latest as (
    select *
    from attempts
    qualify row_number() over (partition by spreadsheet_key order by written_at desc) = 1
),

final as (
    select
        latest.kode_desa,
        latest.spreadsheet_key,
        last_written.last_written_at,       -- the tab the librarian sees was written then
        latest.written_at as last_attempt_at,
        latest.status,
        latest.reason,
        latest.message,
        latest.rows_rejected,               -- rejected-row lines listed in the tab
        latest.run_id
    from latest
    left join last_written using (spreadsheet_key)
)

select * from final;
