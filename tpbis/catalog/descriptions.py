"""The one source of what each report view and column means: sql/reports/descriptions.toml.

From it, `apply_comments` sets `COMMENT ON VIEW` / `COMMENT ON COLUMN` in the warehouse (BI
tools show them next to the names), and `tpbis.catalog.reports_doc` generates docs/reports.md.
A column name has one meaning in every view (`[columns]`), unless a view says otherwise in
its own `columns` table.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tpbis.settings import SQL_DIR
from tpbis.warehouse.params import sql_literal

DESCRIPTIONS_FILE = SQL_DIR / "reports" / "descriptions.toml"
SCHEMAS = ("report", "report_internal")


@dataclass(frozen=True)
class ViewDoc:
    schema: str
    name: str
    section: str
    about: str                       # markdown
    examples: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)   # this view's own descriptions

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Catalog:
    intro: str
    outro: str
    sections: dict[str, str]         # section title -> markdown shown under its heading
    columns: dict[str, str]          # column name -> its meaning in every view
    views: tuple[ViewDoc, ...]       # in the order of the file (the doc's order)

    def view(self, schema: str, name: str) -> ViewDoc | None:
        return next((v for v in self.views if v.schema == schema and v.name == name), None)

    def column(self, schema: str, view: str, column: str) -> str | None:
        """The description of `column` in `schema.view`, or None when there is none."""
        doc = self.view(schema, view)
        text = (doc.columns.get(column) if doc else None) or self.columns.get(column)
        return text.strip() if text and text.strip() else None


def load(path: Path = DESCRIPTIONS_FILE) -> Catalog:
    return _load(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int) -> Catalog:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    views = []
    for schema in SCHEMAS:
        for name, v in data.get(schema, {}).items():
            views.append(ViewDoc(schema, name, v["section"], v["about"].strip(),
                                 tuple(e.strip() for e in v.get("examples", [])),
                                 dict(v.get("columns", {}))))
    return Catalog(data["intro"].strip(), data["outro"].strip(),
                   {k: t.strip() for k, t in data.get("sections", {}).items()},
                   dict(data.get("columns", {})), tuple(views))


def plain(markdown: str) -> str:
    """A description as a one-paragraph comment: no backticks, no line breaks."""
    return re.sub(r"\s+", " ", markdown.replace("`", "")).strip()


def apply_comments(con, catalog: Catalog | None = None, views=None) -> None:
    """COMMENT ON every described view and column of the report schemas, or of `views` only
    ((schema, view) pairs). Re-creating a view drops its comments, so this runs right after."""
    catalog = catalog or load()
    wanted = None if views is None else set(views)
    schemas = ", ".join(sql_literal(s) for s in SCHEMAS)
    only = "" if wanted is None else " and table_name in (" + ", ".join(sql_literal(v) for _, v in wanted) + ")"
    present = con.execute(f"""select schema_name, table_name, column_name from duckdb_columns()
        where schema_name in ({schemas}) and database_name = current_database(){only}
          and table_name in (select view_name from duckdb_views() where schema_name in ({schemas})
                             and database_name = current_database())
        order by all""").fetchall()
    statements, seen = [], set()
    for schema, view, column in present:
        if wanted is not None and (schema, view) not in wanted:
            continue
        target = f'{schema}."{view}"'
        if (schema, view) not in seen:
            seen.add((schema, view))
            doc = catalog.view(schema, view)
            if doc:
                statements.append(f"comment on view {target} is {sql_literal(plain(doc.about))}")
        text = catalog.column(schema, view, column)
        if text:
            statements.append(f'comment on column {target}."{column}" is {sql_literal(plain(text))}')
    if statements:
        con.execute(";\n".join(statements))
