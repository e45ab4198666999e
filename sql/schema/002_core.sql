-- Core: typed rows with history. A row version is current while valid_to is null; a sync
-- that no longer sees the row (the librarian corrected or deleted it) closes it, and a new
-- version is inserted. Identical data loads nothing (rows are compared by row_hash).
-- Column lists match transforms/columns.py (tests/test_schema_columns.py checks it).
create schema if not exists core;

create table if not exists core.villages (
    kode_desa       varchar primary key,  -- Kemendagri kode wilayah, dotted
    desa            varchar not null,
    kecamatan       varchar,
    kabupaten       varchar,
    provinsi        varchar,
    cohort          varchar,              -- kelompok: replikasi, replikasi_mandiri, calon_replikasi_mandiri
    cohort_year     integer,
    spreadsheet_key varchar
);

create table if not exists core.regions (
    kode   varchar primary key,
    level  varchar not null,              -- provinsi, kabupaten, kecamatan
    nama   varchar not null,
    parent varchar
);

create table if not exists core.runs (
    run_id           varchar primary key,
    started_at       timestamptz not null,
    finished_at      timestamptz,
    status           varchar not null,    -- running, success, partial (some villages failed), failed, interrupted (killed)
    full_sweep       boolean not null,
    villages_synced  integer,
    villages_skipped integer,
    villages_failed  integer,
    rows_loaded      bigint,
    rows_rejected    bigint,
    sheets_reads     integer,
    http_429         integer,
    message          varchar
);

create table if not exists core.village_runs (
    run_id          varchar not null,
    kode_desa       varchar not null,
    spreadsheet_key varchar,
    status          varchar not null,     -- loaded, unchanged, skipped, failed
    reason          varchar,              -- stable code when failed
    message         varchar,              -- for province staff
    sheets_reads    integer,
    rows_read       bigint,
    rows_loaded     bigint,
    rows_rejected   bigint
);

-- What the last successful sync of each spreadsheet saw; drives change detection.
create table if not exists core.sheet_state (
    spreadsheet_key varchar primary key,
    kode_desa       varchar not null,
    modified_time   varchar,
    content_hash    varchar,
    synced_at       timestamptz
);

create table if not exists core.meta (
    key   varchar primary key,
    value varchar
);
