"""Every `tpbis` command reports an error the same way (contract section 2): ONE line on stderr,
`Error: ...`, and the exit code of its kind; the traceback only with `--verbose`.

| raised                                  | exit | line                                             |
|-----------------------------------------|------|--------------------------------------------------|
| tpbis.errors.UsageError (and subclasses) | 2    | `Error: <message>`                               |
| tpbis.errors.CannotRun                  | 3    | `Error: <message>`                               |
| click usage errors (bad option, ...)    | 2    | `Error: <message> (see 'tpbis CMD --help')`      |
| anything else (a bug)                   | 3    | `Error: internal error: <type>: <message> (...)` |

`ErrorReportingGroup` is the Typer group class of the app and of its sub-apps: it catches what
escapes a command, and gives every command a `--verbose` flag (commands that already have one
keep theirs, which then also shows tracebacks).
"""
from __future__ import annotations

import sys
import traceback

import typer
from typer.core import TyperGroup

try:                              # Typer >= 0.2x carries its own copy of click
    from typer._click import exceptions as cx
    from typer._click.core import Command, Context
except ImportError:               # pragma: no cover - older Typer on top of click
    from click import Command, Context
    from click import exceptions as cx

from tpbis.errors import TpbisError

INTERNAL_ERROR = 3   # contract section 2 has no code for a bug: it is "could not run"
VERBOSE = "tpbis.verbose"


def _remember_verbose(ctx: Context, param, value):
    if value:
        ctx.meta[VERBOSE] = True
    return value


def _verbose_option():
    """A `--verbose` flag as Typer builds it, passed to no function (only remembered)."""
    probe = typer.Typer()

    @probe.command()
    def probe_command(verbose: bool = typer.Option(False, "--verbose", help="On an error, show its traceback too.")):
        pass

    option = next(p for p in typer.main.get_command(probe).params if p.name == "verbose")
    option.expose_value, option.callback = False, _remember_verbose
    return option


def _add_verbose(command: Command) -> None:
    """`--verbose` on a command: its own option if it has one, else one added here."""
    if getattr(command, "_tpbis_verbose", False) or isinstance(command, TyperGroup):
        return
    own = [p for p in command.params if p.name == "verbose"]
    if own and own[0].callback is None:
        own[0].callback = _remember_verbose
    elif not own:
        command.params.append(_verbose_option())
    command._tpbis_verbose = True


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def report(ctx: Context, error: BaseException, line: str, code: int) -> None:
    if ctx.meta.get(VERBOSE) or "--verbose" in sys.argv[1:]:
        traceback.print_exception(error, file=sys.stderr)
    typer.echo(f"Error: {one_line(line)}", err=True)
    ctx.exit(code)


class ErrorReportingGroup(TyperGroup):
    def get_command(self, ctx: Context, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _add_verbose(command)
        return command

    def make_context(self, info_name, args, parent=None, **extra):
        """Errors in the top-level options (before any command runs) as one line too."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except cx.NoArgsIsHelpError:
            raise
        except cx.UsageError as e:
            typer.echo(f"Error: {one_line(e.format_message())} (see '{info_name or 'tpbis'} --help')", err=True)
            raise typer.Exit(2) from None

    def invoke(self, ctx: Context):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, cx.NoArgsIsHelpError):
            raise
        except cx.UsageError as e:
            where = e.ctx.command_path if e.ctx is not None else ctx.command_path
            report(ctx, e, f"{e.format_message()} (see '{where} --help')", 2)
        except cx.ClickException as e:
            report(ctx, e, e.format_message(), e.exit_code)
        except TpbisError as e:
            report(ctx, e, str(e), e.exit_code)
        except Exception as e:
            report(ctx, e, f"internal error: {type(e).__name__}: {e} (run with --verbose for details)",
                   INTERNAL_ERROR)


class _OnlyBelowError:
    """Console filter: a failed flow run's ERROR records (with their tracebacks) stay out of the
    terminal; the command prints the one-line error, and Prefect's API still has them all."""

    @staticmethod
    def filter(record) -> bool:
        import logging
        return record.levelno < logging.ERROR


def hide_prefect_error_logs() -> None:
    """Without --verbose: Prefect's console handlers show warnings and below only."""
    import logging
    from prefect.logging.handlers import PrefectConsoleHandler
    loggers = [logging.getLogger()] + [lg for lg in logging.Logger.manager.loggerDict.values()
                                       if isinstance(lg, logging.Logger)]
    for handler in {h for lg in loggers for h in lg.handlers if isinstance(h, PrefectConsoleHandler)}:
        if not any(isinstance(f, _OnlyBelowError) for f in handler.filters):
            handler.addFilter(_OnlyBelowError())
