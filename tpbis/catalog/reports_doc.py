"""Generate docs/reports.md from sql/reports/descriptions.toml and the views themselves.

    python -m tpbis.catalog.reports_doc            # rewrite docs/reports.md
    python -m tpbis.catalog.reports_doc --check    # exit 1 when docs/reports.md is stale

Column names and types come from the views as DuckDB binds them (an empty warehouse in
memory), descriptions from the TOML file: the doc cannot list a column the view lacks.
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from tpbis.catalog.descriptions import SCHEMAS, Catalog, load
from tpbis.settings import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "reports.md"
HEADER = ("<!-- Generated from sql/reports/descriptions.toml by `python -m tpbis.catalog.reports_doc`:"
          " edit that file, not this one. -->")


def view_columns() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(schema, view) -> [(column, type)] of every view in the report schemas."""
    from tpbis.warehouse.store import apply_schema
    con = duckdb.connect()
    try:
        apply_schema(con)
        schemas = ", ".join(f"'{s}'" for s in SCHEMAS)
        rows = con.execute(f"""select c.schema_name, c.table_name, c.column_name, c.data_type
            from duckdb_columns() c join duckdb_views() v
              on v.schema_name = c.schema_name and v.view_name = c.table_name
             and v.database_name = c.database_name
            where c.schema_name in ({schemas}) order by c.schema_name, c.table_name, c.column_index""").fetchall()
    finally:
        con.close()
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, view, column, dtype in rows:
        out.setdefault((schema, view), []).append((column, dtype))
    return out


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render(catalog: Catalog | None = None) -> str:
    catalog = catalog or load()
    columns = view_columns()
    parts = [HEADER, "", catalog.intro, ""]
    section = None
    for view in catalog.views:
        if view.section != section:
            section = view.section
            parts += [f"## {section}", ""]
            if catalog.sections.get(section):
                parts += [catalog.sections[section], ""]
        parts += [f"### {view.qualified}", view.about, "",
                  "| column | type | description |", "|---|---|---|"]
        for column, dtype in columns.get((view.schema, view.name), []):
            text = catalog.column(view.schema, view.name, column) or ""
            parts.append(f"| `{column}` | {dtype} | {_cell(text)} |")
        parts.append("")
        for example in view.examples:
            parts += ["```sql", example, "```", ""]
    parts += [catalog.outro, ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in argv:
        if DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run `python -m tpbis.catalog.reports_doc`", file=sys.stderr)
            return 1
        return 0
    Path(DOC).write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
