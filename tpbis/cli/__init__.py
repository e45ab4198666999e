"""`tpbis`, the command line: one module per group of commands, errors and progress display."""


def run() -> None:
    """The `tpbis` command (the console script's entry point).

    The command line (Typer, Rich and every command's module) is imported here, not when the
    script starts: a sync's parse workers, forked from a fork server, run the command's
    script again as their main module (CPython 3.11's fork server never preloads it: its
    preload asks for `main_path`, which the preparation data names `init_main_from_path`).
    With the import at the script's top, each worker imported the whole command line again,
    ~0.08 s of CPU each, for nothing; now they import this package only."""
    from tpbis.cli.main import app
    app()
