-- row_hash becomes DuckDB's 64-bit hash() instead of text: a third of the load time of a
-- big sheet went into storing the text. Only current versions are ever compared, so they are
-- re-hashed right after this migration (tpbis/warehouse.py ensure_row_hashes); closed
-- versions keep 0, which nothing reads.
alter table core.profile    alter row_hash type ubigint using 0;
alter table core.visits     alter row_hash type ubigint using 0;
alter table core.activities alter row_hash type ubigint using 0;
alter table core.partners   alter row_hash type ubigint using 0;
alter table core.benefits   alter row_hash type ubigint using 0;
alter table core.rejections alter row_hash type ubigint using 0;
alter table core.warnings   alter row_hash type ubigint using 0;
alter table core.tab_counts alter row_hash type ubigint using 0;
