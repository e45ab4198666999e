-- Historied tables: one row per version. Every table ends with the lineage columns
-- (where the row came from) and the history columns (when it was true).
--   valid_from / valid_to: start time of the sync that loaded / replaced this version
--   loaded_run / replaced_run: that sync's run_id
-- fetched_at is when this version was first fetched; an unchanged row keeps it.

create table if not exists core.profile (
    desa_name varchar, kecamatan_name varchar, kabupaten_name varchar,
    library_name varchar, npp varchar, manager_name varchar,
    staff_count bigint, year_joined bigint,
    collection_titles bigint, collection_copies bigint, computers bigint,
    internet_access boolean,
    opening_hours double,                 -- hours per day
    kode_desa varchar not null, spreadsheet_key varchar, tab varchar, source_row bigint, fetched_at timestamptz,
    row_hash varchar not null, valid_from timestamptz not null, valid_to timestamptz,
    loaded_run varchar not null, replaced_run varchar
);

create table if not exists core.visits (
    month date,                           -- first day of the month
    visitors_male bigint, visitors_female bigint,
    new_members bigint, loans bigint, internet_users bigint, open_days bigint,
    kode_desa varchar not null, spreadsheet_key varchar, tab varchar, source_row bigint, fetched_at timestamptz,
    row_hash varchar not null, valid_from timestamptz not null, valid_to timestamptz,
    loaded_run varchar not null, replaced_run varchar
);

create table if not exists core.activities (
    activity_no varchar, activity_date date, title varchar,
    category varchar,                     -- canonical Jenis Kegiatan
    category_raw varchar,                 -- as the librarian typed it
    strategy varchar,                     -- TPBIS strategy
    participants_male bigint, participants_female bigint,
    partner varchar, notes varchar,
    kode_desa varchar not null, spreadsheet_key varchar, tab varchar, source_row bigint, fetched_at timestamptz,
    row_hash varchar not null, valid_from timestamptz not null, valid_to timestamptz,
    loaded_run varchar not null, replaced_run varchar
);

create table if not exists core.partners (
    partner_name varchar, partner_type varchar, partner_type_raw varchar,
    support_form varchar, has_mou boolean, mou_date date,
    support_value_rp bigint,              -- Rupiah
    kode_desa varchar not null, spreadsheet_key varchar, tab varchar, source_row bigint, fetched_at timestamptz,
    row_hash varchar not null, valid_from timestamptz not null, valid_to timestamptz,
    loaded_run varchar not null, replaced_run varchar
);

create table if not exists core.benefits (
    month date, initials varchar,
    gender varchar,                       -- L or P
    benefit_type varchar, benefit_type_raw varchar, product varchar,
    income_before bigint, income_after bigint,   -- Rupiah per month
    story varchar,
    kode_desa varchar not null, spreadsheet_key varchar, tab varchar, source_row bigint, fetched_at timestamptz,
    row_hash varchar not null, valid_from timestamptz not null, valid_to timestamptz,
    loaded_run varchar not null, replaced_run varchar
);

-- Problems found by validation: rejections kept a row out; warnings loaded it but deserve a look.
create table if not exists core.rejections (
    kode_desa varchar not null, spreadsheet_key varchar, tab varchar,
    row_number bigint,                    -- as the librarian sees it in the sheet
    "column" varchar, value varchar,
    reason varchar,                       -- stable code
    message varchar,                      -- Indonesian, for the librarian
    row_hash varchar not null, valid_from timestamptz not null, valid_to timestamptz,
    loaded_run varchar not null, replaced_run varchar
);

create table if not exists core.warnings (
    kode_desa varchar not null, spreadsheet_key varchar, tab varchar,
    row_number bigint, "column" varchar, value varchar, reason varchar, message varchar,
    row_hash varchar not null, valid_from timestamptz not null, valid_to timestamptz,
    loaded_run varchar not null, replaced_run varchar
);

create table if not exists core.tab_counts (
    kode_desa varchar not null, spreadsheet_key varchar, tab varchar,
    rows_read bigint, rows_loaded bigint, rows_rejected bigint,
    row_hash varchar not null, valid_from timestamptz not null, valid_to timestamptz,
    loaded_run varchar not null, replaced_run varchar
);

-- The point in time the report views show: now, or what `set variable as_of = '...'` says.
-- `tpbis extract --as-of DATE` and `tpbis sql --as-of DATE` set it for you.
create or replace macro core.as_of() as
    coalesce(try_cast(getvariable('as_of') as timestamptz), 'infinity'::timestamptz);

create or replace macro core.valid_at(valid_from, valid_to, ts) as
    valid_from <= ts and (valid_to is null or valid_to > ts);
