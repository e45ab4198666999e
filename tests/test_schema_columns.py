"""The SQL schema and transforms/columns.py describe the same tables; upgrades keep data."""
import duckdb

from tpbis.warehouse.store import HISTORIED, apply_schema
from transforms.columns import TABLE_COLUMNS, all_columns

HISTORY = ["row_hash", "valid_from", "valid_to", "loaded_run", "replaced_run"]


def _columns(con, table):
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'core' and table_name = ? "
        "order by ordinal_position", [table]).fetchall()]


def test_core_tables_have_exactly_the_transform_columns(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    for table in TABLE_COLUMNS:
        assert _columns(con, table) == [*all_columns(table), *HISTORY], table
    for table, hashed in HISTORIED.items():
        assert set(hashed) <= set(_columns(con, table)), table


def test_schema_applies_twice_and_records_each_file_once(tmp_path):
    path = str(tmp_path / "w.duckdb")
    con = duckdb.connect(path)
    first = apply_schema(con)
    assert first and all(name[:3].isdigit() for name in first)
    con.execute("insert into core.meta values ('probe', 'kept')")
    con.close()
    con = duckdb.connect(path)
    assert apply_schema(con) == []
    assert con.execute("select value from core.meta where key = 'probe'").fetchone() == ("kept",)
    assert con.execute("select count(*) from main.schema_migrations").fetchone()[0] == len(first)
