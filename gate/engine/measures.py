"""Overall metrics of one model's outputs, read from the parts of a profile.

Label metrics come from the confusion cells, score metrics from the score cells, regression
metrics from the regression moments; each gives its point value (and the bound on its error
when it was computed from bins) and its bootstrap values, drawn over cells. The metric
functions of metrics.py (scikit-learn, fairlearn) are the oracle these are tested against.
"""

from __future__ import annotations

import numpy as np

from gate.engine.group_metrics import GROUP_METRICS
from gate.engine.intervals import balanced_accuracy
from gate.engine.metrics import Input, Metric, Task
from gate.engine.profile import Parts
from gate.engine.stats import ConfusionStats

#: the rows each rate is a share of, from confusion statistics (see metrics.ROWS)
RATE_ROWS = {
    "positives": lambda s: s.tp + s.fn,
    "negatives": lambda s: s.tn + s.fp,
    "predicted positives": lambda s: s.tp + s.fp,
    "positives or predicted positives": lambda s: s.tp + s.fp + s.fn,
}


PROBABILITY_METRICS = ("brier_score", "log_loss")


class Unmeasurable(ValueError):
    """The outputs lack what the metric reads (e.g. scores)."""


def _label_values(metric: Metric, stats: ConfusionStats) -> np.ndarray:
    """The label metric over all groups, for stats with groups on the last axis."""
    total = stats.total()
    if metric.name == "balanced_accuracy":
        values = balanced_accuracy(total)[..., 0]
    else:
        values = GROUP_METRICS[metric.name].compute(total)[..., 0]
    if metric.rows is not None:
        rows = RATE_ROWS[metric.rows](total)[..., 0]
        values = np.where(rows > 0, values, np.nan)
    return values


def _part(metric: Metric, parts: Parts) -> tuple[str, object]:
    if metric.task is Task.REGRESSION:
        name = "regression"
    elif metric.input is Input.SCORE:
        name = "scores"
    else:
        name = "confusion"
    if name not in parts:
        raise Unmeasurable(f"{metric.name} needs {name}, which these outputs do not have")
    if name == "scores" and metric.name in PROBABILITY_METRICS:
        from gate.engine import scores

        if not scores.probabilities(parts[name]):
            raise Unmeasurable(
                f"{metric.name} needs probabilities in [0, 1], and these scores reach outside "
                "it (decision values, or a score column that is not a probability)"
            )
    return name, parts[name]


def value(metric: Metric, parts: Parts) -> tuple[float, float]:
    """(the metric's value, a bound on its error: 0.0 when exact); NaN where undefined."""
    name, part = _part(metric, parts)
    if name == "confusion":
        return float(_label_values(metric, part.stats())), 0.0
    if name == "scores":
        from gate.engine import score_values

        result, bound = score_values.value(metric.name, part)
        return float(result), float(bound)
    from gate.engine import regression

    return float(regression.value(metric.name, part)), 0.0


def bootstrap(metric: Metric, parts: Parts, resamples: int, seed: int) -> np.ndarray:
    """The metric on each of `resamples` bootstrap resamples (NaN where undefined)."""
    name, part = _part(metric, parts)
    if name == "confusion":
        ones = np.ones((part.n.shape[0], 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            return _label_values(metric, part.fold(ones).resample(resamples, seed))
    if name == "scores":
        from gate.engine import score_bootstrap

        return score_bootstrap.bootstrap(metric.name, part, resamples, seed)
    from gate.engine import regression

    return regression.bootstrap(metric.name, part, resamples, seed)


def total_weight(parts: Parts) -> float:
    """The summed sample weight of the rows (their count when unweighted)."""
    if "regression" in parts:
        return float(parts["regression"].sums[:, 0].sum())
    total = parts["confusion"].stats().total()
    return float((total.tp + total.fp + total.fn + total.tn).sum())
