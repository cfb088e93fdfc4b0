"""Every registered metric equals scikit-learn's / fairlearn's on the same inputs (1e-12)."""

from __future__ import annotations

import fairlearn.metrics as flm
import numpy as np
import pytest
import sklearn.metrics as skm

from gate.engine.metrics import METRICS, Input, Task

REFERENCE = {
    "accuracy": skm.accuracy_score,
    "balanced_accuracy": skm.balanced_accuracy_score,
    "precision": lambda y, p, sample_weight: skm.precision_score(
        y, p, sample_weight=sample_weight, zero_division=0.0
    ),
    "recall": lambda y, p, sample_weight: skm.recall_score(
        y, p, sample_weight=sample_weight, zero_division=0.0
    ),
    "f1": lambda y, p, sample_weight: skm.f1_score(
        y, p, sample_weight=sample_weight, zero_division=0.0
    ),
    "selection_rate": flm.selection_rate,
    "true_positive_rate": flm.true_positive_rate,
    "true_negative_rate": flm.true_negative_rate,
    "false_positive_rate": flm.false_positive_rate,
    "false_negative_rate": flm.false_negative_rate,
    "roc_auc": skm.roc_auc_score,
    "average_precision": skm.average_precision_score,
    "log_loss": skm.log_loss,
    "brier_score": skm.brier_score_loss,
    "mae": skm.mean_absolute_error,
    "mse": skm.mean_squared_error,
    "rmse": skm.root_mean_squared_error,
    "r2": skm.r2_score,
    "mape": skm.mean_absolute_percentage_error,
}


def test_every_metric_has_a_reference():
    assert set(REFERENCE) == set(METRICS)


def arrays(metric, seed: int, n: int):
    rng = np.random.default_rng(seed)
    if metric.task is Task.REGRESSION:
        y = rng.normal(5, 2, n)
        return y, y + rng.normal(0, 1, n)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    score = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 1e-6, 1 - 1e-6)
    return y, (score if metric.input is Input.SCORE else (score >= 0.5).astype(int))


@pytest.mark.parametrize("name", sorted(METRICS))
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_metric_equals_reference(name: str, seed: int, weighted: bool):
    metric = METRICS[name]
    n = [7, 200, 5000][seed]
    y, pred = arrays(metric, seed, n)
    weight = np.random.default_rng(seed + 10).uniform(0.1, 3, n) if weighted else None
    expected = REFERENCE[name](y, pred, sample_weight=weight)
    assert metric(y, pred, weight) == pytest.approx(expected, abs=1e-12, rel=0)


def test_metric_directions():
    lower_better = {n for n, m in METRICS.items() if not m.greater_is_better}
    assert lower_better == {
        "log_loss",
        "brier_score",
        "mae",
        "mse",
        "rmse",
        "mape",
        "false_positive_rate",
        "false_negative_rate",
    }
