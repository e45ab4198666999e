"""`tpbis dashboard` and `tpbis users add/list/remove` (registered in tpbis/cli.py)."""
from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Optional

import typer

from tpbis.errors import TpbisError, UsageError

UsersOpt = typer.Option(None, "--users", help="Portal users file [env TPBIS_USERS; default data/users.json].")
users_app = typer.Typer(help="Portal users: who may sign in to `tpbis dashboard`, and which villages they see.",
                        no_args_is_help=True)


def _fail(e: TpbisError) -> None:
    typer.echo(f"Error: {e}", err=True)
    raise typer.Exit(e.exit_code)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UsageError("No password on standard input (give one line with --password-stdin).")
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(name: str = typer.Argument(..., help="User name (lowercase letters, digits, . _ -)."),
              scope: str = typer.Option(..., "--scope", help="'provinsi' (every village) or a kabupaten code, e.g. 14.03."),
              password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from one line of standard input."),
              replace: bool = typer.Option(False, "--replace", help="Replace an existing user (new password and scope)."),
              users: Optional[Path] = UsersOpt):
    """Add a portal user (the password is stored only as an argon2 hash)."""
    from tpbis.portal.users import UsersFile, check_name, check_scope
    try:
        check_name(name)
        check_scope(scope)
        file = UsersFile(users)
        user = file.add(name, scope, _read_password(password_stdin), replace=replace)
    except TpbisError as e:
        _fail(e)
    typer.echo(f"User {user.name} (scope {user.scope}) saved in {file.path}")


@users_app.command("list")
def users_list(users: Optional[Path] = UsersOpt):
    """List portal users and their scopes."""
    from tpbis.portal.users import UsersFile
    try:
        for user in UsersFile(users).list():
            typer.echo(f"{user.name}\t{user.scope}")
    except TpbisError as e:
        _fail(e)


@users_app.command("remove")
def users_remove(name: str = typer.Argument(..., help="User name."), users: Optional[Path] = UsersOpt):
    """Remove a portal user (their open sessions end at their next request)."""
    from tpbis.portal.users import UsersFile
    try:
        file = UsersFile(users)
        file.remove(name)
    except TpbisError as e:
        _fail(e)
    typer.echo(f"User {name} removed from {file.path}")


def dashboard(warehouse: Optional[Path] = typer.Option(None, "--warehouse", help="Published warehouse file [env TPBIS_WAREHOUSE; default data/tpbis.duckdb]."),
              users: Optional[Path] = UsersOpt,
              host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (keep 127.0.0.1 behind a reverse proxy)."),
              port: int = typer.Option(8080, "--port", help="Port to listen on."),
              demo: bool = typer.Option(False, "--demo", help="Create (or renew) the user 'demo' (scope provinsi) with a random password, print it once, then serve.")):
    """Serve the province portal (read-only, over the published warehouse)."""
    from tpbis.portal.users import UsersFile
    from tpbis.settings import Settings
    try:
        path = (warehouse or Settings.from_env().warehouse).resolve()
        file = UsersFile(users)
        if demo:
            password = secrets.token_urlsafe(12)
            file.add("demo", "provinsi", password, replace=True)
            typer.echo(f"Demo user: demo   password: {password}   (shown once; saved only as a hash in {file.path})")
        if not file.exists():
            raise UsageError(f"No users file at {file.path}: create a user with "
                             f"`tpbis users add NAME --scope provinsi --users {file.path}`.")
        file.list()
        from tpbis.portal.app import create_app
        app = create_app(path, file.path)
        from tpbis.portal.charts import warm_up
        warm_up()
        app.state.portal.warehouse.snapshot_id()      # open the snapshot and build summaries now,
        app.state.prewarm()                           # render the overview charts of every scope,
        app.state.portal.warehouse.watch(on_new=app.state.prewarm)   # and again after each publish
    except TpbisError as e:
        _fail(e)
    import uvicorn
    typer.echo(f"Portal TPBIS on http://{host}:{port}/ (warehouse {path})")
    uvicorn.run(app, host=host, port=port, proxy_headers=False, log_level="info")
