"""`tpbis`: the one entry point for every job (contract section 2).

Prefect and other heavy imports happen inside commands so that `tpbis --help` is instant,
and Prefect is configured (offline, quiet) before it is first imported. Errors: commands raise
`tpbis.errors.UsageError` / `CannotRun`; `ErrorReportingGroup` turns them (and anything else)
into one line on stderr and the contract's exit code, with a traceback only under `--verbose`.

Each group of commands lives in its own module (tpbis/cli/syncing.py, local.py, queries.py,
village_sheets.py, tpbis/portal/commands.py); this one puts them together, in help order.
"""
from __future__ import annotations

import typer

from tpbis.cli import local, queries, syncing, village_sheets
from tpbis.cli.errors import ErrorReportingGroup
from tpbis.portal.commands import dashboard, users_app

app = typer.Typer(help="TPBIS reporting warehouse: village library sheets -> DuckDB -> reports.",
                  no_args_is_help=True, add_completion=False, cls=ErrorReportingGroup)


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


# in the order `tpbis --help` lists them
app.command()(syncing.sync)
app.command()(local.demo)
app.command("sheets-server")(local.sheets_server)
app.command()(queries.sql)
app.command()(syncing.replay)
app.command()(local.sample)
app.command()(queries.extract)
app.command()(queries.report)
app.command()(syncing.serve)
app.add_typer(village_sheets.template_app, name="template")
app.command("check-access")(village_sheets.check_access)
app.command("dashboard")(dashboard)
app.add_typer(users_app, name="users")


if __name__ == "__main__":
    app()
