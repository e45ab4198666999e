-- Recompute row_hash of current versions with this DuckDB's hash() (after a DuckDB upgrade
-- changed it, or after a migration), so that identical data keeps matching and makes no new
-- versions. {hash_columns} are cast to the table's own types, exactly as replace_current.sql does.
update core.{table}
set row_hash = hash({hash_columns})
where valid_to is null;
