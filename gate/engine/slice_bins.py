"""Columns cut into the bins a slice search combines: numeric columns into quantile bins
('[30, 40)', the last one closed), categorical columns into their most frequent values plus
'other'; missing values are a bin of their own ('missing')."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING = "missing"
OTHER = "other"


@dataclass(frozen=True)
class Binned:
    """One column as bin codes (0..len(labels)-1, one per row) and the bins' names."""

    feature: str
    codes: np.ndarray
    labels: tuple[str, ...]


def bin_column(feature: str, column: pd.Series, bins: int) -> Binned:
    """`column` cut into at most `bins` bins (plus 'missing' when values are missing)."""
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if numeric:
        values = column.to_numpy(dtype=float, na_value=np.nan)
        present = np.isfinite(values)
        if len(np.unique(values[present])) > bins:
            return _with_missing(feature, *_quantile_bins(values, present, bins), present)
    return _categories(feature, column, bins)


def _quantile_bins(
    values: np.ndarray, present: np.ndarray, bins: int
) -> tuple[np.ndarray, list[str]]:
    """Codes of the quantile bins [e_i, e_i+1) (ties merge bins) and their names."""
    edges = np.unique(np.quantile(values[present], np.linspace(0, 1, bins + 1)))
    codes = np.searchsorted(edges[1:-1], np.where(present, values, edges[0]), side="right")
    last = len(edges) - 2
    labels = [
        f"[{number(edges[i])}, {number(edges[i + 1])}{']' if i == last else ')'}"
        for i in range(last + 1)
    ]
    return codes.astype(np.int64), labels


def _with_missing(
    feature: str, codes: np.ndarray, labels: list[str], present: np.ndarray
) -> Binned:
    if present.all():
        return Binned(feature, codes, tuple(labels))
    return Binned(feature, np.where(present, codes, len(labels)), (*labels, MISSING))


def _categories(feature: str, column: pd.Series, bins: int) -> Binned:
    """The `bins` most frequent values (ties by name) as bins, the rest as 'other'."""
    present = column.notna().to_numpy()
    text = column.astype("string").fillna("").to_numpy(dtype=object)
    names, codes = np.unique(text[present], return_inverse=True)
    counts = np.bincount(codes, minlength=len(names))
    order = np.lexsort((names, -counts))  # most frequent first, then by name
    keep = order if len(names) <= bins + 1 else order[:bins]
    relabel = np.full(len(names), len(keep), dtype=np.int64)
    relabel[keep] = np.arange(len(keep))
    labels = [str(names[i]) for i in keep]
    if len(keep) < len(names):
        labels.append(OTHER if OTHER not in set(names) else f"{OTHER} (the rest)")
    out = np.empty(len(column), dtype=np.int64)
    out[present] = relabel[codes]
    return _with_missing(feature, out, labels, present)


def number(value: float) -> str:
    """A bin edge as a name shows it: '30', '0.125', '1.5e+06'."""
    return f"{value:.6g}"
