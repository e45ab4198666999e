"""Everything that talks to DuckDB: schema, loads, the private working file, publishing, as-of reads."""
