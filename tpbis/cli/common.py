"""What the commands of `tpbis` share: the --registry / --warehouse options, Prefect's
configuration, the warehouse path."""
from __future__ import annotations

import os
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


def warehouse_path(option: Optional[Path]) -> Path:
    """--warehouse, else TPBIS_WAREHOUSE, as an absolute path (messages name it unambiguously)."""
    from tpbis.settings import Settings
    return (option or Settings.from_env().warehouse).absolute()
