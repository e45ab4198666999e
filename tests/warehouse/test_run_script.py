"""`run_script` binds each statement exactly the `$parameters` it names (tpbis.warehouse.params):
DuckDB refuses a parameter the statement does not use, and `$quarter` is not `$quarter_index`."""
from __future__ import annotations

import duckdb

from tpbis.warehouse.store import run_script

SCRIPT = """create table t as select $quarter_index as i;
-- a comment line, not a statement
insert into t select $quarter_index + 1;
create table q as select $quarter as quarter;
"""


def test_a_parameter_whose_name_starts_another_is_not_bound_to_it():
    con = duckdb.connect()
    try:
        # the first two statements name only $quarter_index: passing $quarter too (a substring
        # match would) makes DuckDB refuse the statement
        run_script(con, SCRIPT, {"quarter": "2022Q4", "quarter_index": 8091, "unused": 1})
        assert con.execute("select i from t order by i").fetchall() == [(8091,), (8092,)]
        assert con.execute("select quarter from q").fetchall() == [("2022Q4",)]
    finally:
        con.close()
