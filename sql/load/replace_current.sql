-- Replace the current rows of the villages in this batch with the rows just parsed, keeping
-- history: two statements per table, no staging copy (stage_rows is the batch's Arrow table,
-- with its row_hash column added by load_batch: hash() computed once, for both statements).
-- {table} is an identifier from transforms/columns.py (a fixed list, never user input);
-- values are bound ($now, $run_id).
-- A row whose content (row_hash) is unchanged stays current and keeps its valid_from.
-- row_hash is DuckDB's 64-bit hash() of the row's columns as the table stores them, each cast
-- to its type in core.{table} (load_batch: `select hash({hash_columns}) from stage_rows`; a
-- month staged as TIMESTAMP is hashed as the DATE it is stored as, so a re-hash of stored rows
-- in rehash_current.sql gives the very same value); row_hash_engine in core.meta records
-- the DuckDB version that computed it (tpbis/warehouse/store.py re-hashes after an upgrade).

-- 1. close versions the sheet no longer has
update core.{table}
set valid_to = $now, replaced_run = $run_id
where valid_to is null
  and kode_desa in (select kode_desa from stage_villages)
  and row_hash not in (select row_hash from stage_rows);

-- 2. open versions that are new
insert into core.{table} by name
select s.*, $now as valid_from, null as valid_to, $run_id as loaded_run, null as replaced_run
from stage_rows s
anti join (
    select kode_desa, row_hash from core.{table}
    where valid_to is null and kode_desa in (select kode_desa from stage_villages)
) c using (kode_desa, row_hash);
