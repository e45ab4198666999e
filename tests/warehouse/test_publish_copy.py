"""Publishing is a copy of the working file: the sync creates its working file in the
published storage version, so the published file is the working file's bytes after a
checkpoint (no WAL, the mode a new file gets, the working file staying private), with the
same rows in every report view as the table-by-table snapshot an earlier release wrote. A
working file an earlier release created in another format is converted once, at its next
publish. Real DuckDB files, the real flow."""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import duckdb
import pytest

from flows.nightly_sync import nightly_sync
from tests.helpers import KEYS
from tpbis.settings import Settings
from tpbis.warehouse.snapshot import PUBLISHED_STORAGE_VERSION, _write_snapshot, open_reader, storage_version

pytestmark = pytest.mark.usefixtures("prefect_harness")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def version_of(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return storage_version(con)


def report_rows(path: Path) -> dict[str, list[str]]:
    con = open_reader(path)
    try:
        views = [v for (v,) in con.execute("select view_name from duckdb_views() where schema_name = 'report' "
                                           "order by all").fetchall()]
        return {v: sorted(map(repr, con.execute(f"select * from report.{v}").fetchall())) for v in views}
    finally:
        con.close()


def catalog(path: Path) -> dict[str, list]:
    """Everything a reader can list: schemas, tables and views with their columns and
    comments, macros, sequences, indexes, types."""
    queries = {
        "schemas": "select schema_name, comment from duckdb_schemas()",
        "tables": "select schema_name, table_name, comment, column_count from duckdb_tables()",
        "views": "select schema_name, view_name, comment from duckdb_views() where not internal",
        "columns": "select schema_name, table_name, column_name, data_type, comment from duckdb_columns()",
        "macros": "select schema_name, function_name, function_type from duckdb_functions() where not internal",
        "sequences": "select schema_name, sequence_name from duckdb_sequences()",
        "indexes": "select schema_name, index_name from duckdb_indexes()",
        "types": "select schema_name, type_name from duckdb_types() where not internal",
    }
    with duckdb.connect(str(path), read_only=True) as con:
        here = " database_name = current_database()"
        return {k: sorted(map(repr, con.execute(q + (" and" if " where " in q else " where") + here).fetchall()))
                for k, q in queries.items()}


def new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def edit_one_village(sheets_server) -> None:
    wb = sheets_server.get_workbook(KEYS["14.03.02.2008"])
    visits = next(s for s in wb["sheets"] if s["title"].strip().lower() == "kunjungan")
    visits["rows"].append(["Agustus 2014", 5, 5])            # one more (rejected) row
    sheets_server.put_workbook(wb)


def test_a_new_warehouse_is_published_as_a_copy_of_its_working_file(sync_env, sheets_server, tmp_path):
    work = Settings.from_env().working_file
    assert nightly_sync()["villages_failed"] == 0
    assert version_of(work) == version_of(sync_env) == PUBLISHED_STORAGE_VERSION
    edit_one_village(sheets_server)
    assert nightly_sync()["villages_loaded"] == 1

    assert digest(sync_env) == digest(work)                  # the bytes of the checkpointed file
    assert not sync_env.with_name(sync_env.name + ".wal").exists()
    assert not list(sync_env.parent.glob("*.partial*"))
    assert stat.S_IMODE(sync_env.stat().st_mode) == new_file_mode()
    assert stat.S_IMODE(work.stat().st_mode) == 0o600
    # what the table-by-table snapshot holds, the copy holds: every report view, row for row
    by_table = tmp_path / "by_table.duckdb"
    _write_snapshot(work, by_table)
    published = report_rows(sync_env)
    assert len(published) >= 20 and published == report_rows(by_table)
    assert catalog(sync_env) == catalog(by_table)            # nothing more, nothing less to list
    assert sum(map(len, published.values())) > 1000


def test_a_working_file_of_another_storage_version_is_converted_once(sync_env, sheets_server):
    work = Settings.from_env().working_file
    nightly_sync()
    # the working file as an earlier release created it: DuckDB's own (newer) storage version
    old = work.with_name("old.duckdb")
    with duckdb.connect() as con:
        con.execute(f"attach '{work}' as work (read_only)")
        con.execute(f"attach '{old}' as old")
        con.execute("copy from database work to old")
    os.replace(old, work)
    assert version_of(work) != PUBLISHED_STORAGE_VERSION
    before = report_rows(sync_env)
    edit_one_village(sheets_server)

    assert nightly_sync()["villages_loaded"] == 1            # published table by table, then converted

    assert version_of(sync_env) == version_of(work) == PUBLISHED_STORAGE_VERSION
    assert stat.S_IMODE(work.stat().st_mode) == 0o600
    assert not list(work.parent.glob("*.converting*")) and not list(work.parent.glob("*.partial*"))
    after = report_rows(sync_env)
    assert after != before and len(after["rejected_rows"]) == len(before["rejected_rows"]) + 1
    assert nightly_sync()["villages_failed"] == 0            # and from now on, a copy
    assert digest(sync_env) == digest(work)
    runs = {"sync_runs", "villages", "village_quality"}                # say when the last run was
    assert {v: r for v, r in report_rows(sync_env).items() if v not in runs} == \
        {v: r for v, r in after.items() if v not in runs}
