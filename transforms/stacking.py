"""Stacking parsed workbooks: the typed columns of many workbooks -> one frame per table.

The lineage columns (village, spreadsheet, tab, sheet row, fetch time) are built once per
chunk; the same rows, columns and dtypes as concatenating each workbook's frames.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from transforms.columns import TAB_COUNT_COLUMNS, TABLE_COLUMNS, TABLE_TABS, all_columns
from transforms.frames import constant_strings, frame, integers, strings
from transforms.tabs import typed_array

__all__ = ["FETCHED_AT_DTYPE", "concat_arrays", "join_parts"]

FETCHED_AT_DTYPE = pd.DatetimeTZDtype("us", "UTC")


def concat_arrays(arrays: list):
    """One array from same-typed pandas/numpy arrays (the typed columns of `typed_array`)."""
    if all(isinstance(a, np.ndarray) for a in arrays):
        return np.concatenate(arrays)
    kind = type(arrays[0])
    if all(type(a) is kind for a in arrays) and len({str(a.dtype) for a in arrays}) == 1:
        return kind._concat_same_type(arrays)
    return pd.concat([pd.Series(a) for a in arrays], ignore_index=True).array


def repeat_strings(values: list[str], counts: np.ndarray):
    index = np.repeat(np.arange(len(values), dtype=np.int64), counts)
    return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()).take(pa.array(index)))


def join_parts(parts: list) -> dict[str, pd.DataFrame]:
    """The tables (and `tab_counts`, with kode_desa and spreadsheet_key) of many parsed
    workbooks (`transforms.workbook.ParsedParts`), one DataFrame each: the same rows, columns
    and dtypes as concatenating the frames of `parse_workbook` one by one (the lineage
    columns are built once per chunk)."""
    out = {}
    keys, codes = [p.spreadsheet_key for p in parts], [p.kode_desa for p in parts]
    stamps = np.array([p.fetched_at.tz_convert(None).to_datetime64() for p in parts], dtype="datetime64[us]")
    for table in TABLE_TABS:
        counts = np.array([len(p.tables[table][1]) for p in parts], dtype=np.int64)
        n = int(counts.sum())
        columns = {name: concat_arrays([p.tables[table][0][name] for p in parts]) if parts
                   else typed_array(dtype, [None], np.zeros(0, dtype=np.int64))
                   for name, dtype in TABLE_COLUMNS[table].items()}
        columns["kode_desa"] = repeat_strings(codes, counts)
        columns["spreadsheet_key"] = repeat_strings(keys, counts)
        columns["tab"] = constant_strings(TABLE_TABS[table], n)
        columns["source_row"] = integers(np.concatenate([p.tables[table][1] for p in parts]) if parts
                                         else np.zeros(0, dtype=np.int64))
        columns["fetched_at"] = pd.array(np.repeat(stamps, counts), dtype=FETCHED_AT_DTYPE)
        out[table] = frame({name: columns[name] for name in all_columns(table)}, n)
    counts = np.array([len(p.tab_counts) for p in parts], dtype=np.int64)
    tab_counts = {name: concat_arrays([p.tab_counts[name].array for p in parts]) if parts
                  else (strings([]) if dtype == "string" else integers(np.zeros(0, np.int64)))
                  for name, dtype in TAB_COUNT_COLUMNS.items()}
    out["tab_counts"] = frame({"kode_desa": repeat_strings(codes, counts),
                               "spreadsheet_key": repeat_strings(keys, counts), **tab_counts}, int(counts.sum()))
    return out
