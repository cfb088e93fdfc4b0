"""The exact table of a numeric column's distinct finite values (and their counts), kept while
the column has at most NUMBER_EXACT_CAP of them: drift and quantiles are then exact."""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMBER_EXACT_CAP = 10_000


def table_of(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values (-0.0 counted as 0.0) with their summed counts."""
    merged, where = np.unique(values + 0.0, return_inverse=True)
    return merged.astype(np.float64), np.bincount(where, counts, len(merged)).astype(np.int64)


def exact_table(x: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The distinct finite values of `x` and their counts, or (None, None) past the cap. A prefix
    past the cap settles it cheaply (continuous data); else one hash pass (pd.factorize)."""
    probe = x[: 2 * NUMBER_EXACT_CAP + 1]
    if x.size > NUMBER_EXACT_CAP and len(pd.unique(probe)) > NUMBER_EXACT_CAP:
        return None, None
    codes, uniques = pd.factorize(x)
    if len(uniques) > NUMBER_EXACT_CAP + 1:  # +1: -0.0 and 0.0 may be apart until _table
        return None, None
    values, counts = table_of(
        np.asarray(uniques, np.float64), np.bincount(codes, minlength=len(uniques))
    )
    return (values, counts) if len(values) <= NUMBER_EXACT_CAP else (None, None)


def int_table(values: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """exact_table of integers in a narrow range: one bincount, no hashing."""
    if hi - lo >= 4 * NUMBER_EXACT_CAP:
        return exact_table(values.astype(np.float64))
    counts = np.bincount((values - lo).astype(np.intp, copy=False))
    present = np.flatnonzero(counts)
    if len(present) > NUMBER_EXACT_CAP:
        return None, None
    return (present + lo).astype(np.float64), counts[present].astype(np.int64)


def add_tables(
    a: tuple[np.ndarray | None, np.ndarray | None], b: tuple[np.ndarray | None, np.ndarray | None]
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The union of two (values, counts) tables; None once past the cap (so the same in any
    merge order)."""
    (a_values, a_counts), (b_values, b_counts) = a, b
    if a_values is None or b_values is None or a_counts is None or b_counts is None:
        return None, None
    values, counts = table_of(
        np.concatenate([a_values, b_values]), np.concatenate([a_counts, b_counts])
    )
    return (values, counts) if len(values) <= NUMBER_EXACT_CAP else (None, None)
