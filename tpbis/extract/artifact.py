"""The quarterly extract's Prefect artifacts: which files a run wrote, per scope.

  quarterly-extract-files   markdown: the quarter, then one row per scope (province, each
                            kabupaten): its workbook, how many files, their size
  quarterly-extract-scopes  table: the same rows, for the UI's table view and the API

Built from the file paths only (pure), so it is tested without Prefect; publishing never
fails a run whose files are written.
"""
from __future__ import annotations

import logging
from pathlib import Path

SUMMARY_KEY = "quarterly-extract-files"
TABLE_KEY = "quarterly-extract-scopes"

log = logging.getLogger(__name__)


def scope_rows(files: list[str]) -> list[dict]:
    """One row per scope: slug, workbook file name, number of files, total bytes, folder."""
    workbooks = sorted(Path(f) for f in files if f.endswith(".xlsx"))
    rows = []
    for wb in workbooks:
        stem = wb.stem
        mine = [Path(f) for f in files if Path(f).parent == wb.parent]     # each scope has its own folder
        rows.append({"scope": stem.split("-", 3)[3] if stem.count("-") >= 3 else stem,
                     "workbook": wb.name, "files": len(mine),
                     "bytes": sum(p.stat().st_size for p in mine if p.exists()),
                     "folder": str(wb.parent.resolve())})
    return rows


def summary_markdown(quarter: str, rows: list[dict]) -> str:
    lines = [f"# Laporan triwulan {quarter}", "",
             f"{sum(r['files'] for r in rows)} files for {len(rows)} scopes"
             + (f" in `{rows[0]['folder']}`" if rows else "") + ".", "",
             "| scope | workbook | files | size |", "|---|---|---:|---:|"]
    lines += [f"| {r['scope']} | `{r['workbook']}` | {r['files']} | {r['bytes'] / 1024:.0f} KiB |" for r in rows]
    return "\n".join(lines) + "\n"


def publish(quarter: str, files: list[str], logger=None) -> None:
    logger = logger or log
    try:
        from prefect.artifacts import create_markdown_artifact, create_table_artifact
        rows = scope_rows(files)
        create_markdown_artifact(markdown=summary_markdown(quarter, rows), key=SUMMARY_KEY,
                                 description=f"Laporan triwulan {quarter}: files written per scope")
        create_table_artifact(table=rows, key=TABLE_KEY, description=f"Laporan triwulan {quarter}, per scope")
    except Exception as e:
        logger.warning("Extract artifacts not published: %s: %s", type(e).__name__, e)
