"""`tpbis demo`, `tpbis sheets-server` and `tpbis sample`: the project without Google."""
from __future__ import annotations

import os
from pathlib import Path

import typer

from tpbis.cli.syncing import check_before_sync, run_sync


def demo(workdir: Path = typer.Option(Path("data"), help="Where the sample sheets and the warehouse go."),
         verbose: bool = typer.Option(False, "--verbose", "-v")):
    """Serve the 17 sample Bengkalis villages locally, sync them, print a province summary."""
    from tpbis.local_sheets import sample
    from tpbis.settings import CONFIG_DIR
    from tpbis.local_sheets.server import SheetsServer
    from tpbis.sync.steps import format_summary
    from tpbis.cli.summary import province_summary

    sheets_dir = sample.sample_dir(workdir / "sample-sheets")
    warehouse = workdir / "tpbis.duckdb"
    with SheetsServer(data_dir=sheets_dir) as server:
        os.environ["TPBIS_SHEETS_API_URL"] = server.url
        os.environ["TPBIS_DRIVE_API_URL"] = server.url
        # The local server has no Google quota; pace like a project with a raised quota.
        os.environ.setdefault("TPBIS_SHEETS_READS_PER_MINUTE", "6000")
        typer.echo(f"Local Sheets server with {len(list(sheets_dir.glob('*.json')))} sample sheets at {server.url}")
        check_before_sync(CONFIG_DIR / "villages.csv", warehouse)
        summary = run_sync(CONFIG_DIR / "villages.csv", warehouse, False, verbose)
    typer.echo(format_summary(summary))
    typer.echo("")
    typer.echo(province_summary(warehouse))
    typer.echo(f"\nWarehouse: {warehouse}  (try: tpbis sql \"select * from report.quarterly_indicators limit 5\")")
    raise typer.Exit(0 if summary["villages_failed"] == 0 else 1)


def sheets_server(data: Path = typer.Option(None, "--data", show_default="the 17 sample villages", help="Folder of workbook JSON files."),
                  host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback)."),
                  port: int = typer.Option(8765, help="Port.")):
    """Run the local Sheets v4 / Drive v3 compatible server until Ctrl-C."""
    from tpbis.local_sheets import sample
    from tpbis.errors import CannotRun
    from tpbis.local_sheets.server import serve_forever
    folder = data or sample.sample_dir(Path("data") / "sample-sheets")
    try:
        serve_forever(folder, host, port)
    except OSError as e:            # the port is taken, or the address is not this machine's
        raise CannotRun(f"cannot listen on {host}:{port}: {e.strerror or e}") from e


def sample(out: Path = typer.Option(Path("data/sample-sheets"), help="Folder to write the sample workbooks to.")):
    """Write the deterministic sample workbooks (17 Bengkalis villages) as JSON files."""
    from tpbis.local_sheets import sample as sample_mod
    typer.echo(str(sample_mod.sample_dir(out)))
