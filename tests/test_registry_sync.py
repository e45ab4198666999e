"""The registry's names and removals through a real sync (local Sheets server, gspread, DuckDB,
a Prefect flow run) and the extract after it: issue 12 items 3 and 4, as the issue found them."""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.nightly_sync import nightly_sync
from tpbis.cli.main import app
from tpbis.registry import RegistryError
from tpbis.settings import CONFIG_DIR
from tests.helpers import query

pytestmark = pytest.mark.usefixtures("prefect_harness")


def write_registry(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def sample_rows() -> list[dict]:
    with (CONFIG_DIR / "villages.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_three_spellings_of_bengkalis_are_one_region_one_extract_and_removals_are_guarded(sync_env, tmp_path):
    rows = sample_rows()
    spellings = ["Bengkalis", "Kab. Bengkalis", " BENGKALIS"]
    for i, row in enumerate(rows):
        row["kabupaten"] = spellings[i % 3]
    registry = write_registry(tmp_path / "villages.csv", rows)

    summary = nightly_sync(registry_path=str(registry))
    assert summary["villages_failed"] == 0
    assert query(sync_env, "select kabupaten, count(*) from report.villages group by all") == [("Bengkalis", 17)]
    assert query(sync_env, "select distinct kabupaten from report.quarterly_indicators") == [("Bengkalis",)]

    # the extract: one kab-bengkalis workbook with all 17 villages, written once
    out = tmp_path / "extract"
    result = CliRunner().invoke(app, ["extract", "--quarter", "2022Q4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.rglob("*.xlsx")) == ["laporan-triwulan-2022Q4-kab-bengkalis.xlsx",
                                                         "laporan-triwulan-2022Q4-provinsi-riau.xlsx"]
    villages = pq.read_table(out / "2022Q4" / "kab-bengkalis" / "laporan-triwulan-2022Q4-kab-bengkalis.parquet").column("kode_desa").to_pylist()
    assert sorted(villages) == sorted(r["kode_desa"] for r in rows)
    # --kabupaten as people type it, or the code
    for wanted in ("14.03", "kab. BENGKALIS", "Kabupaten Bengkalis"):
        one = tmp_path / f"one-{wanted}"
        result = CliRunner().invoke(app, ["extract", "--quarter", "2022Q4", "--kabupaten", wanted, "--out", str(one)])
        assert result.exit_code == 0, result.output
        assert [p.name for p in one.rglob("*.xlsx")] == ["laporan-triwulan-2022Q4-kab-bengkalis.xlsx"]

    # a registry that loses 3 of 17 villages (18 % > TPBIS_MAX_REMOVED_SHARE 10 %) is refused ...
    smaller = write_registry(tmp_path / "smaller.csv", rows[3:])
    result = CliRunner().invoke(app, ["sync", "--registry", str(smaller)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {smaller}: 3 of 17 registered villages would disappear ({', '.join(sorted(r['kode_desa'] for r in rows[:3]))}); "
        "more than TPBIS_MAX_REMOVED_SHARE=0.1. If that is intended, run `tpbis sync --accept-removals`; "
        "otherwise fix the registry"]
    assert query(sync_env, "select count(*) from report.villages") == [(17,)]
    # ... by the flow too (a deployment run never passes through the command line) ...
    with pytest.raises(RegistryError, match="3 of 17 registered villages would disappear"):
        nightly_sync(registry_path=str(smaller))
    assert query(sync_env, "select count(*) from report.villages") == [(17,)]
    # ... unless the operator says so
    result = CliRunner().invoke(app, ["sync", "--registry", str(smaller), "--accept-removals"])
    assert result.exit_code == 0, result.output
    assert query(sync_env, "select count(*) from report.villages") == [(14,)]


def test_an_error_inside_the_flow_is_still_one_line_from_the_command(tmp_path):
    """The command line checks the published warehouse; the flow checks the working file. With
    only a working file (a first sync that never published), the flow refuses the removals, and
    `tpbis sync` shows that as one line: Prefect's ERROR logs and tracebacks stay in Prefect."""
    import os
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL
    from tpbis.warehouse.store import apply_schema
    rows = sample_rows()
    warehouse = tmp_path / "wh" / "tpbis.duckdb"
    warehouse.parent.mkdir()
    con = duckdb.connect(str(warehouse.with_name("tpbis.sync.duckdb")))
    apply_schema(con)
    con.executemany("insert into core.villages (kode_desa, desa) values (?, ?)",
                    [(r["kode_desa"], r["desa"]) for r in rows])
    con.close()
    smaller = write_registry(tmp_path / "smaller.csv", rows[5:])
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "TPBIS_SHEETS_API_URL": "http://127.0.0.1:9",
           "TPBIS_DRIVE_API_URL": "http://127.0.0.1:9", "PREFECT_LOGGING_LEVEL": "INFO"}
    done = subprocess.run([sys.executable, "-m", "tpbis.cli", "sync", "--registry", str(smaller),
                           "--warehouse", str(warehouse)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "| ERROR" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
    assert errors == [f"Error: {smaller}: 5 of 17 registered villages would disappear "
                      f"({', '.join(sorted(r['kode_desa'] for r in rows[:5])[:3])}, ...); more than "
                      "TPBIS_MAX_REMOVED_SHARE=0.1. If that is intended, run `tpbis sync --accept-removals`; "
                      "otherwise fix the registry"], done.stderr
    assert not warehouse.exists()
