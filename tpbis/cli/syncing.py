"""`tpbis sync`, `tpbis replay` and `tpbis serve`: the nightly sync, now or on its schedule."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from tpbis.cli.common import RegistryOpt, WarehouseOpt, configure_prefect, run_settings, warehouse_path
from tpbis.errors import UsageError


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
    """The nightly-sync flow, run once here; call `check_before_sync` first (before any output)."""
    configure_prefect(verbose)
    from tpbis.cli import prefect_server
    server = prefect_server.start_if_needed(verbose)    # it boots while the flow is imported
    from flows.nightly_sync import nightly_sync
    if not verbose:
        from tpbis.cli.errors import hide_prefect_error_logs
        hide_prefect_error_logs()
    with run_settings(server):
        state = nightly_sync(registry_path=str(registry) if registry else None,
                             warehouse_path=str(warehouse) if warehouse else None, full=full, write_back=write_back,
                             accept_removals=accept_removals, return_state=True)
    summary = state.result(raise_on_failure=False)
    if not isinstance(summary, dict):       # the run crashed before its summary: raise why
        state.result()
        raise RuntimeError(f"nightly-sync ended {state.name}: {state.message}")
    return summary


def sync(registry: Optional[Path] = RegistryOpt, warehouse: Optional[Path] = WarehouseOpt,
         full: bool = typer.Option(False, "--full", help="Re-read every sheet, modified or not (compares content hashes)."),
         write_back: bool = typer.Option(False, "--write-back", help="Write each village's validation results to a 'Validasi' tab of its sheet."),
         verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's logs (and tracebacks of errors)."),
         as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
         accept_removals: bool = typer.Option(False, "--accept-removals", help="Let the registry drop more than TPBIS_MAX_REMOVED_SHARE of the registered villages."),
         quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display, only the summary.")):
    """Run the nightly sync once, now. Exit 0 when every village synced or was unchanged, 1 otherwise."""
    from tpbis.cli.progress import display
    from tpbis.sync.shutdown import Terminated, exit_now, signals_as_exception
    from tpbis.sync.steps import format_summary
    check_before_sync(registry, warehouse, accept_removals)     # a refusal prints nothing but its line
    try:
        with signals_as_exception(), display(quiet or as_json):
            summary = run_sync(registry, warehouse, full, verbose, write_back, accept_removals)
    except (Terminated, KeyboardInterrupt) as e:   # SIGTERM/SIGHUP/Ctrl-C: no orphan Prefect server
        exit_now(f"Error: tpbis sync stopped by {e or 'Ctrl-C'}; the published warehouse is unchanged, "
                 "the next sync re-reads what was not loaded.")
    typer.echo(json.dumps(summary, indent=2, default=str) if as_json else format_summary(summary))
    raise typer.Exit(0 if summary["villages_failed"] == 0 else 1)


def replay(warehouse: Optional[Path] = WarehouseOpt, registry: Optional[Path] = RegistryOpt,
           quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display.")):
    """Rebuild the loaded (core) tables from the raw cells already landed, without Google."""
    from tpbis.sync.working_file import replay_all
    from tpbis.settings import Settings
    from tpbis.cli.progress import display
    settings = Settings.from_env().with_(warehouse=warehouse_path(warehouse), registry=registry)
    if not settings.warehouse.exists() and not settings.working_file.exists():
        raise UsageError(f"No warehouse at {settings.warehouse}: nothing to replay (run `tpbis sync` first)")
    with display(quiet, job="replay", starting="reading the raw cells already landed"):
        n = replay_all(settings)
    typer.echo(f"Replayed {n} fetches into {settings.warehouse}")


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
