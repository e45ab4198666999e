-- Write-back: one row per attempt to write a village's validation results into the `Validasi`
-- tab of its own spreadsheet (`tpbis sync --write-back`). A failed attempt is recorded here and
-- never fails the sync; the next run with write-back tries that village again.
create schema if not exists core;

create table if not exists core.writebacks (
    run_id          varchar not null,     -- the sync run that wrote (or tried to)
    kode_desa       varchar not null,
    spreadsheet_key varchar not null,
    status          varchar not null,     -- written, failed
    reason          varchar,              -- stable code when failed (permission_denied, not_found, ...)
    message         varchar,              -- for province staff
    rows_rejected   integer,              -- rejected-row lines listed in the Validasi tab
    sheets_reads    integer,              -- Sheets read requests it cost (the tab list)
    sheets_writes   integer,              -- Sheets write requests it cost (normally one batchUpdate)
    modified_before varchar,              -- Drive modifiedTime just before writing (RFC 3339)
    modified_after  varchar,              -- Drive modifiedTime just after writing
    state_advanced  boolean,              -- core.sheet_state.modified_time moved to modified_after
    written_at      timestamptz not null
);
