"""Adjusted p-values across the columns of one drift check (multiple-testing control).

"bh": Benjamini-Hochberg (false discovery rate), "bonferroni" (family-wise error), "none".
Entries that are None (columns without a p-value) are skipped and stay None; the others are
adjusted among themselves. statsmodels' `multipletests` is the oracle in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CORRECTIONS = ("bh", "bonferroni", "none")


def adjust(p_values: Sequence[float | None], method: str) -> list[float | None]:
    """Adjusted p-values in the input order, each capped at 1; None entries kept None."""
    if method not in CORRECTIONS:
        raise ValueError(f"unknown correction {method!r}: use one of {', '.join(CORRECTIONS)}")
    where = [i for i, p in enumerate(p_values) if p is not None]
    p = np.array([p_values[i] for i in where], dtype=np.float64)
    if np.any(np.isnan(p) | (p < 0) | (p > 1)):
        raise ValueError(f"p-values must lie in [0, 1], got {p_values!r}")
    adjusted = (
        _bh(p) if method == "bh" else np.minimum(p * len(p), 1.0) if method == "bonferroni" else p
    )
    out: list[float | None] = [None] * len(p_values)
    for i, value in zip(where, adjusted, strict=True):
        out[i] = float(value)
    return out


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg: min over j >= rank of p_(j) * m / j, capped at 1 (monotone in p)."""
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    monotone = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(monotone, 1.0)
    return out
