"""Columns cut into the bins a slice search combines.

Numeric columns: quantile bins ('[30, 40)', the last one closed) at `bins`, and finer levels
(2, 4, 8... times `bins`) while a bin of the level holds `min_size` rows on average, so a
narrow weak range is not diluted in a coarse bin; pairs of features use the `bins` level.
Categorical columns (and numbers with at most `bins` values): every value with at least
`min_size` rows is a bin of its own; the values with fewer rows (which no slice of its own
could test) are pooled as 'other'. Missing values are a bin of their own ('missing'). A bin
name that a real value already has gets a qualifier ('missing (no value)', 'other (the rest)').
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MISSING = "missing"
OTHER = "other"
MISSING_ALT = "missing (no value)"
OTHER_ALT = "other (the rest)"
#: pooled values listed by name in what a search says it searched (the rest are counted)
LISTED_POOLED = 20


@dataclass(frozen=True)
class Binned:
    """One column as bin codes (0..len(labels)-1, one per row) and the bins' names.
    `repeats`: bins a coarser level of the same column already has (not tested again)."""

    feature: str
    codes: np.ndarray
    labels: tuple[str, ...]
    repeats: frozenset[int] = frozenset()
    pooled: tuple[str, ...] = ()  # categorical: the values pooled as 'other'
    pooled_rows: int = 0
    missing: bool = False  # the last bin holds the rows with no value


@dataclass(frozen=True)
class Cut:
    """A column's bins: `coarse` (one- and two-feature slices) and `finer` numeric levels
    (one-feature slices only)."""

    coarse: Binned
    finer: tuple[Binned, ...] = field(default_factory=tuple)
    numeric: bool = False

    def searched(self) -> dict[str, object]:
        """What the search tests of this column, as report.json `sample.searched` lists it."""
        c = self.coarse
        if self.numeric:
            levels = [c, *self.finer]
            return {
                "feature": c.feature,
                "kind": "numeric",
                "quantile_bins": [_real_bins(b) for b in levels],
                "pairs_on": _real_bins(c),
            } | ({"missing_as": c.labels[-1]} if c.missing else {})
        out: dict[str, object] = {"feature": c.feature, "kind": "categorical"}
        out["own_slices"] = _real_bins(c) - bool(c.pooled)
        if c.missing:
            out["missing_as"] = c.labels[-1]
        if c.pooled:
            out["pooled"] = {
                "as": c.labels[_real_bins(c) - 1],
                "values": len(c.pooled),
                "rows": c.pooled_rows,
                "listed": list(c.pooled[:LISTED_POOLED]),
            }
        return out


def cut_column(feature: str, column: pd.Series, bins: int, min_size: int) -> Cut:
    """`column` cut for a slice search (module docstring)."""
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if numeric:
        values = column.to_numpy(dtype=float, na_value=np.nan)
        present = np.isfinite(values)
        if len(np.unique(values[present])) > bins:
            return Cut(*_levels(feature, values, present, bins, min_size), numeric=True)
    return Cut(_categories(feature, column, min_size))


def bin_column(feature: str, column: pd.Series, bins: int, min_size: int = 1) -> Binned:
    """The coarse bins of `column` (numbers: `bins` quantile bins; categories: every value
    of at least `min_size` rows, the rest as 'other'), plus 'missing' when values are."""
    return cut_column(feature, column, bins, min_size).coarse


def _levels(
    feature: str, values: np.ndarray, present: np.ndarray, bins: int, min_size: int
) -> tuple[Binned, tuple[Binned, ...]]:
    """The `bins` level, then levels of twice as many bins while they average `min_size`
    rows; a bin an earlier level already has is marked as a repeat."""
    coarse = _with_missing(feature, *_quantile_bins(values, present, bins), present)
    seen, finer = set(coarse.labels), []
    k, rows = 2 * bins, int(present.sum())
    while rows >= k * min_size:
        level = _with_missing(feature, *_quantile_bins(values, present, k), present)
        repeats = frozenset(i for i, name in enumerate(level.labels) if name in seen)
        if len(repeats) == len(level.labels):
            break  # ties: no finer bin left
        seen |= set(level.labels)
        finer.append(Binned(feature, level.codes, level.labels, repeats, missing=level.missing))
        k *= 2
    return coarse, tuple(finer)


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
    feature: str,
    codes: np.ndarray,
    labels: list[str],
    present: np.ndarray,
    pooled: tuple[str, ...] = (),
    pooled_rows: int = 0,
) -> Binned:
    """The bins, and a last one for the rows with no value (named apart from real values)."""
    if present.all():
        return Binned(feature, codes, tuple(labels), pooled=pooled, pooled_rows=pooled_rows)
    name = MISSING_ALT if MISSING in labels or MISSING in pooled else MISSING
    coded = np.where(present, codes, len(labels))
    return Binned(feature, coded, (*labels, name), frozenset(), pooled, pooled_rows, True)


def _categories(feature: str, column: pd.Series, min_size: int) -> Binned:
    """Every value of at least `min_size` rows as a bin (most frequent first, ties by name);
    the rest pooled as 'other'."""
    present = column.notna().to_numpy()
    text = column.astype("string").fillna("").to_numpy(dtype=object)
    names, codes = np.unique(text[present], return_inverse=True)
    counts = np.bincount(codes, minlength=len(names))
    order = np.lexsort((names, -counts))  # most frequent first, then by name
    keep = order[: int((counts >= min_size).sum())]
    relabel = np.full(len(names), len(keep), dtype=np.int64)
    relabel[keep] = np.arange(len(keep))
    labels = [str(names[i]) for i in keep]
    pooled = tuple(str(names[i]) for i in order[len(keep) :])
    if pooled:
        labels.append(OTHER if OTHER not in set(names) else OTHER_ALT)
    out = np.empty(len(column), dtype=np.int64)
    out[present] = relabel[codes]
    rows = int(counts[order[len(keep) :]].sum())
    return _with_missing(feature, out, labels, present, pooled, rows)


def _real_bins(b: Binned) -> int:
    return len(b.labels) - b.missing


def number(value: float) -> str:
    """A bin edge as a name shows it: '30', '0.125', '1.5e+06'."""
    return f"{value:.6g}"
