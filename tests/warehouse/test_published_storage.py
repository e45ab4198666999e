"""The published warehouse opens in the DuckDB tools staff really install: the DuckDB CLI
from the package index (`duckdb-cli` 1.5.6, older than the library that writes the file)
reads the snapshot and every report view binds and runs in it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.nightly_sync import nightly_sync

pytestmark = pytest.mark.usefixtures("prefect_harness")

OLD_CLI = Path(sys.executable).parent / "duckdb"          # console script of duckdb-cli==1.5.6


def old_cli(path: Path, script: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(OLD_CLI), "-readonly", "-csv", str(path)], input=script,
                          capture_output=True, text=True, timeout=120)


def test_duckdb_cli_1_5_opens_the_published_file_and_queries_every_report_view(sync_env):
    version = subprocess.run([str(OLD_CLI), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("v1.5."), version.stdout
    summary = nightly_sync()
    assert summary["villages_failed"] == 0
    with duckdb.connect(str(sync_env), read_only=True) as con:
        views = [v for (v,) in con.execute("select view_name from duckdb_views() "
                                           "where schema_name = 'report' order by all").fetchall()]
    assert len(views) >= 20
    script = "".join(f"select '{v}' as view_name, count(*) as n from report.{v};\n" for v in views)
    done = old_cli(sync_env, script)
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr, done.stderr
    counts = dict(line.split(",") for line in done.stdout.splitlines() if line and line != "view_name,n")
    assert sorted(counts) == views
    assert counts["villages"] == "17" and int(counts["activities"]) > 1000
    # the private working file is not what staff open: it may stay in the newer format
    assert not Path(str(sync_env) + ".partial").exists()
