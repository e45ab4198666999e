-- row_hash of each staged row, in the staged order (DuckDB keeps a scan's order when there is
-- no ORDER BY: preserve_insertion_order), appended by load_batch to stage_rows as its
-- row_hash column before replace_current.sql. {hash_columns}: as in replace_current.sql.
select hash({hash_columns}) as row_hash from stage_rows
