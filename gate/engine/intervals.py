"""Bootstrap values of an overall metric, computed from resampled statistics.

No metric function is re-run per resample: label metrics come from resampled confusion counts,
mean losses from per-row counts times per-row losses, and ranking metrics from per-row counts
over the scores sorted once. `tests/engine` checks each against scikit-learn on the same
resamples.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gate.engine.group_metrics import GROUP_METRICS
from gate.engine.metrics import Input, Metric, Task
from gate.engine.resample import percentile_interval, resample_confusion, row_count_chunks
from gate.engine.stats import ConfusionStats

EPS = np.finfo(np.float64).eps


def row_losses(name: str, y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    if name == "brier_score":
        return (y - pred) ** 2
    if name == "log_loss":
        p = np.clip(pred, EPS, 1 - EPS)
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))
    err = pred - y
    if name == "mape":
        return np.abs(err) / np.maximum(np.abs(y), EPS)
    return np.abs(err) if name == "mae" else err * err


MEAN_LOSSES = {"brier_score", "log_loss", "mae", "mse", "rmse", "mape"}
RANKING = {"roc_auc", "average_precision"}


def bootstrap_values(
    metric: Metric,
    y: np.ndarray,
    pred: np.ndarray,
    weight: np.ndarray | None,
    resamples: int,
    seed: int,
) -> np.ndarray:
    """The metric on each of `resamples` bootstrap resamples (NaN where undefined)."""
    if metric.task is Task.BINARY and metric.input is Input.LABEL:
        return _from_confusion(metric.name, y, pred, weight, resamples, seed)
    w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    if metric.name in MEAN_LOSSES:
        loss = row_losses(metric.name, y, pred)
        values = _per_chunk(lambda c: (c @ (w * loss)) / (c @ w), len(y), resamples, seed)
        return np.sqrt(values) if metric.name == "rmse" else values
    if metric.name == "r2":
        return _per_chunk(lambda c: _r2(c, y, pred, w), len(y), resamples, seed)
    if metric.name in RANKING:
        ranking = roc_auc_rows if metric.name == "roc_auc" else average_precision_rows
        return _ranked(ranking, y, pred, w, resamples, seed)
    raise KeyError(f"no bootstrap for metric {metric.name}")


def metric_interval(
    metric: Metric,
    y: np.ndarray,
    pred: np.ndarray,
    weight: np.ndarray | None,
    *,
    confidence: float,
    resamples: int,
    seed: int,
) -> tuple[float, float] | None:
    """The percentile interval; None when the metric is undefined on most resamples."""
    values = bootstrap_values(metric, y, pred, weight, resamples, seed)
    return percentile_interval(values, confidence)


def _from_confusion(
    name: str, y: np.ndarray, pred: np.ndarray, weight: np.ndarray | None, resamples: int, seed: int
) -> np.ndarray:
    codes = np.zeros(len(y), dtype=np.int64)
    stats = resample_confusion(codes, 1, y, pred, weight, resamples, seed)
    if name == "balanced_accuracy":
        return balanced_accuracy(stats)[:, 0]
    return GROUP_METRICS[name].compute(stats)[:, 0]


def balanced_accuracy(stats: ConfusionStats) -> np.ndarray:
    """Mean recall of the classes present in y_true (scikit-learn's definition); NaN if none."""
    pos, neg = stats.tp + stats.fn, stats.tn + stats.fp
    with np.errstate(divide="ignore", invalid="ignore"):
        tpr, tnr = stats.tp / pos, stats.tn / neg
    present = (pos > 0).astype(float) + (neg > 0)
    total = np.where(pos > 0, tpr, 0.0) + np.where(neg > 0, tnr, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(present > 0, total / present, np.nan)


def _per_chunk(
    fn: Callable[[np.ndarray], np.ndarray], n: int, resamples: int, seed: int
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.concatenate([fn(c.astype(float)) for c in row_count_chunks(n, resamples, seed)])


def _r2(c: np.ndarray, y: np.ndarray, pred: np.ndarray, w: np.ndarray) -> np.ndarray:
    sw, swy, swyy = c @ w, c @ (w * y), c @ (w * y * y)
    sse = c @ (w * (pred - y) ** 2)
    sst = swyy - swy * swy / sw
    return np.where(sst > 0, 1 - sse / np.where(sst > 0, sst, 1), np.where(sse == 0, 1.0, 0.0))


def _ranked(
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    y: np.ndarray,
    score: np.ndarray,
    w: np.ndarray,
    resamples: int,
    seed: int,
) -> np.ndarray:
    """Rows sorted by score once; ties grouped; `fn` gets per-tie-group positive and negative
    weights of each resample, in ascending score order."""
    order = np.argsort(score, kind="mergesort")
    sorted_score = score[order]
    starts = np.flatnonzero(np.r_[True, sorted_score[1:] != sorted_score[:-1]])
    pos_w, neg_w = (w * y)[order], (w * (1 - y))[order]

    def chunk(c: np.ndarray) -> np.ndarray:
        c = c[:, order]
        return fn(
            np.add.reduceat(c * pos_w, starts, axis=1), np.add.reduceat(c * neg_w, starts, axis=1)
        )

    return _per_chunk(chunk, len(y), resamples, seed)


def roc_auc_rows(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Mann-Whitney: P(score of a positive > a negative), ties counting one half."""
    below = np.cumsum(neg, axis=1) - neg
    return (pos * (below + 0.5 * neg)).sum(axis=1) / (pos.sum(axis=1) * neg.sum(axis=1))


def average_precision_rows(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """scikit-learn's step-wise AP over thresholds at the distinct scores, highest first."""
    pos, neg = pos[:, ::-1], neg[:, ::-1]
    tps, fps = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)
    precision = np.where(tps + fps > 0, tps / np.where(tps + fps > 0, tps + fps, 1), 0.0)
    total = tps[:, -1:]
    gain = pos / np.where(total > 0, total, np.nan)
    return (gain * precision).sum(axis=1)
