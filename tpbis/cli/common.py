"""What the commands of `tpbis` share: the --registry / --warehouse options, Prefect's
configuration, the warehouse path."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

RegistryOpt = typer.Option(None, "--registry", envvar="TPBIS_REGISTRY", show_envvar=True,
                           show_default="config/villages.csv", help="Village registry CSV.")
WarehouseOpt = typer.Option(None, "--warehouse", envvar="TPBIS_WAREHOUSE", show_envvar=True,
                            show_default="data/tpbis.duckdb", help="Published warehouse file.")


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


# what Prefect reads for the seconds between a flow run's heartbeats (its legacy name too)
HEARTBEAT_VARIABLES = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")


@contextmanager
def run_settings(server=None):
    """Prefect's settings for one flow run started by a command (`tpbis sync`, `tpbis local`):
    its API the command's own temporary `server` when there is one (tpbis.cli.prefect_server,
    waited for here), and no heartbeats when the run's server is a temporary one, unless asked
    for.

    Why no heartbeats: they let a lasting Prefect server mark a run whose process died as
    crashed. A temporary server ends with the run, so nobody could read them, and they cost
    every run up to a second at its end: Prefect 3.9 ends a run by joining the heartbeat
    thread, which sleeps in 1-second steps (a warm 1-village sync took 1.1 s for a 0.4 s
    body). With PREFECT_API_URL configured (a `prefect server start`, Prefect Cloud, `tpbis
    serve`) or PREFECT_FLOWS_HEARTBEAT_FREQUENCY set, Prefect's own setting stands.

    Links to the temporary server's pages are not logged (PREFECT_UI_URL empty): it serves
    no pages, and is gone when the command ends.
    """
    from prefect.settings import (PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, PREFECT_UI_URL,
                                  temporary_settings)
    updates: dict = {}
    if server is not None:
        server.wait_ready()
        updates.update({PREFECT_API_URL: server.api_url, PREFECT_UI_URL: ""})
    elif PREFECT_API_URL.value():
        yield
        return
    if not any(name in os.environ for name in HEARTBEAT_VARIABLES):
        updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
    if not updates:
        yield
        return
    with temporary_settings(updates=updates):
        yield


def warehouse_path(option: Optional[Path]) -> Path:
    """--warehouse, else TPBIS_WAREHOUSE, as an absolute path (messages name it unambiguously)."""
    from tpbis.settings import Settings
    return (option or Settings.from_env().warehouse).absolute()
