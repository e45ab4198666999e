-- report.sync_runs: one row per run of the nightly sync.
create or replace view report.sync_runs as
select
    run_id, started_at, finished_at, status, full_sweep,
    villages_synced,                    -- loaded now, or unchanged since the last sync
    villages_skipped,                   -- not modified since the last sync: no Sheets read
    villages_failed,
    rows_loaded, rows_rejected, sheets_reads, http_429, message
from core.runs;
