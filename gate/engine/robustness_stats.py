"""What the model's outputs on the probes show: changed decisions, score changes,
monotonicity violations, and the exact binomial interval of a share. Pure, no I/O."""

from __future__ import annotations

import numpy as np
from scipy.stats import beta

MONOTONIC_SLACK = 1e-9  # a score may fall by this much (floating-point noise) and stay monotone


def clopper_pearson(k: int, n: int, confidence: float) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval of a binomial share k / n at `confidence`."""
    if n == 0:
        return 0.0, 1.0
    alpha = 1.0 - confidence
    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def changed(
    base: np.ndarray, other: np.ndarray, regression: bool, tolerance: float | None
) -> np.ndarray:
    """Whether each decision changed: another label (classification), or a predicted value
    that moved by more than `tolerance` (regression)."""
    if regression:
        assert tolerance is not None  # the check refuses regression flips without one
        return np.abs(other - base) > tolerance
    return other != base


def copies(values: np.ndarray, rows: int) -> np.ndarray:
    """A probe's stacked outputs as (copies, rows), or (copies, rows, classes) for a
    multiclass model's probabilities."""
    return values.reshape(-1, rows, *values.shape[1:])


def flips_and_change(
    base_labels: np.ndarray,
    base_scores: np.ndarray | None,
    labels: np.ndarray,
    scores: np.ndarray | None,
    regression: bool,
    tolerance: float | None,
) -> tuple[np.ndarray, float | None]:
    """Per row whether any copy changed its decision, and the largest absolute score change
    over every row and copy (None without scores). `labels` / `scores` are (copies, rows);
    multiclass: labels are class indices (a flip is another predicted class) and scores
    (copies, rows, classes), the change the largest of any class's probability."""
    flipped = changed(base_labels[None, :], labels, regression, tolerance).any(axis=0)
    if base_scores is None or scores is None:
        return flipped, None
    delta = np.abs(scores - base_scores[None, :])
    finite = delta[np.isfinite(delta)]
    return flipped, float(finite.max()) if finite.size else 0.0


def monotonic_violations(scores: np.ndarray, direction: str) -> np.ndarray:
    """Per row whether its scores along the ascending grid (copies, rows) ever move against
    `direction` by more than MONOTONIC_SLACK."""
    steps = np.diff(scores, axis=0)
    if direction == "decreasing":
        steps = -steps
    return (steps < -MONOTONIC_SLACK).any(axis=0)
