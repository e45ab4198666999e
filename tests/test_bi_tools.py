"""docs/bi-tools.md keeps its promises: every `bash` and `python` recipe in it runs, as
written, against a published warehouse (storage version as published, DuckDB CLI 1.5.6)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import small_warehouse as sw
from tpbis.settings import PROJECT_ROOT
from tpbis.warehouse.snapshot import _write_snapshot

GUIDE = PROJECT_ROOT / "docs" / "bi-tools.md"


def recipes(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A folder holding data/tpbis.duckdb, published the way the sync publishes it."""
    root = tmp_path_factory.mktemp("staff")
    built = sw.build(root / "work.duckdb")
    (root / "data").mkdir()
    _write_snapshot(built, root / "data" / "tpbis.duckdb")
    return root


def test_the_guide_has_recipes_for_every_tool():
    text = GUIDE.read_text(encoding="utf-8")
    for heading in ("## DuckDB CLI", "## Python and pandas", "## R", "## DBeaver", "## Excel"):
        assert heading in text
    assert len(recipes("bash")) >= 3 and len(recipes("python")) >= 1 and recipes("r")
    assert "v1.4.0" in text


@pytest.mark.parametrize("index", range(len(recipes("bash"))))
def test_cli_recipe_runs(folder, index):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", recipes("bash")[index]], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr and done.stdout.strip(), done.stdout + done.stderr
    if "duckdb_columns" in recipes("bash")[index]:
        assert "Kemendagri village code" in done.stdout                # the descriptions are in the file
    if "kabupaten.csv" in recipes("bash")[index]:
        assert (folder / "kabupaten.csv").read_text().startswith("quarter,provinsi,kabupaten")


@pytest.mark.parametrize("index", range(len(recipes("python"))))
def test_python_recipe_runs(folder, index):
    done = subprocess.run([sys.executable, "-c", recipes("python")[index]], cwd=folder,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Bengkalis" in done.stdout and "comment" in done.stdout
