"""`tpbis`: the one entry point for every job (contract section 2).

Prefect and other heavy imports happen inside commands so that `tpbis --help` is instant,
and Prefect is configured (offline, quiet) before it is first imported. Errors: commands raise
`tpbis.errors.UsageError` / `CannotRun`; `ErrorReportingGroup` turns them (and anything else)
into one line on stderr and the contract's exit code, with a traceback only under `--verbose`.
"""
from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer

from tpbis.commandline.errors import ErrorReportingGroup
from tpbis.errors import UsageError

app = typer.Typer(help="TPBIS reporting warehouse: village library sheets -> DuckDB -> reports.",
                  no_args_is_help=True, add_completion=False, cls=ErrorReportingGroup)

RegistryOpt = typer.Option(None, "--registry", envvar="TPBIS_REGISTRY", show_envvar=True,
                           show_default="config/villages.csv", help="Village registry CSV.")
WarehouseOpt = typer.Option(None, "--warehouse", envvar="TPBIS_WAREHOUSE", show_envvar=True,
                            show_default="data/tpbis.duckdb", help="Published warehouse file.")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version
        try:
            typer.echo(f"tpbis {version('tpbis-warehouse')}")
        except PackageNotFoundError:
            typer.echo("tpbis (not installed: run scripts/setup.sh)")
        raise typer.Exit(0)


@app.callback()
def main(show_version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                           help="Print the version and exit.")):
    """TPBIS reporting warehouse: village library sheets -> DuckDB -> reports."""


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


def warehouse_path(option: Optional[Path]) -> Path:
    """--warehouse, else TPBIS_WAREHOUSE, as an absolute path (messages name it unambiguously)."""
    from tpbis.settings import Settings
    return (option or Settings.from_env().warehouse).absolute()


def as_of_timestamp(day: Optional[str]) -> Optional[datetime]:
    """`--as-of 2023-01-15` means: as known at the end of that day in Riau (WIB)."""
    from tpbis.asof import as_of_timestamp as parse
    return parse(day)


def check_before_sync(registry: Optional[Path], warehouse: Optional[Path], accept_removals: bool = False) -> None:
    """The registry checks of contract section 2, before Prefect is even imported: a bad
    registry, or one that drops too many villages, stops here (exit 2) with nothing touched."""
    from tpbis.registry import check_registry, check_removals, registered_in_warehouse
    from tpbis.settings import Settings
    settings = Settings.from_env().with_(registry=registry, warehouse=warehouse)
    villages = check_registry(settings.registry, settings.config_dir)
    if not settings.is_local and not (settings.credentials_file and Path(settings.credentials_file).is_file()):
        where = f"({Path(settings.credentials_file).absolute()} is not a file)" if settings.credentials_file else ""
        raise UsageError(f"a service-account key file is needed for {settings.sheets_api_url}: set "
                         f"TPBIS_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS {where}".strip())
    check_removals(settings.registry, villages, registered_in_warehouse(settings.warehouse),
                   settings.max_removed_share, accept_removals)


def run_sync(registry: Optional[Path], warehouse: Optional[Path], full: bool, verbose: bool,
             write_back: bool = False, accept_removals: bool = False) -> dict:
    check_before_sync(registry, warehouse, accept_removals)
    configure_prefect(verbose)
    from flows.nightly_sync import nightly_sync
    if not verbose:
        from tpbis.commandline.errors import hide_prefect_error_logs
        hide_prefect_error_logs()
    state = nightly_sync(registry_path=str(registry) if registry else None,
                         warehouse_path=str(warehouse) if warehouse else None, full=full, write_back=write_back,
                         accept_removals=accept_removals, return_state=True)
    summary = state.result(raise_on_failure=False)
    if not isinstance(summary, dict):       # the run crashed before its summary: raise why
        state.result()
        raise RuntimeError(f"nightly-sync ended {state.name}: {state.message}")
    return summary


@app.command()
def sync(registry: Optional[Path] = RegistryOpt, warehouse: Optional[Path] = WarehouseOpt,
         full: bool = typer.Option(False, "--full", help="Re-read every sheet, modified or not (compares content hashes)."),
         write_back: bool = typer.Option(False, "--write-back", help="Write each village's validation results to a 'Validasi' tab of its sheet."),
         verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's logs (and tracebacks of errors)."),
         as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
         accept_removals: bool = typer.Option(False, "--accept-removals", help="Let the registry drop more than TPBIS_MAX_REMOVED_SHARE of the registered villages."),
         quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display, only the summary.")):
    """Run the nightly sync once, now. Exit 0 when every village synced or was unchanged, 1 otherwise."""
    from tpbis.cli_progress import display
    from tpbis.shutdown import Terminated, exit_now, signals_as_exception
    from tpbis.sync import format_summary
    check_before_sync(registry, warehouse, accept_removals)     # a refusal prints nothing but its line
    try:
        with signals_as_exception(), display(quiet or as_json):
            summary = run_sync(registry, warehouse, full, verbose, write_back, accept_removals)
    except (Terminated, KeyboardInterrupt) as e:   # SIGTERM/SIGHUP/Ctrl-C: no orphan Prefect server
        exit_now(f"Error: tpbis sync stopped by {e or 'Ctrl-C'}; the published warehouse is unchanged, "
                 "the next sync re-reads what was not loaded.")
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
def sheets_server(data: Path = typer.Option(None, "--data", show_default="the 17 sample villages", help="Folder of workbook JSON files."),
                  host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback)."),
                  port: int = typer.Option(8765, help="Port.")):
    """Run the local Sheets v4 / Drive v3 compatible server until Ctrl-C."""
    from tpbis import sample
    from tpbis.errors import CannotRun
    from tpbis.sheets_server import serve_forever
    folder = data or sample.sample_dir(Path("data") / "sample-sheets")
    try:
        serve_forever(folder, host, port)
    except OSError as e:            # the port is taken, or the address is not this machine's
        raise CannotRun(f"cannot listen on {host}:{port}: {e.strerror or e}") from e


@app.command()
def sql(query: Optional[str] = typer.Argument(None, help="One SQL query; without it, an interactive shell."),
        warehouse: Optional[Path] = WarehouseOpt,
        as_of: Optional[str] = typer.Option(None, "--as-of", help="Show the state as known at the end of this day (YYYY-MM-DD)."),
        csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table.")):
    """Query the published warehouse read-only (a shell, or one query)."""
    from tpbis.warehouse import open_reader
    import duckdb
    from tpbis.asof import check_known
    path = warehouse_path(warehouse)
    try:
        con = open_reader(path, as_of_timestamp(as_of))
        check_known(con, as_of_timestamp(as_of), path)
    except (FileNotFoundError, ValueError) as e:
        raise UsageError(str(e)) from e
    if query:
        try:
            _print_query(con, query, csv)
        except duckdb.Error as e:         # a query that cannot run is bad usage: nothing changed
            raise UsageError(str(e)) from e
        return
    from tpbis.sql_shell import run_shell
    typer.echo(f"{Path(path).resolve()} (read-only). End statements with ';'. .help for commands, .quit to leave.")
    run_shell(con, lambda q: _print_query(con, q, csv), typer.echo, lambda m: typer.echo(m, err=True),
              interactive=sys.stdin.isatty())


def _print_query(con, query: str, csv: bool) -> None:
    rel = con.sql(query)
    if rel is None:
        return
    if csv:
        _write_csv(rel)
    else:
        rel.show(max_rows=200, max_width=200)


@app.command()
def replay(warehouse: Optional[Path] = WarehouseOpt, registry: Optional[Path] = RegistryOpt,
           quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display.")):
    """Rebuild the loaded (core) tables from the raw cells already landed, without Google."""
    from tpbis.replay import replay_all
    from tpbis.settings import Settings
    from tpbis.cli_progress import display
    settings = Settings.from_env().with_(warehouse=warehouse_path(warehouse), registry=registry)
    if not settings.warehouse.exists() and not settings.working_file.exists():
        raise UsageError(f"No warehouse at {settings.warehouse}: nothing to replay (run `tpbis sync` first)")
    with display(quiet, job="replay", starting="reading the raw cells already landed"):
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
            warehouse: Optional[Path] = WarehouseOpt,
            provisional: bool = typer.Option(False, "--provisional", help="Allow a quarter that has not ended; every sheet is labelled SEMENTARA."),
            quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display.")):
    """Write the quarterly extract: per province and kabupaten, an .xlsx workbook plus CSV and Parquet."""
    from tpbis.asof import JAKARTA, check_known, check_quarter_ended
    from tpbis.cli_progress import display
    from tpbis.extract import Quarter, write_extract
    from tpbis.warehouse import open_reader
    path = warehouse_path(warehouse)
    try:
        q = Quarter.parse(quarter)
        check_quarter_ended(q, datetime.now(JAKARTA).date(), provisional)
        moment = as_of_timestamp(as_of)
        if moment is not None:
            con = open_reader(path)
            try:
                check_known(con, moment, path)
            finally:
                con.close()
        with display(quiet, job="extract", starting=f"{q}: reading the warehouse, then writing workbooks, CSV and Parquet per scope"):
            files = write_extract(path, q, out.absolute(), as_of=moment, kabupaten=kabupaten, provisional=provisional,
                                  csv_locale=csv_locale)
    except (ValueError, FileNotFoundError) as e:   # a bad quarter/date, unknown kabupaten, no warehouse
        raise UsageError(str(e)) from e
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
           as_json: bool = typer.Option(False, "--json", help="Print JSON (an array of rows, numbers unrounded)."),
           warehouse: Optional[Path] = WarehouseOpt):
    """Print a report view as a table (ratios as percentages), CSV or JSON, filtered by quarter and kabupaten."""
    from tpbis.asof import check_known
    from tpbis.report_query import ReportError, as_json as rows_json, build_report_query, for_people
    from tpbis.warehouse import open_reader
    path = warehouse_path(warehouse)
    try:
        con = open_reader(path, as_of_timestamp(as_of))
        check_known(con, as_of_timestamp(as_of), path)
        query, params = build_report_query(con, name, quarter, kabupaten)
    except (ReportError, ValueError, FileNotFoundError) as e:
        raise UsageError(str(e)) from e
    if as_json:
        typer.echo(rows_json(con.sql(query, params=params)))
    elif csv:
        _write_csv(con.sql(query, params=params))
    else:
        for_people(con, query, params).show(max_rows=limit, max_width=100_000)


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
    """Serve the scheduled deployments (nightly-sync/nightly-served, quarterly-extract/quarterly-served) until Ctrl-C."""
    configure_prefect(verbose=True)
    from prefect.settings import PREFECT_API_URL
    if not PREFECT_API_URL.value():
        raise UsageError("set PREFECT_API_URL (a `prefect server start`, e.g. http://127.0.0.1:4200/api, "
                         "or `prefect cloud login`): schedules need a server that outlives this process.")
    from flows.deployments import serve_all
    serve_all(paused=paused, limit=limit)


template_app = typer.Typer(help="The village report workbook: create a new village's sheet, check a sheet's drift.",
                           no_args_is_help=True, cls=ErrorReportingGroup)
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
        raise UsageError(str(e)) from e


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
        raise UsageError(str(e)) from e
    if as_json:
        typer.echo(json.dumps({"spreadsheet_key": key, "findings": [asdict(f) for f in findings]}, indent=2))
    else:
        typer.echo(f"{key}: {format_findings(findings)}")
    raise typer.Exit(1 if any(f.severity in ("error", "warning") for f in findings) else 0)


@app.command("check-access")
def check_access(registry: Optional[Path] = RegistryOpt,
                 as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")):
    """Check that the service account can read every registered sheet and that each matches the template.

    Exit 0 when all are ok, 1 when any needs action (not shared, deleted, drifted), 2 on bad usage.
    """
    from tpbis.errors import TpbisError
    from tpbis.google.access import as_json as access_json, check_access as run_check, format_table
    from tpbis.registry import RegistryError, read_registry
    from tpbis.settings import Settings
    settings = Settings.from_env().with_(registry=registry)
    try:
        email, results = run_check(settings, read_registry(settings.registry))
    except (RegistryError, TpbisError, ValueError) as e:
        typer.echo(f"Error: {e}", err=True)
        raise typer.Exit(getattr(e, "exit_code", 2))
    typer.echo(json.dumps(access_json(email, results), indent=2) if as_json else format_table(email, results))
    raise typer.Exit(1 if any(r.needs_action for r in results) else 0)


# --- the province portal (tpbis/portal/commands.py) ---
from tpbis.portal.commands import dashboard as _dashboard, users_app as _users_app  # noqa: E402
app.command("dashboard")(_dashboard)
app.add_typer(_users_app, name="users")


if __name__ == "__main__":
    app()
