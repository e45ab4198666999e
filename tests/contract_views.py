"""The reporting interface promised to province staff (contract section 3): views and the
columns each must have at least. The project's tests assert these themselves."""
from __future__ import annotations

import duckdb

CONTRACT_VIEWS: dict[str, list[str]] = {
    "villages": ["kode_desa", "desa", "kecamatan", "kabupaten", "provinsi", "cohort", "cohort_year",
                 "library_name", "last_synced_at"],
    "monthly_visits": ["kode_desa", "month", "visitors_male", "visitors_female", "visitors_total",
                       "new_members", "loans", "internet_users"],
    "activities": ["kode_desa", "activity_date", "quarter", "category", "title", "participants_male",
                   "participants_female", "participants_total", "partner"],
    "benefits": ["kode_desa", "month", "benefit_type", "gender", "product", "income_before", "income_after"],
    "quarterly_indicators": ["quarter", "kabupaten", "kecamatan", "kode_desa", "desa", "cohort",
                             "months_reported", "visitors_male", "visitors_female", "visitors_total",
                             "activities", "participants_male", "participants_female",
                             "participants_total", "beneficiaries"],
    "rejected_rows": ["kode_desa", "spreadsheet_key", "tab", "row_number", "column", "value", "reason",
                      "message"],
    "sync_runs": ["run_id", "started_at", "finished_at", "status", "villages_synced", "villages_skipped",
                  "villages_failed", "rows_loaded", "rows_rejected"],
}


def missing_contract_columns(path) -> list[str]:
    """`report.view.column` for every contract column the warehouse at `path` lacks."""
    with duckdb.connect(str(path), read_only=True) as con:
        present = set(con.execute("select table_name || '.' || column_name from duckdb_columns() "
                                  "where schema_name = 'report'").fetchall())
    return [f"report.{v}.{c}" for v, cols in CONTRACT_VIEWS.items() for c in cols if (f"{v}.{c}",) not in present]
