"""The run report: pure builders, the per-village query on a hand-made warehouse, and the
artifacts a real sync publishes (prefect_test_harness, local Sheets server)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd
import pytest

from tpbis.notify import run_report
from tpbis.notify.run_report import failed_table, summary_markdown
from tpbis.warehouse.store import apply_schema

T0 = datetime(2026, 11, 1, 18, 0, tzinfo=timezone.utc)


def make_summary(**over) -> dict:
    s = {"run_id": "run-2", "status": "partial", "villages_synced": 3, "villages_loaded": 2,
         "villages_unchanged": 1, "villages_skipped": 12, "villages_failed": 2, "rows_loaded": 345,
         "rows_rejected": 7, "sheets_reads": 5, "http_429": 1, "seconds": 12.3,
         "failed": [{"kode_desa": "14.03.02.2008", "desa": "Jangkang", "reason": "permission_denied",
                     "message": "Tidak ada izin | bagikan ke akun layanan"},
                    {"kode_desa": "14.03.01.2020", "desa": None, "reason": "unreadable_sheet",
                     "message": "Tab Kunjungan:\nkolom Bulan tidak ditemukan"}],
         "message": "14.03.02.2008 permission_denied; 14.03.01.2020 unreadable_sheet"}
    s.update(over)
    return s


def test_markdown_has_every_figure_and_each_failed_village_with_why():
    md = summary_markdown(make_summary())
    assert md.startswith("# Nightly sync: partial")
    for row in ["| villages synced | 3 |", "| villages skipped (not modified) | 12 |", "| villages failed | 2 |",
                "| rows loaded | 345 |", "| rows rejected (see `report.rejected_rows`) | 7 |",
                "| Sheets reads used | 5 |", "| time | 12.3 s |"]:
        assert row in md
    assert "## Failed villages (2)" in md
    # a | or a newline in a message must not break the markdown table
    assert "| 14.03.02.2008 | Jangkang | permission_denied | Tidak ada izin \\| bagikan ke akun layanan |" in md
    assert "| 14.03.01.2020 |  | unreadable_sheet | Tab Kunjungan: kolom Bulan tidak ditemukan |" in md


def test_markdown_says_when_nothing_failed():
    md = summary_markdown(make_summary(status="success", villages_failed=0, failed=[]))
    assert "No village failed." in md and "Failed villages" not in md


def counts_frame() -> pd.DataFrame:
    return pd.DataFrame([
        {"kode_desa": "14.03.02.2008", "desa": "Jangkang", "kabupaten": "Bengkalis", "status": "failed",
         "reason": "permission_denied", "message": "m", "sheets_reads": 1, "rows_read": 0, "rows_loaded": 0,
         "rows_rejected": 0, "top_reasons": None},
        {"kode_desa": "14.03.01.2001", "desa": "A", "kabupaten": "Bengkalis", "status": "loaded", "reason": None,
         "message": None, "sheets_reads": 1, "rows_read": 50, "rows_loaded": 48, "rows_rejected": 2,
         "top_reasons": "before_2015 (2)"},
        {"kode_desa": "14.03.01.2002", "desa": "B", "kabupaten": "Bengkalis", "status": "loaded", "reason": None,
         "message": None, "sheets_reads": 1, "rows_read": 60, "rows_loaded": 55, "rows_rejected": 5,
         "top_reasons": "not_a_number (3), negative_count (2)"},
        {"kode_desa": "14.03.01.2003", "desa": "C", "kabupaten": "Bengkalis", "status": "loaded", "reason": None,
         "message": None, "sheets_reads": 1, "rows_read": 9, "rows_loaded": 9, "rows_rejected": 0,
         "top_reasons": float("nan")},
    ])


def test_table_lists_failed_first_then_most_rejected_and_leaves_clean_villages_out():
    rows = failed_table(make_summary(), counts_frame())
    assert [r["kode_desa"] for r in rows] == ["14.03.01.2020", "14.03.02.2008", "14.03.01.2002", "14.03.01.2001"]
    assert rows[2]["rows_rejected"] == 5 and rows[2]["top_reasons"] == "not_a_number (3), negative_count (2)"
    # a failed village missing from the counts still appears, from the summary
    assert rows[0]["status"] == "failed" and rows[0]["reason"] == "unreadable_sheet"
    assert set(rows[0]) == set(run_report.TABLE_COLUMNS)
    json.dumps(rows)                           # plain JSON values only (no numpy, no NaN)
    assert all(isinstance(r["rows_rejected"], int) for r in rows)


def test_table_is_empty_for_a_clean_run():
    clean = counts_frame().iloc[[3]]
    assert failed_table(make_summary(failed=[]), clean) == []
    assert failed_table(make_summary(failed=[]), pd.DataFrame()) == []


# --- the per-village query ----------------------------------------------------------------

def small_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    apply_schema(con)
    con.executemany("insert into core.villages (kode_desa, desa, kabupaten) values (?, ?, ?)",
                    [("A", "Alpha", "Bengkalis"), ("B", "Beta", "Bengkalis"), ("C", "Gamma", "Kota Dumai")])
    for i, run in enumerate(["run-1", "run-2"]):
        con.execute("insert into core.runs (run_id, started_at, status, full_sweep) values (?, ?, 'success', false)",
                    [run, T0 + timedelta(days=i)])
    runs = [("run-1", "A", "loaded", None, 40, 38, 2), ("run-1", "B", "loaded", None, 10, 10, 0),
            ("run-2", "A", "loaded", None, 41, 38, 3), ("run-2", "B", "failed", "not_found", 0, 0, 0),
            ("run-2", "C", "skipped", None, None, None, None)]
    con.executemany("""insert into core.village_runs (run_id, kode_desa, status, reason, message, sheets_reads,
                       rows_read, rows_loaded, rows_rejected) values (?, ?, ?, ?, 'msg', 1, ?, ?, ?)""", runs)
    rejections = [  # kode, row, reason, valid_to (closed = an earlier state, not counted)
        ("A", 5, "before_2015", None), ("A", 6, "before_2015", None), ("A", 7, "not_a_number", None),
        ("A", 7, "negative_count", None),                                # one row, two problems
        ("A", 9, "duplicate_month", T0 + timedelta(days=1)),
    ]
    con.executemany("""insert into core.rejections (kode_desa, tab, row_number, reason, row_hash, valid_from,
                       valid_to, loaded_run) values (?, 'Kunjungan', ?, ?, 0, ?, ?, 'run-1')""",
                    [(k, r, reason, T0, to) for k, r, reason, to in rejections])
    return con


def test_village_counts_for_one_run():
    con = small_warehouse()
    counts = run_report.village_counts(con, "run-2")
    assert list(counts["kode_desa"]) == ["B", "A"]                      # failed first; skipped C left out
    a = counts.set_index("kode_desa").loc["A"]
    assert (a["status"], a["rows_loaded"], a["rows_rejected"], a["desa"]) == ("loaded", 38, 3, "Alpha")
    assert a["top_reasons"] == "before_2015 (2), negative_count (1), not_a_number (1)"
    b = counts.set_index("kode_desa").loc["B"]
    assert b["reason"] == "not_found" and pd.isna(b["top_reasons"])
    assert list(run_report.village_counts(con, "run-1")["kode_desa"]) == ["A", "B"]


def test_publish_never_raises_and_logs_why(caplog):
    broken = duckdb.connect()                                  # no schema: the query fails
    with caplog.at_level("WARNING", logger="tpbis.notify.run_report"):
        run_report.publish(broken, make_summary())
    assert "Run report artifacts not published" in caplog.text


# --- a real sync publishes both artifacts -------------------------------------------------

def read_artifacts(flow_run_id: str) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {a.key: a for a in arts}


@pytest.mark.usefixtures("prefect_harness")
def test_sync_publishes_summary_and_table_artifacts(sync_env, sheets_server):
    from flows.nightly_sync import nightly_sync
    from tpbis.registry import read_registry
    from tpbis.settings import CONFIG_DIR
    registry = read_registry(CONFIG_DIR / "villages.csv")
    kode, key = registry.iloc[0]["kode_desa"], registry.iloc[0]["spreadsheet_key"]
    sheets_server.faults.status(key, 403)
    summary = nightly_sync()
    arts = read_artifacts(summary["run_id"])
    assert set(arts) == {"nightly-sync-summary", "nightly-sync-villages"}
    md = arts["nightly-sync-summary"].data
    assert md == summary_markdown(summary)
    assert "| villages failed | 1 |" in md and kode in md and "permission_denied" in md
    table = arts["nightly-sync-villages"].data
    table = json.loads(table) if isinstance(table, str) else table
    assert table[0]["kode_desa"] == kode and table[0]["status"] == "failed"
    assert [r["kode_desa"] for r in table if r["status"] == "failed"] == [kode]
    assert sum(r["rows_rejected"] for r in table) == summary["rows_rejected"] > 0
