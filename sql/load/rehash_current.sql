-- Recompute row_hash of current versions with this DuckDB's hash() (after a DuckDB upgrade
-- changed it), so that identical data keeps matching and makes no new versions.
update core.{table}
set row_hash = hash({hash_columns})
where valid_to is null;
