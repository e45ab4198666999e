"""When the sync's working file is checkpointed: by the WAL's real size while chunks load
(tpbis.warehouse.workfile.checkpoints_by_wal_size), never because DuckDB over-estimates a
commit that closes the current rows of villages spread over an old warehouse."""
from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from tpbis.warehouse import workfile

ESTIMATED_OVER = 1_000_000       # DuckDB estimates the commit below past this; it writes ~80 KB


def old_warehouse(path: Path, villages: int = 2000, months: int = 24):
    """A working file whose activities are villages x months x 3 current rows, in village order
    (as a first sync leaves them), opened as a sync opens it."""
    con = workfile.open_working_file(path)
    con.execute("""insert into core.activities (activity_no, activity_date, title, kode_desa, row_hash, valid_from,
                                                loaded_run)
                   select a::varchar, date '2024-01-01' + to_months(m), 'Kegiatan ' || a, printf('14.03.50.%04d', v),
                          hash(v, m, a)::varchar, timestamptz '2025-01-01 01:00:00+00', 'first'
                   from range(?) t(v), range(?) s(m), range(3) u(a)""", [villages, months])
    con.execute("checkpoint")
    return con, [f"14.03.50.{v:04d}" for v in range(villages)]


def close_spread_villages(con, codes: list[str], seed: int) -> list[str]:
    """One transaction, as a chunk's load: the current rows of 12 villages picked over the
    whole file are closed."""
    picked = random.Random(seed).sample(codes, 12)
    con.execute("begin transaction")
    con.register("stage_villages", pd.DataFrame({"kode_desa": picked}))
    con.execute("""update core.activities set valid_to = now(), replaced_run = 'night'
                   where valid_to is null and kode_desa in (select kode_desa from stage_villages)""")
    con.unregister("stage_villages")
    con.execute("commit")
    return picked


def wal_bytes(path: Path) -> int:
    wal = Path(f"{path}.wal")
    return wal.stat().st_size if wal.exists() else 0


def test_closing_spread_villages_checkpoints_only_by_the_wals_real_size_while_chunks_load(tmp_path, monkeypatch):
    monkeypatch.setattr(workfile, "CHECKPOINT_BYTES", ESTIMATED_OVER)
    path = tmp_path / "work.duckdb"
    con, codes = old_warehouse(path)
    try:
        closed = set(close_spread_villages(con, codes, seed=1))     # DuckDB's own rule: its estimate
        assert wal_bytes(path) == 0, "DuckDB no longer over-estimates this commit: the test shows nothing"

        with workfile.checkpoints_by_wal_size(con):
            for seed in (2, 3, 4):
                closed |= set(close_spread_villages(con, codes, seed))
                assert workfile.checkpoint_past_threshold(con) is False
            kept = wal_bytes(path)
            assert 0 < kept < ESTIMATED_OVER                      # three commits kept in the WAL

            monkeypatch.setattr(workfile, "CHECKPOINT_BYTES", kept - 1)
            assert workfile.checkpoint_past_threshold(con) is True
            assert wal_bytes(path) == 0                           # past the real size: checkpointed
        rows = con.execute("select kode_desa, count(*) from core.activities where replaced_run = 'night' group by all"
                           ).fetchall()
        assert {code for code, _ in rows} == closed and all(n == 24 * 3 for _, n in rows)   # nothing lost
    finally:
        con.close()


def test_the_threshold_comes_back_after_the_chunks_even_when_a_load_fails(tmp_path):
    con, _ = old_warehouse(tmp_path / "work.duckdb", villages=10, months=1)
    setting = "select current_setting('checkpoint_threshold')"
    try:
        before = con.execute(setting).fetchall()
        with pytest.raises(RuntimeError):
            with workfile.checkpoints_by_wal_size(con):
                assert con.execute(setting).fetchall() != before
                raise RuntimeError("a load failed")
        assert con.execute(setting).fetchall() == before
    finally:
        con.close()
