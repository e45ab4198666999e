"""`tpbis sql` and `warehouse.open_reader` are read-only in every sense (contract section 2):
a query can read the warehouse and nothing else. It cannot write, read or attach any file,
load extensions, or switch any of that back on; `as_of` (a variable) still works."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests import small_warehouse as sw
from tpbis.cli.main import app
from tpbis.settings import CONFIG_DIR, Settings
from tpbis.warehouse.snapshot import open_reader


@pytest.fixture
def files(tmp_path):
    (tmp_path / "wh").mkdir()
    published = sw.build(tmp_path / "wh" / "tpbis.duckdb")
    work = Settings(warehouse=published).working_file
    shutil.copyfile(published, work)                  # the sync's private working file
    return tmp_path, published, work


def _statements(tmp: Path, published: Path, work: Path) -> list[str]:
    return [
        f"copy (select 1 as a) to '{tmp}/out.csv'",
        f"copy report.villages to '{tmp}/villages.parquet' (format parquet)",
        f"copy report.villages to '{published}' (format csv)",
        f"export database '{tmp}/dump'",
        "select * from read_text('/etc/passwd')",
        "select * from read_csv('/etc/passwd')",
        f"select * from read_csv('{CONFIG_DIR / 'villages.csv'}')",
        "select * from glob('/etc/*')",
        f"attach '{tmp}/new.duckdb' as fresh",
        f"attach '{work}' as work",
        f"attach '{work}' as work (read_only)",
        f"attach '{published}' as again (read_write)",
        "install httpfs",
        "load httpfs",
        f"load '{tmp}/evil.duckdb_extension'",
        "set enable_external_access = true",
        "reset enable_external_access",
        "set lock_configuration = false",
        "set temp_directory = '/tmp'",
        "create table main.x (i integer)",
        "update core.runs set status = 'tampered'",
    ]


def _fingerprint(tmp: Path) -> dict[str, str]:
    return {str(p.relative_to(tmp)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(tmp.rglob("*")) if p.is_file()}


def test_every_escape_fails_with_one_line_through_tpbis_sql(files):
    tmp, published, work = files
    before = _fingerprint(tmp)
    runner = CliRunner()
    for statement in _statements(tmp, published, work):
        result = runner.invoke(app, ["sql", "--warehouse", str(published), statement])
        lines = [line for line in result.output.splitlines() if line.strip()]
        # refused as bad usage (contract section 2): exit 2, one line, nothing changed
        assert result.exit_code == 2, (statement, result.output)
        assert len(lines) == 1 and lines[0].startswith("Error: "), (statement, result.output)
        assert "root:" not in result.output
    assert _fingerprint(tmp) == before                  # no file written, changed or created


def test_every_escape_fails_through_open_reader(files):
    tmp, published, work = files
    before = _fingerprint(tmp)
    con = open_reader(published)
    try:
        for statement in _statements(tmp, published, work):
            with pytest.raises(duckdb.Error):
                con.execute(statement).fetchall()
        # the warehouse itself still answers, and the configuration stayed locked
        assert con.execute("select count(*) from report.villages").fetchone() == (3,)
        assert con.execute("select current_setting('enable_external_access'), "
                           "current_setting('lock_configuration')").fetchone() == (False, True)
    finally:
        con.close()
    assert _fingerprint(tmp) == before


def test_as_of_still_works_in_the_locked_reader(files):
    _, published, _ = files
    query = (f"select visitors_male from report.monthly_visits where kode_desa = '{sw.ALPHA}' "
             f"and month = date '2022-10-01'")
    runner = CliRunner()
    now = runner.invoke(app, ["sql", "--warehouse", str(published), "--csv", query])
    then = runner.invoke(app, ["sql", "--warehouse", str(published), "--csv", "--as-of", sw.BETWEEN, query])
    assert (now.exit_code, now.output.splitlines()) == (0, ["visitors_male", str(sw.VISIT_NEW[2])])
    assert (then.exit_code, then.output.splitlines()) == (0, ["visitors_male", str(sw.VISIT_OLD[2])])


def test_a_missing_warehouse_is_one_line_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["sql", "--warehouse", str(tmp_path / "none.duckdb"), "select 1"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and str(tmp_path / "none.duckdb") in result.output


def test_a_reader_opened_while_a_plain_connection_is_open_is_locked_too(files):
    """In one process all connections to a file share one DuckDB instance: open_reader must
    work next to a plain read-only connection (a portal, a test) and still lock it down."""
    tmp, published, work = files
    plain = duckdb.connect(str(published), read_only=True)
    try:
        con = open_reader(published)
        second = open_reader(published)                 # already locked: opens as is
        for c in (con, second, plain):
            with pytest.raises(duckdb.Error):
                c.execute(f"attach '{work}' as work")
        assert second.execute("select count(*) from report.villages").fetchone() == (3,)
        con.close()
        second.close()
    finally:
        plain.close()
