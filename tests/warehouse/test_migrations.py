"""A migration never creates versions: a warehouse built at every past schema, loaded the
way the code of that schema loaded it, upgraded to the current schema and resynced with
identical data gets zero new and zero closed row versions in every historied core table.

Real DuckDB files, the real local Sheets server, the real flow."""
from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pytest

from flows.nightly_sync import nightly_sync
from tpbis.google import sheets
from tpbis.sync import batches
from tpbis.sync import steps as sync
from tpbis.warehouse import store as warehouse
from tpbis.warehouse.snapshot import open_reader
from tpbis.registry import read_registry
from tpbis.settings import CONFIG_DIR, SQL_DIR, Settings
from transforms.reference import load_reference

pytestmark = pytest.mark.usefixtures("prefect_harness")

SCHEMA_FILES = sorted((SQL_DIR / "schema").glob("[0-9][0-9][0-9]_*.sql"))
LATEST = int(SCHEMA_FILES[-1].name[:3])
FIRST_HISTORIED = 3          # 003_history.sql creates the historied core tables

# How the code of each era computed row_hash while loading (sql/load/replace_current.sql then):
# text md5 of the staged row until schema 004; DuckDB's hash() of the staged values from 005
# until the hashes were taken over the stored (typed) values.
ERA_HASH = {
    "md5": "md5(cast(row({cols}) as varchar))",
    "hash64": "hash({cols})",
}
ERA_LOAD = """
create or replace temp table stage_hashed as select *, {hash} as row_hash from stage_rows;
insert into core.{table} by name
select s.*, $now as valid_from, null as valid_to, $run_id as loaded_run, null as replaced_run
from stage_hashed s;
"""


def _apply_schema_up_to(con, version: int) -> None:
    con.execute("create table main.schema_migrations (version integer primary key, name varchar not null, "
                "applied_at timestamptz not null default now())")
    for path in SCHEMA_FILES:
        if int(path.name[:3]) <= version:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("insert into main.schema_migrations (version, name) values (?, ?)",
                        [int(path.name[:3]), path.name])


def _build_old_warehouse(path, version: int) -> dict[str, int]:
    """A working file at schema `version`, holding every sample village as that era loaded it."""
    settings = Settings.from_env()
    villages = read_registry(CONFIG_DIR / "villages.csv").to_dict("records")
    fetched = sync.fetch_all(sheets.connect(settings), villages, workers=4)
    assert all(f.error is None for f in fetched)
    now = datetime(2026, 1, 5, 18, 0, tzinfo=timezone.utc)
    batch = batches.build_batch("old-run", now, fetched, {}, load_reference(CONFIG_DIR))
    era = "md5" if version < 5 else "hash64"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        _apply_schema_up_to(con, version)
        con.register("stage_fetches", batch.fetches)
        warehouse.run_script(con, warehouse.sql("load/raw_land.sql"),
                             {"now": now, "run_id": "old-run", "landed": []})   # a new file: nothing landed yet
        for table, columns in warehouse.HISTORIED.items():
            cols = ", ".join(warehouse._quote_ident(c) for c in columns)
            con.register("stage_rows", batch.tables[table])
            warehouse.run_script(con, ERA_LOAD.format(hash=ERA_HASH[era].format(cols=cols), table=table),
                                 {"now": now, "run_id": "old-run"})
            con.unregister("stage_rows")
        if era == "hash64":       # what open_writer of that era recorded
            con.execute("insert or replace into core.meta values ('row_hash_engine', ?)",
                        [f"hash64/duckdb-{duckdb.__version__}"])
        # sheet_state stays empty: the resync re-parses every sheet and compares every row
        # (as after the upgrade that broke, when the content hashes changed with the payload's
        # serialisation), instead of skipping unchanged content.
        return {t: con.execute(f"select count(*) from core.{t}").fetchone()[0] for t in warehouse.HISTORIED}
    finally:
        con.close()


@pytest.mark.parametrize("version", range(FIRST_HISTORIED, LATEST + 1))
def test_upgrade_and_identical_resync_create_no_versions(sync_env, version):
    work = Settings.from_env().working_file
    before = _build_old_warehouse(work, version)
    assert before["visits"] > 0 and before["activities"] > 0

    summary = nightly_sync(full=True)

    assert summary["villages_failed"] == 0
    assert summary["villages_loaded"] == 17          # every sheet really re-parsed and compared
    con = open_reader(sync_env)
    try:
        assert con.execute("select max(version) from main.schema_migrations").fetchone() == (LATEST,)
        for table in warehouse.HISTORIED:
            opened, closed, total = con.execute(
                f"select count(*) filter (loaded_run = $r), count(*) filter (replaced_run = $r), count(*) "
                f"from core.{table}", {"r": summary["run_id"]}).fetchone()
            assert (table, opened, closed, total) == (table, 0, 0, before[table])
        assert con.execute("select count(*) from report.monthly_visits").fetchone()[0] == before["visits"]
    finally:
        con.close()
