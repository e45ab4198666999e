"""The interactive `tpbis sql` shell: SQL statements ending in ';', a few dot-commands, and
line editing with history (readline, in ~/.tpbis_sql_history).

Our own shell rather than handing over to the DuckDB CLI: the DuckDB CLI on the package
index (1.5) refuses a file written by DuckDB 2.0, and this one opens the warehouse the same
read-only, file-less way as every other `tpbis` reader (no file can be read, written or
attached from a query).

    .tables          the report views (and other schemas' tables) with their schema
    .schema VIEW     the columns of one view or table
    .help            this list
    .quit / .exit    leave (Ctrl-D too)
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

HELP = """.tables          list the report views and tables
.schema NAME     columns of a view or table (e.g. .schema report.villages)
.help            this help
.quit / .exit    leave the shell (Ctrl-D too)
SQL statements end with ';'. Try: from report.villages limit 5;"""

HISTORY = Path("~/.tpbis_sql_history").expanduser()


def _readline(interactive: bool):
    if not interactive:
        return None
    try:
        import readline
    except ImportError:         # not every platform has it; the shell works without
        return None
    try:
        readline.read_history_file(HISTORY)
    except OSError:
        pass
    readline.set_history_length(1000)
    return readline


def tables(con) -> list[tuple[str, str, str]]:
    return con.execute("""
        select schema_name, view_name as name, 'view' as kind from duckdb_views()
        where not internal and schema_name not in ('information_schema', 'pg_catalog')
        union all
        select schema_name, table_name, 'table' from duckdb_tables() where not internal
        order by schema_name <> 'report', schema_name, name""").fetchall()


def dot_command(con, line: str, echo: Callable[[str], None]) -> bool:
    """Run one dot-command; False means leave the shell."""
    word, _, arg = line.strip().partition(" ")
    if word in (".quit", ".exit", ".q"):
        return False
    if word == ".help":
        echo(HELP)
    elif word == ".tables":
        for schema, name, kind in tables(con):
            echo(f"{schema}.{name}" + ("" if kind == "view" else "  (table)"))
    elif word == ".schema" and arg.strip():
        schema, _, name = arg.strip().rpartition(".")
        rows = con.execute("select column_name, data_type from duckdb_columns() where table_name = ? "
                           "and schema_name = coalesce(nullif(?, ''), 'report') order by column_index",
                           [name, schema]).fetchall()
        if not rows:
            echo(f"No view or table {arg.strip()} (try .tables)")
        for column, kind in rows:
            echo(f"  {column}  {kind}")
    else:
        echo(f"Unknown command {word} (try .help)")
    return True


def run_shell(con, run_query: Callable[[str], None], echo: Callable[[str], None],
              err: Callable[[str], None], interactive: bool) -> None:
    """Read statements until .quit or end of input; errors in one statement are shown, not fatal."""
    readline = _readline(interactive)
    buffer = ""
    try:
        while True:
            try:
                line = input("tpbis> " if not buffer else "   ...> ")
            except EOFError:
                echo("")
                return
            if not buffer and line.strip().startswith("."):
                if not dot_command(con, line, echo):
                    return
                continue
            buffer += line + "\n"
            if buffer.strip().endswith(";"):
                try:
                    run_query(buffer)
                except Exception as e:  # a typo in the shell is not fatal
                    err(f"Error: {e}")
                buffer = ""
    finally:
        if readline is not None:
            try:
                readline.write_history_file(HISTORY)
            except OSError:
                pass
