"""Resampled metric values from statistics equal scikit-learn's re-run on the same resamples."""

from __future__ import annotations

import numpy as np
import pytest
from oracles import sklearn_bootstrap

from gate.engine.intervals import MEAN_LOSSES, RANKING, bootstrap_values, metric_interval
from gate.engine.metrics import METRICS, Input, Task


def data(metric, n: int, weighted: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.2, 2.0, n) if weighted else None
    if metric.task is Task.REGRESSION:
        y = rng.normal(3, 1, n)
        return y, y + rng.normal(0, 0.7, n), w
    y = rng.integers(0, 2, n)
    score = np.round(np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1), 2)  # rounded: ties
    return y, (score if metric.input is Input.SCORE else (score >= 0.5).astype(int)), w


ROW_METRICS = sorted(MEAN_LOSSES | RANKING | {"r2"})


@pytest.mark.parametrize("name", ROW_METRICS)
@pytest.mark.parametrize("weighted", [False, True])
def test_row_resampled_metrics_equal_sklearn_on_the_same_resamples(name: str, weighted: bool):
    metric = METRICS[name]
    y, pred, w = data(metric, 300, weighted)
    ours = bootstrap_values(metric, y, pred, w, resamples=40, seed=5)
    oracle = sklearn_bootstrap(metric, y, pred, w, resamples=40, seed=5)
    np.testing.assert_allclose(ours, oracle, rtol=0, atol=1e-9)


LABEL_METRICS = sorted(n for n, m in METRICS.items() if m.input is Input.LABEL)


@pytest.mark.parametrize("name", LABEL_METRICS)
def test_label_metric_intervals_agree_with_the_sklearn_bootstrap(name: str):
    """Cell resampling is another draw of the same distribution: the intervals agree closely."""
    metric = METRICS[name]
    y, pred, _ = data(metric, 2000, False, seed=2)
    ours = metric_interval(metric, y, pred, None, confidence=0.9, resamples=2000, seed=1)
    values = sklearn_bootstrap(metric, y, pred, None, resamples=400, seed=1)
    oracle = np.quantile(values, [0.05, 0.95])
    width = oracle[1] - oracle[0]
    assert abs(ours[0] - oracle[0]) < 0.15 * width and abs(ours[1] - oracle[1]) < 0.15 * width


def test_same_seed_same_values():
    metric = METRICS["roc_auc"]
    y, pred, _ = data(metric, 200, False)
    a = bootstrap_values(metric, y, pred, None, 30, seed=3)
    assert np.array_equal(a, bootstrap_values(metric, y, pred, None, 30, seed=3))
    assert not np.array_equal(a, bootstrap_values(metric, y, pred, None, 30, seed=4))


def test_every_metric_has_a_bootstrap():
    for metric in METRICS.values():
        y, pred, _ = data(metric, 50, False)
        assert bootstrap_values(metric, y, pred, None, 5, seed=0).shape == (5,)


def test_interval_is_none_when_the_metric_is_mostly_undefined():
    from gate.engine.resample import percentile_interval

    values = np.r_[np.full(60, np.nan), np.linspace(0, 1, 40)]
    assert percentile_interval(values, 0.9) is None
    assert percentile_interval(values[30:], 0.9) == pytest.approx((0.05, 0.95))


def test_interval_brackets_the_point_estimate_and_narrows_with_confidence():
    metric = METRICS["roc_auc"]
    y, score, _ = data(metric, 500, False, seed=3)
    point = metric(y, score, None)
    wide = metric_interval(metric, y, score, None, confidence=0.99, resamples=300, seed=0)
    narrow = metric_interval(metric, y, score, None, confidence=0.5, resamples=300, seed=0)
    assert wide[0] < narrow[0] < point < narrow[1] < wide[1]
