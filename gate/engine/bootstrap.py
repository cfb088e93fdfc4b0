"""Seeded percentile bootstrap of a metric over rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MetricFn = Callable[[np.ndarray, np.ndarray, np.ndarray | None], float]


def bootstrap_interval(
    metric: MetricFn,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None,
    *,
    confidence: float,
    resamples: int,
    seed: int,
) -> tuple[float, float] | None:
    """The two-sided percentile interval of `metric` over `resamples` row resamples.

    Resamples on which the metric is undefined (e.g. a single class for roc_auc) are dropped;
    None when fewer than half of them are usable.
    """
    rng = np.random.default_rng(seed)
    n = len(y_true)
    values = []
    for _ in range(resamples):
        idx = rng.integers(0, n, n)
        try:
            value = metric(y_true[idx], y_pred[idx], None if weight is None else weight[idx])
        except ValueError:
            continue
        if np.isfinite(value):
            values.append(value)
    if len(values) < resamples / 2:
        return None
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(np.asarray(values), [alpha, 1.0 - alpha])
    return float(low), float(high)
