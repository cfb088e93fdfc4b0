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


EDGES = {
    # scores of exactly 0 and 1 are clipped, as scikit-learn does, before the logarithm
    "log_loss": ([0, 1, 1, 0, 1, 0], [0.0, 1.0, 0.0, 1.0, 0.6, 0.3]),
    "brier_score": ([0, 1, 1, 0, 1, 0], [0.0, 1.0, 0.0, 1.0, 0.6, 0.3]),
    # a truth of 0 divides by the smallest float, as scikit-learn does
    "mape": ([0.0, 2.0, -4.0, 1.0], [0.5, 2.0, -3.0, 1.5]),
    # few distinct truths: many resamples have a constant truth (r2 1 if exact, else 0)
    "r2": ([1.0, 1.0, 2.0], [1.0, 1.5, 2.0]),
    "mae": ([1.0, 1.0, 2.0], [1.0, 1.5, 2.0]),
    "rmse": ([1.0, 1.0, 2.0], [1.0, 1.5, 2.0]),
    "mse": ([1.0, 1.0, 2.0], [1.0, 1.5, 2.0]),
    # ties across classes, and resamples without one class (undefined)
    "roc_auc": ([0, 1, 0, 1, 1], [0.5, 0.5, 0.2, 0.9, 0.2]),
    "average_precision": ([0, 1, 0, 1, 1], [0.5, 0.5, 0.2, 0.9, 0.2]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
@pytest.mark.parametrize("weighted", [False, True])
def test_row_resampled_metrics_at_their_edges_equal_sklearn(name: str, weighted: bool):
    metric = METRICS[name]
    y, pred = (np.asarray(v, dtype=float) for v in EDGES[name])
    if metric.task is Task.BINARY:
        y = y.astype(int)
    w = np.linspace(0.5, 2.0, len(y)) if weighted else None
    ours = bootstrap_values(metric, y, pred, w, resamples=300, seed=7)
    oracle = sklearn_bootstrap(metric, y, pred, w, resamples=300, seed=7)
    if name == "roc_auc":  # undefined where a resample has one class, in both
        assert np.isnan(oracle).any()
    if name == "average_precision":  # no positives: scikit-learn says 0, undefined here
        none = np.isnan(ours)
        assert none.any() and (oracle[none] == 0).all()
        ours, oracle = ours[~none], oracle[~none]
    if name == "log_loss":  # scikit-learn refuses a resample of one class; the loss is defined
        assert np.isfinite(ours).all()
        ours, oracle = ours[np.isfinite(oracle)], oracle[np.isfinite(oracle)]
    np.testing.assert_allclose(ours, oracle, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_balanced_accuracy_averages_the_recalls_of_the_classes_present():
    from gate.engine.intervals import balanced_accuracy
    from gate.engine.stats import ConfusionStats

    def stats(tp, fp, fn, tn):
        return ConfusionStats(*(np.array([float(v)]) for v in (tp, fp, fn, tn, 0)))

    assert balanced_accuracy(stats(3, 1, 1, 3))[0] == pytest.approx((3 / 4 + 3 / 4) / 2)
    assert balanced_accuracy(stats(2, 0, 2, 0))[0] == pytest.approx(0.5)  # no negatives
    assert balanced_accuracy(stats(0, 1, 0, 3))[0] == pytest.approx(0.75)  # no positives
    assert np.isnan(balanced_accuracy(stats(0, 0, 0, 0))[0])


@pytest.mark.parametrize("name", LABEL_METRICS)
@pytest.mark.parametrize("weighted", [False, True])
def test_label_metric_resamples_are_the_metric_of_resampled_confusion_counts(name, weighted):
    """Each resample's value is the textbook formula of that resample's confusion counts."""
    from gate.engine.resample import resample_confusion

    metric = METRICS[name]
    y, pred, _ = data(metric, 60, False, seed=4)
    w = np.random.default_rng(1).uniform(0.5, 2, 60) if weighted else None
    values = bootstrap_values(metric, y, pred, w, resamples=50, seed=3)
    s = resample_confusion(np.zeros(60, dtype=np.int64), 1, y, pred, w, 50, 3)
    tp, fp, fn, tn = (v[:, 0] for v in (s.tp, s.fp, s.fn, s.tn))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = lambda a, b: np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)  # noqa: E731
        expected = {
            "accuracy": (tp + tn) / (tp + fp + fn + tn),
            "balanced_accuracy": (rate(tp, tp + fn) + rate(tn, tn + fp)) / 2,
            "precision": rate(tp, tp + fp),
            "recall": rate(tp, tp + fn),
            "f1": rate(2 * tp, 2 * tp + fp + fn),
            "selection_rate": (tp + fp) / (tp + fp + fn + tn),
            "true_positive_rate": rate(tp, tp + fn),
            "true_negative_rate": rate(tn, tn + fp),
            "false_positive_rate": rate(fp, fp + tn),
            "false_negative_rate": rate(fn, fn + tp),
        }[name]
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-12)
    assert len(np.unique(values)) > 1


def test_metric_interval_passes_confidence_and_seed_through():
    metric = METRICS["mae"]
    y, pred, _ = data(metric, 100, False, seed=6)
    values = bootstrap_values(metric, y, pred, None, 200, seed=8)
    expected = tuple(np.quantile(values, [0.1, 0.9]))
    ci = metric_interval(metric, y, pred, None, confidence=0.8, resamples=200, seed=8)
    assert ci == pytest.approx(expected, abs=1e-12)


def test_a_metric_without_a_bootstrap_is_refused():
    from gate.engine.metrics import Metric

    odd = Metric("odd", Task.REGRESSION, Input.VALUE, "numpy:mean")
    with pytest.raises(KeyError, match="no bootstrap for metric odd"):
        bootstrap_values(odd, np.ones(3), np.ones(3), None, 2, 0)


def test_metric_interval_uses_the_weights():
    metric = METRICS["mae"]
    y, pred, w = data(metric, 80, True, seed=2)
    weighted = bootstrap_values(metric, y, pred, w, 100, seed=1)
    ci = metric_interval(metric, y, pred, w, confidence=0.5, resamples=100, seed=1)
    assert ci == pytest.approx(tuple(np.quantile(weighted, [0.25, 0.75])), abs=1e-12)
    assert ci != metric_interval(metric, y, pred, None, confidence=0.5, resamples=100, seed=1)


def test_balanced_accuracy_counts_a_class_of_fractional_weight_as_present():
    from gate.engine.intervals import balanced_accuracy
    from gate.engine.stats import ConfusionStats

    def stats(tp, fp, fn, tn):
        return ConfusionStats(*(np.array([float(v)]) for v in (tp, fp, fn, tn, 0)))

    assert balanced_accuracy(stats(0.5, 0.2, 0, 0.2))[0] == pytest.approx((1 + 0.5) / 2)
    assert balanced_accuracy(stats(0, 0.25, 0.5, 0.5))[0] == pytest.approx((0 + 2 / 3) / 2)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_undefined_resamples_raise_no_warnings(name: str):
    """Resamples of one class or of zero weight are NaN quietly: no RuntimeWarning reaches
    the terminal report (and none is an error under -W error)."""
    import warnings

    metric = METRICS[name]
    if metric.task is Task.REGRESSION:
        y, pred = np.array([1.0, 1.0, 2.0]), np.array([1.0, 1.5, 2.0])
    else:
        y = np.array([1, 0, 0])
        pred = np.array([0.9, 0.2, 0.4]) if metric.input is Input.SCORE else np.array([0, 0, 0])
    w = np.array([1.0, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = bootstrap_values(metric, y, pred, w, resamples=60, seed=0)
    assert values.shape == (60,)
