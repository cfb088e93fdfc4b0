"""Slow, obviously-correct references the fast engine is tested against."""

from __future__ import annotations

import numpy as np


def sklearn_bootstrap(metric, y, pred, weight, resamples: int, seed: int) -> np.ndarray:
    """The metric re-run on each resample, drawn exactly as engine.resample.row_count_chunks."""
    rng = np.random.default_rng(seed)
    n = len(y)
    out = []
    for _ in range(resamples):
        idx = rng.integers(0, n, n)
        try:
            out.append(metric(y[idx], pred[idx], None if weight is None else weight[idx]))
        except ValueError:
            out.append(np.nan)
    return np.asarray(out)
