"""Descriptions of the report views and their columns (sql/reports/descriptions.toml): set as
DuckDB comments in the warehouse, and rendered as docs/reports.md."""
