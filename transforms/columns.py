"""The typed tables that transforms produce and the warehouse stores.

One place names every column, so the parser, the loader and the SQL schema cannot drift:
`tests/test_schema_columns.py` checks that `sql/schema` declares exactly these columns.
Dtypes are pandas dtypes; counts are nullable Int64 because a column missing from an older
template is unknown (NULL), not zero.
"""

LINEAGE = {
    "kode_desa": "string",
    "spreadsheet_key": "string",
    "tab": "string",
    "source_row": "Int64",          # row number as the librarian sees it in the sheet
    "fetched_at": "datetime64[us, UTC]",
}

TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "profile": {
        "desa_name": "string",
        "kecamatan_name": "string",
        "kabupaten_name": "string",
        "library_name": "string",
        "npp": "string",
        "manager_name": "string",
        "staff_count": "Int64",
        "year_joined": "Int64",
        "collection_titles": "Int64",
        "collection_copies": "Int64",
        "computers": "Int64",
        "internet_access": "boolean",
        "opening_hours": "Float64",
    },
    "visits": {
        "month": "datetime64[us]",      # first day of the month
        "visitors_male": "Int64",
        "visitors_female": "Int64",
        "new_members": "Int64",
        "loans": "Int64",
        "internet_users": "Int64",
        "open_days": "Int64",
    },
    "activities": {
        "activity_no": "string",
        "activity_date": "datetime64[us]",
        "title": "string",
        "category": "string",           # canonical Jenis Kegiatan (contract section 1)
        "category_raw": "string",       # what the librarian typed
        "strategy": "string",           # one of the three TPBIS strategies
        "participants_male": "Int64",
        "participants_female": "Int64",
        "partner": "string",
        "notes": "string",
    },
    "partners": {
        "partner_name": "string",
        "partner_type": "string",
        "partner_type_raw": "string",
        "support_form": "string",
        "has_mou": "boolean",
        "mou_date": "datetime64[us]",
        "support_value_rp": "Int64",
    },
    "benefits": {
        "month": "datetime64[us]",
        "initials": "string",
        "gender": "string",             # 'L' or 'P'
        "benefit_type": "string",
        "benefit_type_raw": "string",
        "product": "string",
        "income_before": "Int64",       # Rupiah per month
        "income_after": "Int64",
        "story": "string",
    },
}

PROBLEM_COLUMNS = {
    "kode_desa": "string",
    "spreadsheet_key": "string",
    "tab": "string",
    "row_number": "Int64",
    "column": "string",
    "value": "string",
    "reason": "string",
    "message": "string",
}

TAB_COUNT_COLUMNS = {"tab": "string", "rows_read": "Int64", "rows_loaded": "Int64", "rows_rejected": "Int64"}

# Template tab of each table (contract section 1).
TABLE_TABS = {
    "profile": "Profil",
    "visits": "Kunjungan",
    "activities": "Kegiatan",
    "partners": "Mitra",
    "benefits": "Dampak",
}
TEMPLATE_TABS = list(TABLE_TABS.values())


def all_columns(table: str) -> dict[str, str]:
    """Data columns followed by lineage columns, in storage order."""
    return {**TABLE_COLUMNS[table], **LINEAGE}
