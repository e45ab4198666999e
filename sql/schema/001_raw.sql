-- Raw landing: every fetch, append-only, so any sync can be replayed without Google.
-- A payload is stored once per distinct content hash (most nights re-read nothing, and a
-- re-read of an unchanged sheet costs one row in raw.fetches, not a second copy).
create schema if not exists raw;

create table if not exists raw.fetches (
    run_id          varchar not null,   -- the sync run that fetched it
    run_started_at  timestamptz not null,
    spreadsheet_key varchar not null,
    kode_desa       varchar not null,
    fetched_at      timestamptz not null,
    modified_time   varchar,            -- Drive modifiedTime as Google wrote it (RFC 3339)
    content_hash    varchar not null,   -- sha256 of the cells as received
    sheets_reads    integer not null    -- Sheets read requests this fetch cost
);

create table if not exists raw.payloads (
    content_hash    varchar primary key,
    spreadsheet_key varchar not null,
    payload         varchar not null    -- JSON: {tab title: rows of cells}, UNFORMATTED_VALUE
);
