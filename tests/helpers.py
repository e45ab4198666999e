"""Helpers several test modules share: the sample registry and a read-only query."""
from __future__ import annotations

import duckdb

from tpbis.registry import read_registry
from tpbis.settings import CONFIG_DIR

REGISTRY = read_registry(CONFIG_DIR / "villages.csv")
KEYS = dict(zip(REGISTRY["kode_desa"], REGISTRY["spreadsheet_key"]))     # kode_desa -> spreadsheet key


def query(path, q, params=None) -> list[tuple]:
    """All rows of one query against a warehouse file, opened read-only and closed again."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(q, params or []).fetchall()
    finally:
        con.close()
