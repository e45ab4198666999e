"""`tpbis sql`, `tpbis report` and `tpbis extract`: reading the published warehouse."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from tpbis.cli.common import WarehouseOpt, warehouse_path
from tpbis.errors import UsageError
from tpbis.warehouse.asof import as_of_timestamp


def sql(query: Optional[str] = typer.Argument(None, help="One SQL query; without it, an interactive shell."),
        warehouse: Optional[Path] = WarehouseOpt,
        as_of: Optional[str] = typer.Option(None, "--as-of", help="Show the state as known at the end of this day (YYYY-MM-DD)."),
        csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table.")):
    """Query the published warehouse read-only (a shell, or one query)."""
    from tpbis.warehouse.snapshot import open_reader
    import duckdb
    from tpbis.warehouse.asof import check_known
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
    from tpbis.cli.sql_shell import run_shell
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


def extract(quarter: str = typer.Option(..., "--quarter", help="Quarter to report, e.g. 2022Q4."),
            as_of: Optional[str] = typer.Option(None, "--as-of", help="Regenerate what was known at the end of this day (YYYY-MM-DD, WIB)."),
            kabupaten: Optional[str] = typer.Option(None, "--kabupaten", help="Only this kabupaten/kota's files (e.g. Bengkalis, 'Kota Pekanbaru')."),
            out: Path = typer.Option(Path("data/extracts"), "--out", help="Folder for the files (one folder per quarter and scope inside)."),
            csv_locale: Optional[str] = typer.Option(None, "--csv-locale", help="'id': CSV for Indonesian Excel (';' separator, decimal comma)."),
            warehouse: Optional[Path] = WarehouseOpt,
            provisional: bool = typer.Option(False, "--provisional", help="Allow a quarter that has not ended; every sheet is labelled SEMENTARA."),
            quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display.")):
    """Write the quarterly extract: per province and kabupaten, an .xlsx workbook plus CSV and Parquet."""
    from tpbis.warehouse.asof import check_known, check_quarter_ended
    from tpbis.wib import Quarter, today
    from tpbis.cli.progress import display
    from tpbis.extract.write import write_extract
    from tpbis.warehouse.snapshot import open_reader
    path = warehouse_path(warehouse)
    try:
        q = Quarter.parse(quarter)
        check_quarter_ended(q, today(), provisional)
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


def report(name: str = typer.Argument(..., help="A report view, e.g. quarterly_kabupaten (see docs/reports.md)."),
           quarter: Optional[str] = typer.Option(None, "--quarter", help="Only this quarter, e.g. 2022Q4."),
           kabupaten: Optional[str] = typer.Option(None, "--kabupaten", help="Only this kabupaten/kota."),
           as_of: Optional[str] = typer.Option(None, "--as-of", help="The state known at the end of this day (YYYY-MM-DD)."),
           limit: int = typer.Option(200, "--limit", help="Rows shown in the table (CSV prints all)."),
           csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
           as_json: bool = typer.Option(False, "--json", help="Print JSON (an array of rows, numbers unrounded)."),
           warehouse: Optional[Path] = WarehouseOpt):
    """Print a report view as a table (ratios as percentages), CSV or JSON, filtered by quarter and kabupaten."""
    from tpbis.warehouse.asof import check_known
    from tpbis.warehouse.report_query import ReportError, as_json as rows_json, build_report_query, for_people
    from tpbis.warehouse.snapshot import open_reader
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
    from tpbis.extract.flat_files import safe_text
    writer = csv_module.writer(sys.stdout, lineterminator="\n")
    writer.writerow(rel.columns)
    for row in rel.fetchall():
        writer.writerow(["" if v is None else safe_text(v) if isinstance(v, str) else v for v in row])
