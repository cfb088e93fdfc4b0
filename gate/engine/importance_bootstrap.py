"""Bootstrap draws of importances, shares, ranks and rank correlations over the sampled rows.

Each resample draws the sampled rows with replacement (row counts from resample.row_count_chunks,
seeded); every importance is recomputed on it from the outputs the model already gave (the
unshuffled rows and each shuffle), so a resample costs no model call, and the candidate and the
baseline, given the same seed, are judged on the same resampled rows (a paired comparison).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from gate.engine.group_metrics import GROUP_METRICS
from gate.engine.importance import Permuted
from gate.engine.intervals import (
    MEAN_LOSSES,
    average_precision_rows,
    balanced_accuracy,
    row_losses,
)
from gate.engine.metrics import Input, Metric, Task
from gate.engine.resample import row_count_chunks
from gate.engine.stats import ConfusionStats

if TYPE_CHECKING:
    from gate.engine.importance_classes import ClassMetric  # it imports this module


def resampled_scores(
    metric: Metric,
    y: np.ndarray,
    weight: np.ndarray | None,
    outputs: np.ndarray,
    resamples: int,
    seed: int,
) -> np.ndarray:
    """(resamples, k): `metric` of each of the k output vectors (rows: (k, n)) on the same
    bootstrap resamples of the n rows; NaN where undefined."""
    n = outputs.shape[1]
    w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    y = np.asarray(y, dtype=float)
    chunks = row_count_chunks(n, resamples, seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric.name == "roc_auc":  # unweighted: integer counts, exact and faster
            return np.concatenate(
                [resampled_roc_auc(y, weight, outputs.astype(float), c) for c in chunks]
            )
        return np.concatenate([_chunk(metric, y, w, outputs, c.astype(float)) for c in chunks])


def _chunk(
    metric: Metric, y: np.ndarray, w: np.ndarray, outputs: np.ndarray, c: np.ndarray
) -> np.ndarray:
    if metric.task is Task.BINARY and metric.input is Input.LABEL:
        return _confusion_metric(metric.name, y, w, outputs.T.astype(float), c)
    pred = outputs.T.astype(float)  # (n, k)
    if metric.name in MEAN_LOSSES:
        loss = row_losses(metric.name, y[:, None], pred)
        values = (c @ (w[:, None] * loss)) / (c @ w)[:, None]
        return np.sqrt(values) if metric.name == "rmse" else values
    if metric.name == "r2":
        sw, swy, swyy = c @ w, c @ (w * y), c @ (w * y * y)
        sse = c @ (w[:, None] * (pred - y[:, None]) ** 2)
        sst = (swyy - swy * swy / sw)[:, None]
        ok = sst > 0
        return np.where(ok, 1 - sse / np.where(ok, sst, 1), np.where(sse == 0, 1.0, 0.0))
    return np.stack([_ranked(average_precision_rows, y, w, col, c) for col in outputs], axis=1)


def resampled_roc_auc(
    y: np.ndarray, weight: np.ndarray | None, outputs: np.ndarray, c: np.ndarray
) -> np.ndarray:
    """Mann-Whitney on each resample: every positive's resampled weight times the resampled
    weight of the negatives scored below it (ties one half), read from the negatives' prefix
    sums in score order; equal to intervals.roc_auc_rows, several times faster (the rows of
    one class only are gathered per output, and no tie groups are summed). Without weights
    the counts stay integers (int32: exact, and half the memory traffic of floats)."""
    pos = y == 1
    if weight is None:
        cp, cn = c[:, pos].astype(np.int32), c[:, ~pos].astype(np.int32)
    else:
        w = np.asarray(weight, dtype=float)
        cp, cn = c[:, pos] * w[pos], c[:, ~pos] * w[~pos]
    total = cp.sum(axis=1, dtype=float) * cn.sum(axis=1, dtype=float)
    prefix = np.zeros((len(c), cn.shape[1] + 1), dtype=cn.dtype)
    out = []
    for score in outputs:
        sp, sn = score[pos], score[~pos]
        order = np.argsort(sn, kind="mergesort")
        sn = sn[order]
        np.cumsum(cn[:, order], axis=1, out=prefix[:, 1:])
        lo, hi = np.searchsorted(sn, sp, "left"), np.searchsorted(sn, sp, "right")
        below = prefix[:, lo]
        both = below + below if np.array_equal(lo, hi) else below + prefix[:, hi]  # no tie
        out.append(0.5 * np.einsum("ij,ij->i", cp, both, dtype=float) / total)
    return np.stack(out, axis=1)


def _confusion_metric(
    name: str, y: np.ndarray, w: np.ndarray, pred: np.ndarray, c: np.ndarray
) -> np.ndarray:
    pos, neg = w * y, w * (1 - y)
    tp, fp = c @ (pos[:, None] * pred), c @ (neg[:, None] * pred)
    fn, tn = (c @ pos)[:, None] - tp, (c @ neg)[:, None] - fp
    rows = np.broadcast_to(c.sum(axis=1)[:, None], tp.shape)
    stats = ConfusionStats(tp, fp, fn, tn, rows)
    if name == "balanced_accuracy":
        return balanced_accuracy(stats)
    return GROUP_METRICS[name].compute(stats)


def _ranked(
    ranking: Callable[[np.ndarray, np.ndarray], np.ndarray],
    y: np.ndarray,
    w: np.ndarray,
    score: np.ndarray,
    c: np.ndarray,
) -> np.ndarray:
    order = np.argsort(score, kind="mergesort")
    ordered = score[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    c = c[:, order]
    pos = np.add.reduceat(c * (w * y)[order], starts, axis=1)
    neg = np.add.reduceat(c * (w * (1 - y))[order], starts, axis=1)
    return ranking(pos, neg)


def permutation_draws(
    permuted: Permuted,
    metric: Metric | ClassMetric,
    y: np.ndarray,
    weight: np.ndarray | None,
    resamples: int,
    seed: int,
) -> np.ndarray:
    """(resamples, features): each feature's permutation importance on each resample (the
    unshuffled score minus the mean shuffled score, as scikit-learn defines it)."""
    f, r, n = permuted.shuffled.shape[:3]
    per_row = permuted.shuffled.shape[3:]  # multiclass probabilities: (classes,)
    outputs = np.concatenate(
        [permuted.unshuffled[None], permuted.shuffled.reshape(f * r, n, *per_row)]
    )
    resampled = getattr(metric, "resampled", None)  # a multiclass metric resamples itself
    scores = (
        resampled(y, weight, outputs, resamples, seed)
        if resampled is not None
        else resampled_scores(metric, y, weight, outputs, resamples, seed)
    )
    sign = 1.0 if metric.greater_is_better else -1.0  # a loss: scikit-learn's neg_ scorers
    drop = sign * (scores[:, :1] - scores[:, 1:])
    return drop.reshape(-1, f, r).mean(axis=2)


def reliance_draws(
    permuted: Permuted, weight: np.ndarray | None, resamples: int, seed: int
) -> np.ndarray:
    """(resamples, features): each feature's reliance (engine.importance.reliance) on each
    resample: one matrix product over the kept per-row changes."""
    return row_means(permuted.changed.mean(axis=1).T, weight, resamples, seed)


def value_parts(permuted: Permuted, f: int, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Feature f's reliance per value v of it (`codes`: each row's value, 0..V-1), the mean
    output change over the rows its shuffles changed from or to v, as two (rows, V) sums over
    the repeats: each row's output change where it was changed from or to v, and how often it
    was (the reliance of v: the ratio of their (resampled, weighted) row means)."""
    after = codes[permuted.orders[f]]  # (repeats, rows): the value each row received
    touch = [permuted.moved[f] & ((codes == v) | (after == v)) for v in range(codes.max() + 1)]
    num = np.stack([(permuted.changed[f] * t).sum(axis=0) for t in touch], axis=1)
    return num, np.stack([t.sum(axis=0) for t in touch], axis=1).astype(float)


def row_means(
    per_row: np.ndarray, weight: np.ndarray | None, resamples: int, seed: int
) -> np.ndarray:
    """(resamples, columns): the (weighted) mean of each column of (rows, columns) per_row on
    each bootstrap resample of the rows."""
    w = np.ones(len(per_row)) if weight is None else np.asarray(weight, dtype=float)
    chunks = row_count_chunks(len(per_row), resamples, seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.concatenate([(c @ (w[:, None] * per_row)) / (c @ w)[:, None] for c in chunks])


def mean_abs_draws(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """(resamples, features): the mean |SHAP value| of each feature on each resample."""
    magnitude = np.abs(values)
    chunks = row_count_chunks(len(values), resamples, seed)
    return np.concatenate([(c @ magnitude) / c.sum(axis=1)[:, None] for c in chunks])


def shares(importance: np.ndarray) -> np.ndarray:
    """Each feature's share of the total positive importance (last axis): an importance not
    above 0 (a metric drop the shuffle did not cause) has share 0, as it has no rank; 0 where
    none is above 0."""
    magnitude = np.clip(importance, 0.0, None)
    total = magnitude.sum(axis=-1, keepdims=True)
    return np.divide(magnitude, total, out=np.zeros_like(magnitude), where=total > 0)


def ranks(importance: np.ndarray) -> np.ndarray:
    """1 + the number of features more important (last axis); a feature whose importance is
    not above 0 is not among any top k: its rank is the number of features + 1."""
    k = importance.shape[-1]
    above = (importance[..., None, :] > importance[..., :, None]).sum(axis=-1)
    return np.where(importance > 0, above + 1, k + 1)


#: the share of a model's importance whose inputs a rank correlation compares
CARRIED = 0.95


def _carrying(a: np.ndarray, mass: float) -> np.ndarray:
    """The fewest inputs, most important first, holding `mass` of a's positive importance
    (its top two at least, when two are above 0)."""
    share = shares(a)
    order = np.argsort(-share, kind="stable")
    before = np.cumsum(share[order]) - share[order]  # the share held before each input
    keep = np.zeros(len(a), dtype=bool)
    keep[order[(before < mass) & (share[order] > 0)]] = True
    keep[order[:2][share[order[:2]] > 0]] = True
    return keep


def important(a: np.ndarray, b: np.ndarray, mass: float = CARRIED) -> np.ndarray:
    """The inputs a rank correlation is computed over: those holding `mass` (95 %) of either
    model's importance. The rest (the unused inputs tied at 0, and the negligible ones whose
    order is noise from one retrain to the next) would otherwise carry it."""
    return _carrying(a, mass) | _carrying(b, mass)


def rank_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman's rank correlation of a and b along the last axis (ties: average ranks);
    NaN where either is constant."""
    from scipy.stats import rankdata

    ra, rb = rankdata(a, axis=-1), rankdata(b, axis=-1)
    ra = ra - ra.mean(axis=-1, keepdims=True)
    rb = rb - rb.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((ra * ra).sum(axis=-1) * (rb * rb).sum(axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, (ra * rb).sum(axis=-1) / denominator, np.nan)
