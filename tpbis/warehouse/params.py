"""Binding `$name` parameters to SQL text: the one place that decides which to pass, and
the one way to write a value as a SQL string literal where DuckDB takes no parameter
(ATTACH paths, COMMENT ON texts, SET values).

DuckDB refuses a parameter the statement does not use, and the `.sql` files of a folder
share one set of parameters (a quarter, a scope prefix, thresholds), so each statement gets
exactly the ones it names. `$quarter` does not count as using `quarter_index`: names are
matched whole.
"""
from __future__ import annotations

import re


def used_params(sql: str, params: dict | None) -> dict:
    """The entries of `params` whose `$name` appears in `sql`."""
    return {k: v for k, v in (params or {}).items() if re.search(rf"\${re.escape(k)}\b", sql)}


def sql_literal(text: str) -> str:
    """`text` as a SQL string literal: quoted, its quotes doubled."""
    return "'" + text.replace("'", "''") + "'"
