"""The portal reads the published snapshot read-only, with external access disabled, and
sees a newly published snapshot (os.replace, as the sync publishes) without a restart."""
from __future__ import annotations

import os
import shutil

import duckdb
import pytest
from fastapi.testclient import TestClient

from tests.portal.conftest import login, make_app
from tpbis.errors import UsageError
from tpbis.portal.snapshot import Warehouse

NEW_VILLAGE = "14.03.03.2077"


def publish_with_new_village(published, desa: str, spreadsheet_key: str) -> None:
    """A new snapshot with NEW_VILLAGE added, published the sync's way: build a new file next
    to the published one, then os.replace it over that."""
    work = published.with_name("next.duckdb")
    shutil.copy(published, work)
    con = duckdb.connect(str(work))
    con.execute("insert into core.villages values (?, ?, 'Bukit Batu', 'Bengkalis', 'Riau', 'replikasi', 2026, ?)",
                [NEW_VILLAGE, desa, spreadsheet_key])
    con.execute("checkpoint")
    con.close()
    os.replace(work, published)


def test_new_snapshot_is_seen_without_restart(portal_files, tmp_path):
    published = tmp_path / "tpbis.duckdb"
    shutil.copy(portal_files["warehouse"], published)
    app = make_app({**portal_files, "warehouse": published, "cache": tmp_path / "cache"}, trusted_proxies=frozenset())
    with TestClient(app) as client:
        login(client, "bengkalis")
        assert NEW_VILLAGE not in client.get("/desa").text
        downloads_before = client.get("/unduh/2023Q4").text
        publish_with_new_village(published, "Desa Baru Tujuh", "key-baru")
        listing = client.get("/desa").text
        assert NEW_VILLAGE in listing and "Desa Baru Tujuh" in listing
        assert client.get(f"/desa/{NEW_VILLAGE}").status_code == 200
        assert client.get("/unduh/2023Q4").status_code == 200
        assert downloads_before                                         # both generated, per snapshot
        snapshots = [p.name for p in (tmp_path / "cache").iterdir()]
        assert len(snapshots) == 1                                      # the old snapshot's files are gone


def test_connection_cannot_read_or_attach_files(portal_files, tmp_path):
    wh = Warehouse(portal_files["warehouse"])
    try:
        wh.snapshot_id()
        secret = tmp_path / "secret.csv"
        secret.write_text("a\n1\n")
        for query in (f"select * from read_csv('{secret}')", f"attach '{tmp_path / 'x.duckdb'}' as x",
                      f"copy (select 1) to '{tmp_path / 'out.csv'}'"):
            with pytest.raises(duckdb.Error):
                wh._con.execute(query)
        with pytest.raises(duckdb.Error):
            wh._con.execute("create table core.x as select 1")        # read-only
    finally:
        wh.close()


def test_refuses_the_sync_working_file_and_a_missing_warehouse(tmp_path):
    with pytest.raises(UsageError, match="private working file"):
        Warehouse(tmp_path / "tpbis.sync.duckdb")
    with pytest.raises(UsageError, match=str(tmp_path / "none.duckdb")):
        Warehouse(tmp_path / "none.duckdb").snapshot_id()


def test_watch_prepares_a_new_snapshot_in_the_background(portal_files, tmp_path):
    import threading
    published = tmp_path / "tpbis.duckdb"
    shutil.copy(portal_files["warehouse"], published)
    wh = Warehouse(published)
    calls = []
    ready = threading.Event()
    wh.watch(every_seconds=0.05, on_new=lambda: (calls.append(wh.stamp.id), ready.set()))
    try:
        assert ready.wait(30)
        first = calls[0]
        ready.clear()
        publish_with_new_village(published, "Desa Baru", "key-baru-2")
        assert ready.wait(30)
        assert calls[-1] != first and len(set(calls)) == 2
        assert NEW_VILLAGE in {r["kode_desa"] for r in wh.rows("quality", prefix="14.03.", quarter_index=8095, limit=50)}
    finally:
        wh.close()
