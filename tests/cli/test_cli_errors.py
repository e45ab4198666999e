"""Every command reports errors as ONE line on stderr with the contract's exit code (section 2:
2 bad usage or configuration, 3 could not run; 4 here for a bug), a traceback only with
`--verbose`, and paths in messages absolute."""
from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from tpbis.cli.main import app
from tpbis.cli.errors import INTERNAL_ERROR, ErrorReportingGroup
from tpbis.errors import CannotRun, UsageError


def invoke(args, application=app, **kwargs):
    return CliRunner().invoke(application, args, **kwargs)


def one_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# --- the framework, with errors other modules raise ---------------------------------------

probe = typer.Typer(cls=ErrorReportingGroup)


@probe.command()
def busy():
    raise CannotRun("another sync is running on /srv/tpbis/data/tpbis.sync.duckdb")


@probe.command()
def misconfigured():
    raise UsageError("TPBIS_CHUNK_SIZE must be a whole number")


@probe.command()
def bug():
    {}["missing"]


@probe.command()
def fine(verbose: bool = typer.Option(False, "--verbose", "-v")):
    typer.echo(f"verbose={verbose}")


def test_cannot_run_is_exit_3_in_one_line():
    result = invoke(["busy"], probe)
    assert result.exit_code == 3
    assert one_line(result) == "Error: another sync is running on /srv/tpbis/data/tpbis.sync.duckdb"


def test_usage_error_is_exit_2_in_one_line():
    result = invoke(["misconfigured"], probe)
    assert (result.exit_code, one_line(result)) == (2, "Error: TPBIS_CHUNK_SIZE must be a whole number")


def test_an_unexpected_exception_is_an_internal_error():
    result = invoke(["bug"], probe)
    assert result.exit_code == INTERNAL_ERROR == 3
    assert one_line(result) == "Error: internal error: KeyError: 'missing' (run with --verbose for details)"


def test_verbose_is_added_to_every_command_and_shows_the_traceback():
    result = invoke(["busy", "--verbose"], probe)
    assert result.exit_code == 3
    assert "Traceback" in result.stderr and result.stderr.splitlines()[-1].startswith("Error: another sync")
    # a command's own --verbose still reaches it
    assert invoke(["fine", "-v"], probe).stdout == "verbose=True\n"


# --- the real commands ------------------------------------------------------------------------

def test_extract_without_a_warehouse_names_its_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(["extract", "--quarter", "2022Q4", "--warehouse", "data/tpbis.duckdb"])
    assert result.exit_code == 2
    assert one_line(result) == f"Error: No warehouse at {tmp_path / 'data' / 'tpbis.duckdb'}: run `tpbis sync` first."
    assert not (tmp_path / "data").exists()


def test_the_default_warehouse_is_named_absolutely_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TPBIS_WAREHOUSE", raising=False)
    for args in (["sql", "select 1"], ["report", "villages"]):
        result = invoke(args)
        assert result.exit_code == 2
        assert str(tmp_path / "data" / "tpbis.duckdb") in one_line(result)


def test_bad_options_are_one_line_exit_2(tmp_path):
    cases = {
        ("extract",): "Error: Missing option '--quarter'. (see 'root extract --help')",
        ("extract", "--quarter", "2022Q4", "--bogus"): "No such option: --bogus",
        ("nosuchcommand",): "No such command 'nosuchcommand'",
        ("extract", "--quarter", "2022-10", "--warehouse", str(tmp_path / "x.duckdb")): "2022Q4",
        ("sql", "select 1", "--as-of", "2023-13-01"): "--as-of must be a day written YYYY-MM-DD (e.g. 2023-01-15), not '2023-13-01'",
        ("template", "check"): "Error: give --kode-desa or --key",
    }
    for args, words in cases.items():
        result = invoke(list(args))
        assert result.exit_code == 2, (args, result.output)
        assert words in one_line(result), args


def test_sync_with_a_missing_registry_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(["sync", "--registry", "config/villages.csv"])
    assert result.exit_code == 2
    assert one_line(result) == (f"Error: Registry not found: {tmp_path / 'config' / 'villages.csv'} "
                                "(give --registry PATH or set TPBIS_REGISTRY)")


def test_help_still_works_and_exits_0():
    assert invoke(["--help"]).exit_code == 0
    assert "--verbose" in invoke(["extract", "--help"]).stdout
    assert "--accept-removals" in invoke(["sync", "--help"]).stdout


def test_a_taken_port_is_could_not_run(tmp_path):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke(["sheets-server", "--data", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 3
    assert one_line(result) == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_a_missing_region_reference_is_a_configuration_error(tmp_path):
    from tpbis.registry import RegistryError, check_registry
    from tpbis.settings import CONFIG_DIR
    with pytest.raises(UsageError, match=f"Region reference cannot be read: {tmp_path / 'regions.csv'}"):
        check_registry(CONFIG_DIR / "villages.csv", tmp_path)
    assert issubclass(RegistryError, UsageError)


def test_replay_without_a_warehouse_creates_nothing(tmp_path):
    result = invoke(["replay", "--warehouse", str(tmp_path / "none" / "tpbis.duckdb")])
    assert result.exit_code == 2
    assert one_line(result) == (f"Error: No warehouse at {tmp_path / 'none' / 'tpbis.duckdb'}: nothing to replay "
                                "(run `tpbis sync` first)")
    assert not (tmp_path / "none").exists()
