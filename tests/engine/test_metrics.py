"""Every registered metric against values derived independently of the library it calls:
worked by hand on tiny inputs, and from textbook formulas in numpy (confusion counts, pairwise
ranking, weighted means) on random inputs, with and without sample weights."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gate.engine.metrics import METRICS, Input, Task

# y = 1 1 1 0 0 0 0 0; label = 1 1 0 1 0 0 0 0  ->  tp 2, fn 1, fp 1, tn 4
Y = [1, 1, 1, 0, 0, 0, 0, 0]
LABEL = [1, 1, 0, 1, 0, 0, 0, 0]
# scores, highest first: 0.9 (1), 0.8 (0), 0.7 (1), 0.6 (0), 0.5 (1), 0.2 0.2 0.1 (0)
SCORE = [0.9, 0.7, 0.5, 0.8, 0.6, 0.2, 0.2, 0.1]
TRUTH, PRED = [3.0, -1.0, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]  # errors -0.5, 1, 0, 1

BY_HAND = {
    "accuracy": 6 / 8,
    "balanced_accuracy": (2 / 3 + 4 / 5) / 2,
    "precision": 2 / 3,
    "recall": 2 / 3,
    "f1": 2 * 2 / (2 * 2 + 1 + 1),
    "selection_rate": 3 / 8,
    "true_positive_rate": 2 / 3,
    "true_negative_rate": 4 / 5,
    "false_positive_rate": 1 / 5,
    "false_negative_rate": 1 / 3,
    # pairs (positive, negative) ranked right: 0.9 beats 5, 0.7 beats 4, 0.5 beats 3 -> 12 / 15
    "roc_auc": 12 / 15,
    # precision at each positive, highest score first: 1/1, 2/3, 3/5 -> mean over 3 positives
    "average_precision": (1 + 2 / 3 + 3 / 5) / 3,
    "log_loss": -(
        math.log(0.9)
        + math.log(0.7)
        + math.log(0.5)
        + math.log(0.2)
        + math.log(0.4)
        + 2 * math.log(0.8)
        + math.log(0.9)
    )
    / 8,
    "brier_score": (0.01 + 0.09 + 0.25 + 0.64 + 0.36 + 0.04 + 0.04 + 0.01) / 8,
    "mae": (0.5 + 1 + 0 + 1) / 4,
    "mse": (0.25 + 1 + 0 + 1) / 4,
    "rmse": math.sqrt(2.25 / 4),
    # mean 2.75; squares about it: 0.0625 + 14.0625 + 0.5625 + 18.0625 = 32.75
    "r2": 1 - 2.25 / 32.75,
    "mape": (0.5 / 3 + 1 / 1 + 0 / 2 + 1 / 7) / 4,
}


def test_every_metric_is_worked_by_hand():
    assert set(BY_HAND) == set(METRICS)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_metric_equals_the_value_worked_by_hand(name: str):
    metric = METRICS[name]
    if metric.task is Task.REGRESSION:
        y, pred = np.array(TRUTH), np.array(PRED)
    else:
        y = np.array(Y)
        pred = np.array(SCORE if metric.input is Input.SCORE else LABEL)
    assert metric(y, pred, None) == pytest.approx(BY_HAND[name], abs=1e-12, rel=0)


def confusion(y: np.ndarray, label: np.ndarray, w: np.ndarray) -> tuple[float, ...]:
    return tuple(
        float(w[(y == a) & (label == b)].sum()) for a, b in ((1, 1), (0, 1), (1, 0), (0, 0))
    )


def label_formula(name: str, y: np.ndarray, label: np.ndarray, w: np.ndarray) -> float:
    tp, fp, fn, tn = confusion(y, label, w)
    return {
        "accuracy": (tp + tn) / (tp + fp + fn + tn),
        "balanced_accuracy": (tp / (tp + fn) + tn / (tn + fp)) / 2,
        "precision": tp / (tp + fp),
        "recall": tp / (tp + fn),
        "f1": 2 * tp / (2 * tp + fp + fn),
        "selection_rate": (tp + fp) / (tp + fp + fn + tn),
        "true_positive_rate": tp / (tp + fn),
        "true_negative_rate": tn / (tn + fp),
        "false_positive_rate": fp / (fp + tn),
        "false_negative_rate": fn / (fn + tp),
    }[name]


def pairwise_auc(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> float:
    """P(a positive outscores a negative), ties one half, every pair weighted."""
    pos, neg = y == 1, y == 0
    diff = s[pos][:, None] - s[neg][None, :]
    pair_w = w[pos][:, None] * w[neg][None, :]
    return float((pair_w * ((diff > 0) + 0.5 * (diff == 0))).sum() / pair_w.sum())


def stepwise_ap(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> float:
    """Sum over distinct thresholds, highest first, of (recall gained) x precision there."""
    total, ap, recall_before = float(w[y == 1].sum()), 0.0, 0.0
    for t in np.unique(s)[::-1]:
        above = s >= t
        tp = float(w[above & (y == 1)].sum())
        recall = tp / total
        ap += (recall - recall_before) * tp / float(w[above].sum())
        recall_before = recall
    return ap


def score_formula(name: str, y: np.ndarray, s: np.ndarray, w: np.ndarray) -> float:
    mean = lambda v: float((w * v).sum() / w.sum())  # noqa: E731
    if name == "roc_auc":
        return pairwise_auc(y, s, w)
    if name == "average_precision":
        return stepwise_ap(y, s, w)
    if name == "log_loss":
        return mean(-np.where(y == 1, np.log(s), np.log(1 - s)))
    return mean((y - s) ** 2)  # brier_score


def regression_formula(name: str, y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    mean = lambda v: float((w * v).sum() / w.sum())  # noqa: E731
    if name == "r2":
        return 1 - mean((y - p) ** 2) / mean((y - mean(y)) ** 2)
    value = {
        "mae": mean(np.abs(y - p)),
        "mse": mean((y - p) ** 2),
        "rmse": mean((y - p) ** 2),
        "mape": mean(np.abs(y - p) / np.abs(y)),
    }[name]
    return math.sqrt(value) if name == "rmse" else value


def arrays(metric, seed: int, n: int):
    rng = np.random.default_rng(seed)
    if metric.task is Task.REGRESSION:
        y = rng.normal(5, 2, n)
        return y, y + rng.normal(0, 1, n)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    score = np.round(np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0.01, 0.99), 2)  # ties
    return y, (score if metric.input is Input.SCORE else (score >= 0.5).astype(int))


@pytest.mark.parametrize("name", sorted(METRICS))
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_metric_equals_its_formula(name: str, seed: int, weighted: bool):
    metric = METRICS[name]
    n = [9, 200, 3000][seed]
    y, pred = arrays(metric, seed, n)
    weight = np.random.default_rng(seed + 10).uniform(0.1, 3, n) if weighted else None
    w = np.ones(n) if weight is None else weight
    if metric.task is Task.REGRESSION:
        expected = regression_formula(name, y, pred, w)
    elif metric.input is Input.SCORE:
        expected = score_formula(name, y, pred, w)
    else:
        expected = label_formula(name, y, pred, w)
    assert metric(y, pred, weight) == pytest.approx(expected, abs=1e-9, rel=1e-9)


@pytest.mark.parametrize(
    ("name", "y", "label", "lacks"),
    [
        ("precision", [1, 0], [0, 0], "predicted positives"),
        ("recall", [0, 0], [1, 0], "positives"),
        ("true_positive_rate", [0, 0], [1, 0], "positives"),
        ("false_negative_rate", [0, 0], [1, 0], "positives"),
        ("true_negative_rate", [1, 1], [1, 0], "negatives"),
        ("false_positive_rate", [1, 1], [1, 0], "negatives"),
        ("f1", [0, 0], [0, 0], "positives or predicted positives"),
    ],
)
def test_a_rate_over_no_rows_is_undefined(name: str, y: list, label: list, lacks: str):
    """Libraries report 0 here; 0 would judge (e.g. pass a max) on no evidence."""
    metric = METRICS[name]
    assert metric.rows == lacks
    assert math.isnan(metric(np.array(y), np.array(label), None))
    zero_weight = np.array([0.0, 0.0])
    assert math.isnan(metric(np.array([1, 0]), np.array([1, 1]), zero_weight))


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
