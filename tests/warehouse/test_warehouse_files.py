"""The warehouse files under stress: a damaged working file, a second sync, a full disk, and
what a run that met failures is called. Real DuckDB files, a real second process, a real
(tiny) tmpfs, the real flow."""
from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.nightly_sync import nightly_sync
from tpbis.errors import CannotRun
from tpbis.settings import Settings
from tpbis.warehouse.snapshot import open_reader
from tests.helpers import KEYS

pytestmark = pytest.mark.usefixtures("prefect_harness")
VIEWS = ["villages", "monthly_visits", "activities", "benefits", "rejected_rows"]


def snapshot(path: Path) -> dict:
    con = open_reader(path)
    try:
        return {v: sorted(map(repr, con.execute(f"select * exclude (last_synced_at) from report.{v}"
                                                if v == "villages" else f"select * from report.{v}").fetchall()))
                for v in VIEWS}
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _damage(work: Path, how: str) -> None:
    good = work.read_bytes()
    work.with_name(work.name + ".wal").unlink(missing_ok=True)
    if how == "garbage":
        work.write_bytes(os.urandom(300_000))
    elif how == "truncated":
        work.write_bytes(good[: len(good) // 3])
    else:  # another program's file
        work.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4080)


@pytest.mark.parametrize("how", ["garbage", "truncated", "other_program"])
def test_a_damaged_working_file_is_moved_aside_and_rebuilt_from_the_snapshot(sync_env, how):
    nightly_sync()
    work = Settings.from_env().working_file
    before = snapshot(sync_env)
    _damage(work, how)
    damaged = digest(work)

    summary = nightly_sync()

    assert summary["villages_failed"] == 0
    assert snapshot(sync_env) == before
    kept = list(work.parent.glob(work.name + ".damaged-*"))
    assert [digest(p) for p in kept if not p.name.endswith(".wal")] == [damaged]   # kept for a post-mortem
    assert stat.S_IMODE(work.stat().st_mode) == 0o600


def test_a_damaged_working_file_without_a_snapshot_cannot_run(sync_env):
    work = Settings.from_env().working_file
    work.parent.mkdir(parents=True)
    work.write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(CannotRun) as err:
        nightly_sync()
    message = str(err.value)
    assert "\n" not in message and str(work.resolve()) in message
    assert work.read_bytes() == b"\x00garbage" * 1000          # left where it is, untouched
    assert not sync_env.exists()


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
"""


def test_a_second_sync_says_another_sync_is_running(sync_env):
    nightly_sync()
    work = Settings.from_env().working_file
    published = digest(sync_env)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(work)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(CannotRun) as err:
            nightly_sync()
        assert str(err.value) == f"another sync is running (holds {work.resolve()})"
        assert CannotRun.exit_code == 3
        assert digest(sync_env) == published
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert nightly_sync()["villages_failed"] == 0             # free again: the next one runs


def test_failures_among_skipped_villages_make_a_partial_run(sync_env, sheets_server):
    nightly_sync()
    failing = KEYS["14.03.02.2010"]
    sheets_server.put_workbook(sheets_server.get_workbook(failing))    # edited: it will be read
    sheets_server.faults.status(failing, 403)
    summary = nightly_sync()
    assert (summary["villages_skipped"], summary["villages_failed"]) == (16, 1)
    assert summary["status"] == "partial"
    con = open_reader(sync_env)
    try:
        assert con.execute("select status from report.sync_runs order by started_at desc limit 1"
                           ).fetchone() == ("partial",)
    finally:
        con.close()
    for key in KEYS.values():
        sheets_server.faults.status(key, 404)
    sheets_server.wire.drive_status(500, times=None)                 # nothing listed: all read, all fail
    assert nightly_sync(return_state=True).result(raise_on_failure=False)["status"] == "failed"   # a Failed state


@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(mnt: Path, leave: int) -> Path:
    """Fill the disk until `leave` bytes are free."""
    filler = mnt / "filler"
    free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
    with open(filler, "wb") as f:
        f.write(b"\x00" * max(0, free - leave))
    return filler


# free space left: 64 KiB fails opening the working file, 1 MiB its checkpoint, 6 MiB the copy
# that publishes it (measured with the sample; each path must end the same way)
@pytest.mark.parametrize("leave", [64 * 1024, 1024 * 1024, 6 * 1024 * 1024])
def test_disk_full_is_one_line_and_the_previous_snapshot_stays(sync_env, sheets_server, tiny_disk,
                                                               monkeypatch, leave):
    warehouse = tiny_disk / "tpbis.duckdb"
    monkeypatch.setenv("TPBIS_WAREHOUSE", str(warehouse))
    nightly_sync()
    published, before = digest(warehouse), snapshot(warehouse)
    for key in KEYS.values():                                           # every village edited
        wb = sheets_server.get_workbook(key)
        visits = next(s for s in wb["sheets"] if s["title"].strip().lower() == "kunjungan")
        visits["rows"].append(["Agustus 2014", 5, 5])
        sheets_server.put_workbook(wb)
    filler = _fill(tiny_disk, leave)

    with pytest.raises(CannotRun) as err:
        nightly_sync(full=True)

    assert str(err.value) == f"disk full at {tiny_disk.resolve()}"
    assert digest(warehouse) == published and snapshot(warehouse) == before
    assert not list(tiny_disk.glob("*.partial*"))
    filler.unlink()                                                     # space again: it catches up
    summary = nightly_sync(full=True)
    assert summary["villages_failed"] == 0
    con = open_reader(warehouse)
    try:
        assert con.execute("select count(*) from report.rejected_rows where value = 'Agustus 2014'"
                           ).fetchone() == (17,)
    finally:
        con.close()


def test_disk_full_at_a_checkpoint_after_a_chunk_is_one_line_too(sync_env, sheets_server, tiny_disk, monkeypatch):
    """Every commit checkpoints (a big night's WAL): DuckDB's FATAL error ends the same way."""
    from tpbis.warehouse import workfile
    monkeypatch.setattr(workfile, "CHECKPOINT_BYTES", 1000)
    test_disk_full_is_one_line_and_the_previous_snapshot_stays(sync_env, sheets_server, tiny_disk, monkeypatch,
                                                               1024 * 1024)


def test_when_only_the_snapshots_raw_cells_survive_core_is_replayed_from_them(sync_env):
    nightly_sync()
    work = Settings.from_env().working_file
    before = snapshot(sync_env)
    _damage(work, "garbage")
    con = duckdb.connect(str(sync_env))                 # the published core is lost too
    con.execute("drop schema report cascade")
    con.execute("drop schema core cascade")
    con.execute("checkpoint")
    con.close()

    summary = nightly_sync()

    assert summary["villages_failed"] == 0
    assert summary["villages_skipped"] == 17            # the replayed sheet state knows every sheet
    assert snapshot(sync_env) == before
    assert len([p for p in work.parent.glob(work.name + ".damaged-*") if not p.name.endswith(".wal")]) == 1
