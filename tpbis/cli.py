"""`tpbis`: the one entry point for every job (contract section 2).

Prefect and other heavy imports happen inside commands so that `tpbis --help` is instant,
and Prefect is configured (offline, quiet) before it is first imported.
"""
from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import typer

app = typer.Typer(help="TPBIS reporting warehouse: village library sheets -> DuckDB -> reports.",
                  no_args_is_help=True, add_completion=False)

RegistryOpt = typer.Option(None, "--registry", help="Village registry CSV [env TPBIS_REGISTRY; default config/villages.csv].")
WarehouseOpt = typer.Option(None, "--warehouse", help="Published warehouse file [env TPBIS_WAREHOUSE; default data/tpbis.duckdb].")


def configure_prefect(verbose: bool = False) -> None:
    """Offline, quiet Prefect with an ephemeral server unless PREFECT_API_URL is set."""
    defaults = {
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "INFO" if verbose else "WARNING",
        "PREFECT_LOGGING_LOG_PRINTS": "false",
    }
    for k, v in defaults.items():
        os.environ.setdefault(k, v)


def as_of_timestamp(day: Optional[str]) -> Optional[datetime]:
    """`--as-of 2023-01-15` means: as known at the end of that day in Riau (WIB)."""
    if not day:
        return None
    d = date.fromisoformat(day)
    return datetime.combine(d + timedelta(days=1), dtime(0), ZoneInfo("Asia/Jakarta")) - timedelta(microseconds=1)


def run_sync(registry: Optional[Path], warehouse: Optional[Path], full: bool, verbose: bool,
             write_back: bool = False) -> dict:
    configure_prefect(verbose)
    from flows.nightly_sync import nightly_sync
    return nightly_sync(registry_path=str(registry) if registry else None,
                        warehouse_path=str(warehouse) if warehouse else None, full=full, write_back=write_back)


@app.command()
def sync(registry: Optional[Path] = RegistryOpt, warehouse: Optional[Path] = WarehouseOpt,
         full: bool = typer.Option(False, "--full", help="Re-read every sheet, modified or not (compares content hashes)."),
         write_back: bool = typer.Option(False, "--write-back", help="Write each village's validation results to a 'Validasi' tab of its sheet."),
         verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's logs."),
         as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON.")):
    """Run the nightly sync once, now. Exit 0 when every village synced or was unchanged, 1 otherwise."""
    from tpbis.sync import format_summary
    summary = run_sync(registry, warehouse, full, verbose, write_back)
    typer.echo(json.dumps(summary, indent=2, default=str) if as_json else format_summary(summary))
    raise typer.Exit(0 if summary["villages_failed"] == 0 else 1)


@app.command()
def demo(workdir: Path = typer.Option(Path("data"), help="Where the sample sheets and the warehouse go."),
         verbose: bool = typer.Option(False, "--verbose", "-v")):
    """Serve the 17 sample Bengkalis villages locally, sync them, print a province summary."""
    from tpbis import sample
    from tpbis.settings import CONFIG_DIR
    from tpbis.sheets_server import SheetsServer
    from tpbis.sync import format_summary
    from tpbis.summary import province_summary

    sheets_dir = sample.sample_dir(workdir / "sample-sheets")
    warehouse = workdir / "tpbis.duckdb"
    with SheetsServer(data_dir=sheets_dir) as server:
        os.environ["TPBIS_SHEETS_API_URL"] = server.url
        os.environ["TPBIS_DRIVE_API_URL"] = server.url
        # The local server has no Google quota; pace like a project with a raised quota.
        os.environ.setdefault("TPBIS_SHEETS_READS_PER_MINUTE", "6000")
        typer.echo(f"Local Sheets server with {len(list(sheets_dir.glob('*.json')))} sample sheets at {server.url}")
        summary = run_sync(CONFIG_DIR / "villages.csv", warehouse, False, verbose)
    typer.echo(format_summary(summary))
    typer.echo("")
    typer.echo(province_summary(warehouse))
    typer.echo(f"\nWarehouse: {warehouse}  (try: tpbis sql \"select * from report.quarterly_indicators limit 5\")")
    raise typer.Exit(0 if summary["villages_failed"] == 0 else 1)


@app.command("sheets-server")
def sheets_server(data: Path = typer.Option(None, "--data", help="Folder of workbook JSON files [default: the sample]."),
                  host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback)."),
                  port: int = typer.Option(8765, help="Port.")):
    """Run the local Sheets v4 / Drive v3 compatible server until Ctrl-C."""
    from tpbis import sample
    from tpbis.sheets_server import serve_forever
    serve_forever(data or sample.sample_dir(Path("data") / "sample-sheets"), host, port)


@app.command()
def sql(query: Optional[str] = typer.Argument(None, help="One SQL query; without it, an interactive shell."),
        warehouse: Optional[Path] = WarehouseOpt,
        as_of: Optional[str] = typer.Option(None, "--as-of", help="Show the state as known at the end of this day (YYYY-MM-DD)."),
        csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table.")):
    """Query the published warehouse read-only (a shell, or one query)."""
    from tpbis.settings import Settings
    from tpbis.warehouse import open_reader
    import duckdb
    path = warehouse or Settings.from_env().warehouse
    try:
        con = open_reader(path, as_of_timestamp(as_of))
    except (FileNotFoundError, ValueError) as e:
        typer.echo(f"Error: {e}", err=True)
        raise typer.Exit(2)
    if query:
        try:
            _print_query(con, query, csv)
        except duckdb.Error as e:
            typer.echo(f"Error: {e}", err=True)
            raise typer.Exit(1)
        return
    typer.echo(f"{path} (read-only). End statements with ';'. Ctrl-D to quit. Try: from report.villages;")
    buffer = ""
    while True:
        try:
            line = input("tpbis> " if not buffer else "   ...> ")
        except EOFError:
            typer.echo("")
            return
        buffer += line + "\n"
        if buffer.strip().endswith(";"):
            try:
                _print_query(con, buffer, csv)
            except Exception as e:  # a typo in the shell is not fatal
                typer.echo(f"Error: {e}", err=True)
            buffer = ""


def _print_query(con, query: str, csv: bool) -> None:
    rel = con.sql(query)
    if rel is None:
        return
    if csv:
        _write_csv(rel)
    else:
        rel.show(max_rows=200, max_width=200)


@app.command()
def replay(warehouse: Optional[Path] = WarehouseOpt, registry: Optional[Path] = RegistryOpt):
    """Rebuild the loaded (core) tables from the raw cells already landed, without Google."""
    from tpbis.replay import replay_all
    from tpbis.settings import Settings
    settings = Settings.from_env().with_(warehouse=warehouse, registry=registry)
    n = replay_all(settings)
    typer.echo(f"Replayed {n} fetches into {settings.warehouse}")


@app.command()
def sample(out: Path = typer.Option(Path("data/sample-sheets"), help="Folder to write the sample workbooks to.")):
    """Write the deterministic sample workbooks (17 Bengkalis villages) as JSON files."""
    from tpbis import sample as sample_mod
    typer.echo(str(sample_mod.sample_dir(out)))



@app.command()
def extract(quarter: str = typer.Option(..., "--quarter", help="Quarter to report, e.g. 2022Q4."),
            as_of: Optional[str] = typer.Option(None, "--as-of", help="Regenerate what was known at the end of this day (YYYY-MM-DD, WIB)."),
            kabupaten: Optional[str] = typer.Option(None, "--kabupaten", help="Only this kabupaten/kota's files (e.g. Bengkalis, 'Kota Pekanbaru')."),
            out: Path = typer.Option(Path("data/extracts"), "--out", help="Folder for the files (one folder per quarter and scope inside)."),
            csv_locale: Optional[str] = typer.Option(None, "--csv-locale", help="'id': CSV for Indonesian Excel (';' separator, decimal comma)."),
            warehouse: Optional[Path] = WarehouseOpt):
    """Write the quarterly extract: per province and kabupaten, an .xlsx workbook plus CSV and Parquet."""
    from tpbis.extract import Quarter, UnknownKabupaten, write_extract
    from tpbis.settings import Settings
    try:
        q = Quarter.parse(quarter)
        files = write_extract(warehouse or Settings.from_env().warehouse, q, out,
                              as_of=as_of_timestamp(as_of), kabupaten=kabupaten, csv_locale=csv_locale)
    except (ValueError, FileNotFoundError) as e:   # a bad quarter/date, unknown kabupaten, no warehouse
        typer.echo(f"Error: {e}", err=True)
        raise typer.Exit(2)
    for path in files:
        if path.suffix == ".xlsx":
            typer.echo(str(path))
    typer.echo(f"{len(files)} files in {out / str(q)} ({sum(p.suffix == '.xlsx' for p in files)} workbooks, "
               f"with CSV and Parquet copies of every table)")


@app.command()
def report(name: str = typer.Argument(..., help="A report view, e.g. quarterly_kabupaten (see docs/reports.md)."),
           quarter: Optional[str] = typer.Option(None, "--quarter", help="Only this quarter, e.g. 2022Q4."),
           kabupaten: Optional[str] = typer.Option(None, "--kabupaten", help="Only this kabupaten/kota."),
           as_of: Optional[str] = typer.Option(None, "--as-of", help="The state known at the end of this day (YYYY-MM-DD)."),
           limit: int = typer.Option(200, "--limit", help="Rows shown in the table (CSV prints all)."),
           csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
           warehouse: Optional[Path] = WarehouseOpt):
    """Print a report view as a table (or CSV), filtered by quarter and kabupaten."""
    from tpbis.report_query import ReportError, build_report_query
    from tpbis.settings import Settings
    from tpbis.warehouse import open_reader
    try:
        con = open_reader(warehouse or Settings.from_env().warehouse, as_of_timestamp(as_of))
        query, params = build_report_query(con, name, quarter, kabupaten)
    except (ReportError, ValueError, FileNotFoundError) as e:
        typer.echo(f"Error: {e}", err=True)
        raise typer.Exit(2)
    rel = con.sql(query, params=params)
    if csv:
        _write_csv(rel)
    else:
        rel.show(max_rows=limit, max_width=100_000)


def _write_csv(rel) -> None:
    """CSV on stdout; text from a sheet never becomes a formula when opened in Excel."""
    import csv as csv_module
    from tpbis.flat_files import safe_text
    writer = csv_module.writer(sys.stdout, lineterminator="\n")
    writer.writerow(rel.columns)
    for row in rel.fetchall():
        writer.writerow(["" if v is None else safe_text(v) if isinstance(v, str) else v for v in row])


@app.command()
def serve(paused: bool = typer.Option(False, "--paused", help="Register the schedules paused (runs only when triggered)."),
          limit: Optional[int] = typer.Option(None, "--limit", help="At most this many runs at once.")):
    """Serve the scheduled deployments (nightly-sync/nightly, quarterly-extract/quarterly) until Ctrl-C."""
    configure_prefect(verbose=True)
    from prefect.settings import PREFECT_API_URL
    if not PREFECT_API_URL.value():
        typer.echo("Error: set PREFECT_API_URL (a `prefect server start`, e.g. http://127.0.0.1:4200/api, "
                   "or `prefect cloud login`): schedules need a server that outlives this process.", err=True)
        raise typer.Exit(2)
    from flows.deployments import serve_all
    serve_all(paused=paused, limit=limit)


template_app = typer.Typer(help="The village report workbook: create a new village's sheet, check a sheet's drift.",
                           no_args_is_help=True)
app.add_typer(template_app, name="template")


@template_app.command("create")
def template_create(
        kode_desa: str = typer.Option(..., "--kode-desa", help="Kemendagri code of the desa, e.g. 14.03.02.2008."),
        desa: Optional[str] = typer.Option(None, "--desa", help="Desa name (needed when the registry does not have it)."),
        kecamatan: Optional[str] = typer.Option(None, "--kecamatan", help="Kecamatan (default: from config/regions.csv)."),
        kabupaten: Optional[str] = typer.Option(None, "--kabupaten", help="Kabupaten/kota (default: from config/regions.csv)."),
        kelompok: str = typer.Option("calon_replikasi_mandiri", "--kelompok", help="Cohort of a new village."),
        tahun: Optional[int] = typer.Option(None, "--tahun", help="Cohort year, and the year of the months prefilled in Kunjungan (default: this year)."),
        folder: Optional[str] = typer.Option(None, "--folder", help="Drive folder id (in a shared drive) to create the sheet in."),
        xlsx: Optional[Path] = typer.Option(None, "--xlsx", help="Offline: write the template to this .xlsx instead (registry unchanged)."),
        replace_key: bool = typer.Option(False, "--replace-key", help="The village has a sheet already: create a new one and point the registry at it."),
        registry: Optional[Path] = RegistryOpt):
    """Create a village's report workbook from the template (Google, or --xlsx) and add its key to the registry."""
    from tpbis.settings import Settings
    from tpbis.template import TemplateError, create_command
    try:
        typer.echo(create_command(Settings.from_env().with_(registry=registry), kode_desa,
                                  names={"desa": desa, "kecamatan": kecamatan, "kabupaten": kabupaten},
                                  kelompok=kelompok, year=tahun, folder=folder, xlsx=xlsx, replace=replace_key))
    except TemplateError as e:
        typer.echo(f"Error: {e}", err=True)
        raise typer.Exit(2)


@template_app.command("check")
def template_check(kode_desa: Optional[str] = typer.Option(None, "--kode-desa", help="Village whose sheet to check (its key from the registry)."),
                   key: Optional[str] = typer.Option(None, "--key", help="Or the spreadsheet key itself."),
                   registry: Optional[Path] = RegistryOpt,
                   as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
                   all_villages: bool = typer.Option(False, "--all", help="Check every registered village (paced), as a table.")):
    """Report how far a sheet has drifted from the template. Exit 1 on errors or warnings, 0 otherwise."""
    from dataclasses import asdict
    from tpbis.settings import Settings
    from tpbis.template import TemplateError, check_command, format_findings
    if all_villages:
        from tpbis.template_guard.check_all import check_all_command, format_all
        try:
            checks = check_all_command(Settings.from_env().with_(registry=registry))
        except TemplateError as e:
            typer.echo(f"Error: {e}", err=True)
            raise typer.Exit(2)
        typer.echo(json.dumps([asdict(c) for c in checks], indent=2) if as_json else format_all(checks))
        raise typer.Exit(1 if any(c.status == "tidak_terbaca" or c.count("error") + c.count("warning")
                                  for c in checks) else 0)
    try:
        key, findings = check_command(Settings.from_env().with_(registry=registry), kode_desa=kode_desa, key=key)
    except TemplateError as e:
        typer.echo(f"Error: {e}", err=True)
        raise typer.Exit(2)
    if as_json:
        typer.echo(json.dumps({"spreadsheet_key": key, "findings": [asdict(f) for f in findings]}, indent=2))
    else:
        typer.echo(f"{key}: {format_findings(findings)}")
    raise typer.Exit(1 if any(f.severity in ("error", "warning") for f in findings) else 0)


if __name__ == "__main__":
    app()
