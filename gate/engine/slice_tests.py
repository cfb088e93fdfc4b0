"""Each slice's one-sided test of "its metric is worse than the threshold", and its interval.

A share (accuracy, a rate): `hits` of `support` rows; the exact binomial test (scipy's
`binomtest` is the oracle) and the Clopper-Pearson (exact) interval. A mean per-row error
(mae, mse, mape; rmse as the root of mse): the one-sided one-sample t test of the slice's
per-row errors (scipy's `ttest_1samp`), and the t interval of the mean. All vectorised over
the slices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95  # the level of every slice's interval (its verdict is the BH q-value)


@dataclass(frozen=True)
class Counts:
    """Per slice: its rows, the rows its metric is a share of (`support`; for an error, its
    rows), and the sum (hits, or errors) and sum of squares (errors) over them."""

    rows: np.ndarray
    support: np.ndarray
    total: np.ndarray
    squares: np.ndarray | None = None  # None: a share


@dataclass(frozen=True)
class Tested:
    """Per slice: the metric's value, its interval and the one-sided p-value."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray


def share_tests(c: Counts, threshold: float, worse: str) -> Tested:
    """Exact binomial: P(hits <= k) under the threshold share when lower is worse
    (`worse` "low"), P(hits >= k) when higher is worse ("high")."""
    k, n = c.total, c.support
    below = worse == "low"
    p = stats.binom.cdf(k, n, threshold) if below else stats.binom.sf(k - 1, n, threshold)
    alpha = (1 - CONFIDENCE) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, stats.beta.ppf(alpha, k, n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - alpha, k + 1, n - k), 1.0)
    return Tested(k / n, low, high, np.clip(p, 0.0, 1.0))


def mean_tests(c: Counts, threshold: float) -> Tested:
    """One-sided t test of "the slice's mean error is above the threshold" (higher is worse),
    with n - 1 degrees of freedom; a slice whose errors are all equal has p 0 (above) or 1."""
    assert c.squares is not None
    n = c.support
    mean = c.total / n
    var = np.maximum(c.squares - c.total * mean, 0.0) / np.maximum(n - 1, 1)
    se = np.sqrt(var / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (mean - threshold) / se
        p = np.where(se > 0, stats.t.sf(t, n - 1), np.where(mean > threshold, 0.0, 1.0))
        half = stats.t.ppf(1 - (1 - CONFIDENCE) / 2, n - 1) * se
    return Tested(mean, mean - half, mean + half, np.clip(p, 0.0, 1.0))
