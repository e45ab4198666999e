"""`tpbis template create/check` and `tpbis check-access`: the villages' own spreadsheets."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from tpbis.cli.common import RegistryOpt
from tpbis.cli.errors import ErrorReportingGroup
from tpbis.errors import UsageError


template_app = typer.Typer(help="The village report workbook: create a new village's sheet, check a sheet's drift.",
                           no_args_is_help=True, cls=ErrorReportingGroup)


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
    from tpbis.village_sheets.new_village import create_command
    from tpbis.village_sheets.template import TemplateError
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
    from tpbis.village_sheets.drift import check_command, format_findings
    from tpbis.village_sheets.template import TemplateError
    if all_villages:
        from tpbis.village_sheets.guard.check_all import check_all_command, format_all
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
