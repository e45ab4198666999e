"""`tpbis report NAME`: any report view, filtered by quarter and kabupaten, as SQL with bound
parameters.

Why a module of its own: the view name cannot be a bound parameter, so it is checked against
the views that exist before it is quoted into the query; filters are chosen from the columns
the view really has (a view without `kabupaten` but with `kode_desa` is filtered through the
registry), and everything else is bound.
"""
from __future__ import annotations

import re
from datetime import timedelta

from tpbis.extract.write import Scope
from tpbis.wib import Quarter


class ReportError(ValueError):
    """A request the view cannot answer: unknown view, or a filter it has no column for."""


def report_views(con) -> list[str]:
    rows = con.execute("select view_name from duckdb_views() where schema_name = 'report' "
                       "order by view_name").fetchall()
    return [name for (name,) in rows]


def view_columns(con, view: str) -> list[str]:
    rows = con.execute("select column_name from duckdb_columns() where schema_name = 'report' "
                       "and table_name = ? order by column_index", [view]).fetchall()
    return [name for (name,) in rows]


def resolve_kabupaten(con, name: str) -> str:
    """'kab-bengkalis', 'Kabupaten Bengkalis', 'bengkalis' -> 'Bengkalis' (as registered)."""
    known = [k for (p, k) in con.execute(
        "select distinct provinsi, kabupaten from core.villages order by all").fetchall()]
    for kabupaten in known:
        if Scope("", kabupaten).matches(name):
            return kabupaten
    raise ReportError(f"Unknown kabupaten {name!r}; registered: {', '.join(known) or '(none)'}")


def build_report_query(con, name: str, quarter: str | None = None,
                       kabupaten: str | None = None) -> tuple[str, dict]:
    """The SELECT for `report.<name>` with its filters, and the parameters to bind."""
    view = name.removeprefix("report.")
    views = report_views(con)
    if view not in views:
        raise ReportError(f"No view report.{view}. Views: {', '.join(views)}")
    columns = view_columns(con, view)
    where, params = [], {}
    if quarter:
        q = Quarter.parse(quarter)
        if "quarter" in columns:
            where.append("quarter = $quarter")
            params["quarter"] = str(q)
        else:
            day = next((c for c in ("month", "activity_date", "started_at") if c in columns), None)
            if day is None:
                raise ReportError(f"report.{view} has no quarter, month or date column to filter by")
            where.append(f'"{day}" >= $first_day and "{day}" < $after_day')
            params["first_day"], params["after_day"] = q.first_day, q.last_day + timedelta(days=1)
    if kabupaten:
        params["kabupaten"] = resolve_kabupaten(con, kabupaten)
        if "kabupaten" in columns:
            where.append("kabupaten = $kabupaten")
        elif "kode_desa" in columns:
            where.append("kode_desa in (select kode_desa from core.villages where kabupaten = $kabupaten)")
        else:
            raise ReportError(f"report.{view} has no kabupaten or kode_desa column to filter by")
    text = f'select * from report."{view}"'
    if where:
        text += " where " + " and ".join(where)
    return text + " order by all", params


# --- showing a report to people ----------------------------------------------------------

RATIO_COLUMN = re.compile(r"(_share$|_change_|_ratio$|_rate$)")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def for_people(con, query: str, params: dict):
    """The same rows with ratios as percentages (`0.5842959986606395` -> `58.4 %`) and other
    fractional numbers rounded to two decimals; counts, text and dates as they are."""
    rel = con.sql(query, params=params)
    replace = []
    for name, kind in zip(rel.columns, rel.types):
        kind = str(kind).upper()
        if kind not in ("DOUBLE", "FLOAT", "REAL") and not kind.startswith("DECIMAL"):
            continue
        q = _quoted(name)
        if RATIO_COLUMN.search(name):
            replace.append(f"printf('%.1f %%', 100 * {q}) as {q}")
        else:
            replace.append(f"round({q}, 2) as {q}")
    if not replace:
        return rel
    return con.sql(f"select * replace ({', '.join(replace)}) from ({query})", params=params)


def as_json(rel) -> str:
    """Rows as a JSON array of objects, numbers unrounded (for programs), dates ISO."""
    import json
    from decimal import Decimal
    rows = [dict(zip(rel.columns, row)) for row in rel.fetchall()]
    return json.dumps(rows, ensure_ascii=False, indent=1,
                      default=lambda v: float(v) if isinstance(v, Decimal) else
                      v.isoformat() if hasattr(v, "isoformat") else str(v))
