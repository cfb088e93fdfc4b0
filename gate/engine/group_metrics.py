"""Per-group metrics derived from sufficient statistics, registered by name.

Definitions are fairlearn's / scikit-learn's: a rate whose denominator is zero is 0 (scikit-learn's
confusion_matrix(normalize="true") and zero_division=0), except selection_rate and the regression
means, which are undefined (NaN) for a group of zero total weight, as in fairlearn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gate.engine.metrics import METRICS, Task
from gate.engine.stats import ConfusionStats, RegressionStats


def _rate(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den == 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, 0.0, num / np.where(den == 0, 1, den))


def _mean(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den


@dataclass(frozen=True)
class GroupMetric:
    """A metric computable for every group from one kind of statistics."""

    name: str
    task: Task
    compute: Callable[[ConfusionStats], np.ndarray] | Callable[[RegressionStats], np.ndarray]
    greater_is_better: bool
    description: str


def _weight(s: ConfusionStats) -> np.ndarray:
    return s.tp + s.fp + s.fn + s.tn


_B, _R = Task.BINARY, Task.REGRESSION

GROUP_METRICS: dict[str, GroupMetric] = {
    m.name: m
    for m in (
        GroupMetric(
            "selection_rate",
            _B,
            lambda s: _mean(s.tp + s.fp, _weight(s)),
            True,
            "share predicted positive",
        ),
        GroupMetric(
            "scoring_rate",
            _B,
            lambda s: _mean(s.tp + s.fp, _weight(s)),
            True,
            "share scoring above the whole sample's median score (NYC LL144)",
        ),
        GroupMetric(
            "true_positive_rate",
            _B,
            lambda s: _rate(s.tp, s.tp + s.fn),
            True,
            "share of positives predicted positive (recall)",
        ),
        GroupMetric(
            "false_positive_rate",
            _B,
            lambda s: _rate(s.fp, s.fp + s.tn),
            False,
            "share of negatives predicted positive",
        ),
        GroupMetric(
            "false_negative_rate",
            _B,
            lambda s: _rate(s.fn, s.tp + s.fn),
            False,
            "share of positives predicted negative",
        ),
        GroupMetric(
            "true_negative_rate",
            _B,
            lambda s: _rate(s.tn, s.tn + s.fp),
            True,
            "share of negatives predicted negative",
        ),
        GroupMetric(
            "precision",
            _B,
            lambda s: _rate(s.tp, s.tp + s.fp),
            True,
            "share of predicted positives that are positive",
        ),
        GroupMetric(
            "recall",
            _B,
            lambda s: _rate(s.tp, s.tp + s.fn),
            True,
            "share of positives predicted positive",
        ),
        GroupMetric(
            "accuracy",
            _B,
            lambda s: _mean(s.tp + s.tn, _weight(s)),
            True,
            "share of correct predictions",
        ),
        GroupMetric(
            "f1",
            _B,
            lambda s: _rate(2 * s.tp, 2 * s.tp + s.fp + s.fn),
            True,
            "harmonic mean of precision and recall",
        ),
        GroupMetric(
            "mean_prediction", _R, lambda s: _mean(s.pred, s.w), True, "mean predicted value"
        ),
        GroupMetric("mae", _R, lambda s: _mean(s.abs_err, s.w), False, "mean absolute error"),
        GroupMetric("mse", _R, lambda s: _mean(s.sq_err, s.w), False, "mean squared error"),
        GroupMetric(
            "rmse", _R, lambda s: np.sqrt(_mean(s.sq_err, s.w)), False, "root mean squared error"
        ),
    )
}


#: rates over a subset of the rows: (what a group lacks when the rate is undefined, that
#: subset's weight). Libraries report 0 for such a group; a check refuses to judge it.
RATE_ROWS: dict[str, tuple[str, Callable[[ConfusionStats], np.ndarray]]] = {
    "true_positive_rate": ("no positive examples", lambda s: s.tp + s.fn),
    "recall": ("no positive examples", lambda s: s.tp + s.fn),
    "false_negative_rate": ("no positive examples", lambda s: s.tp + s.fn),
    "false_positive_rate": ("no negative examples", lambda s: s.tn + s.fp),
    "true_negative_rate": ("no negative examples", lambda s: s.tn + s.fp),
    "precision": ("no predicted positives", lambda s: s.tp + s.fp),
    "f1": ("no positive examples and no predicted positives", lambda s: s.tp + s.fp + s.fn),
}


@dataclass(frozen=True)
class NamedDisparity:
    """A fairlearn fairness metric: an aggregate of one or two group metrics."""

    name: str
    components: tuple[str, ...]
    aggregate: str


NAMED_DISPARITIES: dict[str, NamedDisparity] = {
    d.name: d
    for d in (
        NamedDisparity("demographic_parity_difference", ("selection_rate",), "difference"),
        NamedDisparity("demographic_parity_ratio", ("selection_rate",), "ratio"),
        NamedDisparity(
            "equalized_odds_difference", ("true_positive_rate", "false_positive_rate"), "difference"
        ),
        NamedDisparity(
            "equalized_odds_ratio", ("true_positive_rate", "false_positive_rate"), "ratio"
        ),
        NamedDisparity("equal_opportunity_difference", ("true_positive_rate",), "difference"),
        NamedDisparity("equal_opportunity_ratio", ("true_positive_rate",), "ratio"),
    )
}


#: group metrics computed on "score above the whole sample's median" instead of the prediction
ABOVE_MEDIAN = {"scoring_rate"}


def task_of(name: str) -> Task | None:
    """The task a metric name belongs to, in any registry (None if unknown)."""
    for table in (METRICS, GROUP_METRICS):
        if name in table:
            return table[name].task
    return Task.BINARY if name in NAMED_DISPARITIES else None
