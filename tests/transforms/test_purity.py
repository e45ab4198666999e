"""transforms/ stays pure (STYLE.md §1): no network, warehouse or orchestration imports, and
only reference.py touches files."""

from __future__ import annotations

import ast
from pathlib import Path

import transforms

PACKAGE = Path(transforms.__file__).parent
FORBIDDEN = {"gspread", "duckdb", "prefect", "requests", "google", "httpx", "urllib", "socket", "tpbis", "flows"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_io_libraries():
    for path in PACKAGE.glob("*.py"):
        assert not imported(path) & FORBIDDEN, path.name


def test_only_reference_reads_files():
    for path in PACKAGE.glob("*.py"):
        if path.name == "reference.py":
            continue
        source = path.read_text()
        assert "open(" not in source and "read_text" not in source and "read_csv" not in source, path.name
