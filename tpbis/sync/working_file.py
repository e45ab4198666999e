"""The sync's working file, opened for writing and rebuilt when damaged; `tpbis replay`.

`open_writer(settings)` opens `settings.working_file` (the only place its path is decided),
creating it from the published file when there is none. A lock held by another process is
`CannotRun` (tpbis.warehouse.workfile). A file DuckDB cannot open or read is moved aside as
`.damaged-<time>` and rebuilt: a copy of the published file, or, when only the published
file's raw cells can be read, a new file with those cells and every core table replayed from
them (tpbis.sync.replay). With nothing readable to rebuild from it is `CannotRun`, naming both
files, and left where it is.

This module sits above both the warehouse and replay, so neither imports the other back.
"""
from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from tpbis import registry
from tpbis.errors import CannotRun
from tpbis.settings import Settings
from tpbis.sync.replay import replay_into
from tpbis.warehouse import workfile
from tpbis.warehouse.params import sql_literal
from tpbis.warehouse.records import load_reference_tables
from tpbis.warehouse.snapshot import atomic_copy, publish
from transforms.reference import load_reference

log = logging.getLogger(__name__)


def open_writer(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Open the sync's private working file, creating it from the published one if needed.

    Another process holding it (a second sync) is `CannotRun`; a damaged one is moved aside
    and rebuilt from the published file, or `CannotRun`.
    """
    work, published = settings.working_file, settings.warehouse
    work.parent.mkdir(parents=True, exist_ok=True)
    if not work.exists() and published.exists():
        atomic_copy(published, work)
    try:
        return workfile.open_working_file(work)
    except workfile.Damaged as damage:
        return rebuild(settings, str(damage))


def replay_all(settings: Settings) -> int:
    """`tpbis replay`: every core table of the working file rebuilt from its raw cells, then
    published; returns the number of fetches replayed."""
    con = open_writer(settings)
    n = replay_into(con, settings)
    publish(con, settings)
    return n


def rebuild(settings: Settings, reason: str) -> duckdb.DuckDBPyConnection:
    """Move the damaged working file aside and rebuild it from the published file."""
    work, published = settings.working_file.resolve(), settings.warehouse.resolve()
    source = workfile.snapshot_health(published)
    if source is None:
        raise CannotRun(f"damaged working file {work} ({reason}) and no readable published warehouse "
                        f"{published} to rebuild it from: move {work} away to start an empty warehouse")
    aside = workfile.move_aside(work)
    if source == "snapshot":
        atomic_copy(published, work)
    try:
        con = workfile.open_working_file(work)
    except workfile.Damaged as e:
        raise CannotRun(f"working file {work} rebuilt from {published} is still unreadable ({e})") from None
    if source == "raw":
        fetches = _replay_raw_of(con, settings, published)
        warn(f"damaged working file {work} ({reason}): moved to {aside}; the published {published} "
             f"has readable raw cells only: core rebuilt from its {fetches} fetches")
    else:
        warn(f"damaged working file {work} ({reason}): moved to {aside}, rebuilt from {published}")
    return con


def _replay_raw_of(con, settings: Settings, published: Path) -> int:
    """Copy the raw cells of `published` into the (new) working file and replay them."""
    con.execute(f"attach {sql_literal(str(published))} as snapshot (read_only)")
    try:
        con.execute("begin transaction")
        for table in ("raw.fetches", "raw.payloads"):
            con.execute(f"insert into {table} by name select * from snapshot.{table}")
        con.execute("commit")
    finally:
        con.execute("detach snapshot")
    load_reference_tables(con, registry.read_registry(settings.registry),
                          registry.read_regions(settings.config_dir),
                          load_reference(settings.config_dir).category_values["strategi"])
    return replay_into(con, settings)


def warn(message: str) -> None:
    """One line in the Prefect run log when there is a run, else in Python's log."""
    try:
        from prefect import get_run_logger
        get_run_logger().warning(message)
    except Exception:
        log.warning(message)
