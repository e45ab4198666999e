"""The progress display of `tpbis sync` / `replay` (bars) and `extract` (a spinner).

On a terminal: a Rich display, one bar per phase (fetch / parse / load) with done/total,
reads per minute and time left, redrawn by Rich on its own clock (the job only updates
numbers through tpbis.progress). Not a terminal (a pipe, a log file, cron): the same plain
lines the Prefect log gets (every TPBIS_PROGRESS_SECONDS, every TPBIS_PROGRESS_EVERY sheets,
and one at the end). `--quiet`: nothing.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager, nullcontext
from typing import Iterator

import typer

from tpbis.sync import progress


def _rich_display():
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    return Progress(TextColumn("{task.description:<6}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[info]}"), console=Console(stderr=False), transient=False,
                    refresh_per_second=4)


STARTING = "starting Prefect, reading the registry and the Drive listing"


@contextmanager
def display(quiet: bool = False, terminal: bool | None = None, job: str = "sync",
            starting: str = STARTING) -> Iterator[None]:
    """Show the progress of jobs run inside the block."""
    if quiet:
        with nullcontext():
            yield
        return
    terminal = sys.stdout.isatty() if terminal is None else terminal
    if not terminal:
        typer.echo(f"{job}: {starting} ...")
        with progress.subscribe(line_sink=lambda line: typer.echo(line)):
            yield
        return
    bars = _rich_display()
    tasks: dict[str, int] = {"": bars.add_task("start", total=None, info=starting)}

    def update(snap: progress.Snapshot) -> None:
        if "" in tasks:
            bars.remove_task(tasks.pop(""))
        for i, phase in enumerate(snap.phases):
            if phase not in tasks:
                tasks[phase] = bars.add_task(phase, total=snap.total or None, info="")
            info = ""
            if i == 0:
                left = "" if snap.finished else f"{progress.format_duration(snap.eta_seconds)} left"
                rate = f"{snap.reads_per_minute:.0f} reads/min" if snap.job == "sync" else ""
                info = ", ".join(x for x in (rate, left) if x)
            bars.update(tasks[phase], total=snap.total or None, completed=snap.done[phase], info=info)

    with bars, progress.subscribe(listener=update):
        yield


@contextmanager
def status(text: str, quiet: bool = False, terminal: bool | None = None) -> Iterator[None]:
    """A job without countable steps (replay, extract): a spinner with the elapsed time on a
    terminal, one line before and one after otherwise."""
    if quiet:
        yield
        return
    terminal = sys.stdout.isatty() if terminal is None else terminal
    start = time.monotonic()
    if terminal:
        from rich.console import Console
        with Console().status(text):
            yield
    else:
        typer.echo(f"{text} ...")
        yield
    typer.echo(f"{text.split(':')[0]} done in {progress.format_duration(time.monotonic() - start)}")
