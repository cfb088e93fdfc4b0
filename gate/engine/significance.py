"""Significance of selection-rate differences: Fisher's exact test per group."""

from __future__ import annotations

import numpy as np


def selection_p_values(
    selected: np.ndarray, n: np.ndarray, reference: int | None
) -> list[float | None]:
    """Two-sided Fisher exact p-value of each group's selection rate against the reference
    group (or, without one, against all other rows). None for the reference itself."""
    from scipy.stats import fisher_exact

    out: list[float | None] = []
    for j in range(len(n)):
        if reference is not None and j == reference:
            out.append(None)
            continue
        if reference is None:
            other_sel, other_n = selected.sum() - selected[j], n.sum() - n[j]
        else:
            other_sel, other_n = selected[reference], n[reference]
        table = np.array([[selected[j], n[j] - selected[j]], [other_sel, other_n - other_sel]])
        out.append(
            None if other_n == 0 or n[j] == 0 else min(1.0, float(fisher_exact(table).pvalue))
        )
    return out
