"""Building the output DataFrames from ready-made pandas arrays, cheaply.

A village's workbook yields eight small frames (five tables, rejections, warnings, tab
counts). `pd.DataFrame(dict_of_arrays)` re-validates every array and rebuilds the column
Index from the names each time, about 0.2 ms per frame, which dominated small workbooks.
Here the arrays are already of their final dtype and length, so the frame is assembled
directly and the column Index is made once per list of names.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa


@lru_cache(maxsize=64)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    return pd.Index(list(names))          # immutable, so frames may share it


def frame(columns: dict[str, object], n: int) -> pd.DataFrame:
    """A DataFrame of `n` rows whose columns are the given pandas arrays, in dict order, not
    copied. Same result as `pd.DataFrame(columns, copy=False)` for arrays of length n."""
    arrays = list(columns.values())
    if any(len(array) != n for array in arrays):
        raise ValueError(f"columns of unequal length, expected {n}: {[len(a) for a in arrays]}")
    from_arrays = getattr(pd.DataFrame, "_from_arrays", None)
    if from_arrays is None:                # a pandas without the private fast path
        return pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)
    return from_arrays(arrays, columns=_column_index(tuple(columns)), index=pd.RangeIndex(n),
                       verify_integrity=False)


def strings(values: list) -> pd.arrays.ArrowStringArray:
    """A `string` array (pyarrow-backed, NA for None) from a list of str or None."""
    return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))


def constant_strings(value: str, n: int) -> pd.arrays.ArrowStringArray:
    """A `string` array repeating one value n times."""
    return pd.arrays.ArrowStringArray(pa.repeat(pa.scalar(value, type=pa.large_string()), n))


def integers(values: np.ndarray) -> pd.arrays.IntegerArray:
    """An `Int64` array with no missing values."""
    values = np.asarray(values, dtype=np.int64)
    return pd.arrays.IntegerArray(values, np.zeros(len(values), dtype=bool))
