-- The first load of the batch's villages into core.{table}: none of them has a current row
-- there (sql/load/has_current.sql said so), so replace_current.sql would close nothing and
-- its anti join would keep every staged row. Every staged row opens a version, as it would
-- have there; row_hash is the very same hash() of the same casts ({hash_columns}).
insert into core.{table} by name
select s.*, hash({hash_columns}) as row_hash, $now as valid_from, null as valid_to, $run_id as loaded_run,
    null as replaced_run
from stage_rows s;
