"""The run report: what one nightly sync did, as Prefect artifacts people read in the UI.

Two artifacts per run, under stable keys so the UI shows their history night after night:
  nightly-sync-summary   markdown: status, villages synced / skipped / failed (with why),
                         rows loaded / rejected, Sheets reads used, time
  nightly-sync-villages  table: every village that failed or had rows rejected, with counts
                         and its most frequent rejection reasons

The builders are pure (summary dict + DataFrame in, text / rows out) so they are tested
without Prefect. They only ever read named keys of the summary: nothing from the
environment (credentials, webhook URLs) can end up in an artifact.
"""
from __future__ import annotations

import logging
import math

import pandas as pd

SUMMARY_KEY = "nightly-sync-summary"
TABLE_KEY = "nightly-sync-villages"
TABLE_COLUMNS = ["kode_desa", "desa", "kabupaten", "status", "reason", "message",
                 "rows_loaded", "rows_rejected", "top_reasons"]

log = logging.getLogger(__name__)


def village_counts(con, run_id: str) -> pd.DataFrame:
    """Per village read by this run: status, reason, rows loaded / rejected, top reasons."""
    from tpbis.warehouse.store import sql
    return con.execute(sql("queries/run_village_counts.sql"), {"run_id": run_id}).df()


def _cell(text) -> str:
    """Text safe inside a markdown table cell (a message may contain | or a newline)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def summary_markdown(summary: dict) -> str:
    """The markdown summary artifact: the same facts as `tpbis sync` prints."""
    s = summary
    lines = [
        f"# Nightly sync: {s['status']}",
        "",
        f"Run `{s['run_id']}`, {s['seconds']} s.",
        "",
        "| | |",
        "|---|---:|",
        f"| villages synced | {s['villages_synced']} |",
        f"| &nbsp;&nbsp;loaded (changed) | {s['villages_loaded']} |",
        f"| &nbsp;&nbsp;re-read, unchanged | {s['villages_unchanged']} |",
        f"| villages skipped (not modified) | {s['villages_skipped']} |",
        f"| villages failed | {s['villages_failed']} |",
        f"| rows loaded | {s['rows_loaded']} |",
        f"| rows rejected (see `report.rejected_rows`) | {s['rows_rejected']} |",
        f"| Sheets reads used | {s['sheets_reads']} |",
        f"| 429 (quota) answers | {s['http_429']} |",
        f"| time | {s['seconds']} s |",
    ]
    if s["failed"]:
        lines += ["", f"## Failed villages ({len(s['failed'])})", "",
                  "| kode_desa | desa | reason | message |", "|---|---|---|---|"]
        lines += [f"| {_cell(f['kode_desa'])} | {_cell(f.get('desa'))} | {_cell(f['reason'])} | {_cell(f['message'])} |"
                  for f in s["failed"]]
    else:
        lines += ["", "No village failed."]
    return "\n".join(lines) + "\n"


def _plain(value):
    """JSON-friendly: numpy numbers to Python, NaN/NA to None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):        # numpy scalar
        return _plain(value.item())
    return value


def failed_table(summary: dict, counts: pd.DataFrame) -> list[dict]:
    """Rows for the table artifact: failed villages first, then those with rejected rows.

    Every village in summary['failed'] is listed even if `counts` lacks it (the summary is
    what the run promised to report)."""
    rows: list[dict] = []
    seen: set[str] = set()
    if len(counts):
        keep = counts[(counts["status"] == "failed") | (counts["rows_rejected"] > 0)]
        for rec in keep.to_dict("records"):
            row = {c: _plain(rec.get(c)) for c in TABLE_COLUMNS}
            rows.append(row)
            seen.add(row["kode_desa"])
    for f in summary["failed"]:
        if f["kode_desa"] not in seen:
            rows.append({**dict.fromkeys(TABLE_COLUMNS), "kode_desa": f["kode_desa"], "desa": f.get("desa"),
                         "status": "failed", "reason": f["reason"], "message": f["message"],
                         "rows_loaded": 0, "rows_rejected": 0})
    rows.sort(key=lambda r: (r["status"] != "failed", -(r["rows_rejected"] or 0), r["kode_desa"]))
    return rows


def publish_run_artifacts(summary: dict, rejections_by_village: pd.DataFrame) -> None:
    """Create both artifacts in the current flow run (raises if Prefect refuses)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact
    create_markdown_artifact(markdown=summary_markdown(summary), key=SUMMARY_KEY,
                             description=f"Nightly sync {summary['status']}: villages, rows, Sheets reads, time")
    create_table_artifact(table=failed_table(summary, rejections_by_village), key=TABLE_KEY,
                          description="Villages that failed or had rows rejected in this run")


def publish(con, summary: dict, logger=None) -> None:
    """Query the per-village counts and publish the artifacts; a reporting problem is logged,
    never allowed to fail a sync whose data is already loaded."""
    logger = logger or log
    try:
        publish_run_artifacts(summary, village_counts(con, summary["run_id"]))
    except Exception as e:
        logger.warning("Run report artifacts not published: %s: %s", type(e).__name__, e)
