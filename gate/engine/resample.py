"""Vectorised, seeded bootstrap resampling.

Two schemes, both equivalent to drawing n rows with replacement:

* cells: statistics that only count rows per cell (group x truth x prediction) are resampled by
  one multinomial draw per resample over the cells, which is exact for unweighted rows and costs
  nothing per row. With sample weights, a cell's resampled weight is approximated by a normal
  with the cell's mean and variance of weights (moment-matched, clipped at 0).
* rows: everything else (scores, regression errors) is resampled by drawing row indices, as
  `rng.integers(0, n, n)` per resample, turned into per-row counts, in chunks that bound memory.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from gate.engine.metrics import Task
from gate.engine.stats import (
    ConfusionStats,
    RegressionStats,
    Stats,
    confusion_cells,
    confusion_from_cells,
)

CHUNK_CELLS = 16_000_000  # rows x resamples held at once (about 128 MB of counts)


def resample_confusion(
    codes: np.ndarray,
    groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None,
    resamples: int,
    seed: int,
) -> ConfusionStats:
    """Per-group confusion counts of `resamples` bootstrap resamples (leading axis)."""
    counts = confusion_cells(codes, groups, y_true, y_pred, None)
    n = int(counts.sum())
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts.ravel() / n, size=resamples).astype(float)
    draws = draws.reshape(resamples, *counts.shape)
    if weight is None:
        return confusion_from_cells(draws, draws)
    w = np.asarray(weight, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nan_to_num(confusion_cells(codes, groups, y_true, y_pred, w) / counts)
        var = np.nan_to_num(confusion_cells(codes, groups, y_true, y_pred, w * w) / counts)
    var = np.maximum(var - mean * mean, 0.0)
    weighted = draws * mean + np.sqrt(draws * var) * rng.standard_normal(draws.shape)
    return confusion_from_cells(np.maximum(weighted, 0.0), draws)


def row_count_chunks(n: int, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """(chunk, n) arrays: how often each row is drawn in each resample, in resample order."""
    rng = np.random.default_rng(seed)
    per_chunk = max(1, min(resamples, CHUNK_CELLS // max(n, 1)))
    done = 0
    while done < resamples:
        size = min(per_chunk, resamples - done)
        idx = np.stack([rng.integers(0, n, n) for _ in range(size)])
        offsets = (np.arange(size) * n)[:, None]
        yield np.bincount((idx + offsets).ravel(), minlength=size * n).reshape(size, n)
        done += size


def percentile_interval(
    values: np.ndarray, confidence: float, min_valid: float = 0.5
) -> tuple[float, float] | None:
    """The two-sided percentile interval of the finite values; None if too few are finite."""
    finite = values[np.isfinite(values)]
    if len(finite) < max(1, min_valid * len(values)):
        return None
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(low), float(high)


def resample_regression(
    codes: np.ndarray,
    groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None,
    resamples: int,
    seed: int,
) -> RegressionStats:
    """Per-group regression sums of each resample, from per-row draw counts."""
    from scipy import sparse

    n = len(codes)
    w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    err = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    columns = [w, w * y_pred, w * np.abs(err), w * err * err, np.ones(n)]
    rows = np.arange(n)
    matrices = [sparse.csr_matrix((c, (rows, codes)), shape=(n, groups)).T.tocsr() for c in columns]
    parts: list[list[np.ndarray]] = [[] for _ in columns]
    for counts in row_count_chunks(n, resamples, seed):
        dense = counts.T.astype(float)
        for part, matrix in zip(parts, matrices, strict=True):
            part.append(np.asarray(matrix @ dense).T)
    return RegressionStats(*(np.concatenate(p) for p in parts))


def resample_stats(
    task: Task,
    codes: np.ndarray,
    groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None,
    resamples: int,
    seed: int,
) -> Stats:
    """The task's per-group statistics on each bootstrap resample (leading axis)."""
    build = resample_confusion if task is Task.BINARY else resample_regression
    return build(codes, groups, y_true, y_pred, weight, resamples, seed)
