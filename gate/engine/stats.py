"""Mergeable sufficient statistics per group, from one vectorised pass over the rows.

Every array has the groups on its last axis; a bootstrap adds a leading resample axis. Adding two
statistics of the same grouping equals the statistics of the concatenated rows, so partial results
from batches or workers merge exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Self

import numpy as np

from gate.engine.metrics import Task


class _Sums:
    """Arrays of sums with groups on the last axis: they add, total and select alike."""

    def _map(self, op: Callable[[np.ndarray], np.ndarray]) -> Self:
        return type(self)(*(op(getattr(self, f.name)) for f in fields(self)))

    def __add__(self, other: Self) -> Self:
        return type(self)(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def total(self) -> Self:
        """All groups together (a single group on the last axis)."""
        return self._map(lambda a: a.sum(axis=-1, keepdims=True))

    def select(self, keep: np.ndarray) -> Self:
        """Only the groups where `keep` is True."""
        return self._map(lambda a: a[..., keep])

    def fold(self, onehot: np.ndarray) -> Self:
        """Coarser groups: sums over the finer groups each column of `onehot` marks."""
        return self._map(lambda a: a @ onehot)


@dataclass(frozen=True)
class ConfusionStats(_Sums):
    """Weighted confusion counts per group, and unweighted row counts."""

    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray
    n: np.ndarray

    def selected(self) -> tuple[np.ndarray, np.ndarray]:
        """(predicted positives, rows) per group."""
        return self.tp + self.fp, self.n


@dataclass(frozen=True)
class RegressionStats(_Sums):
    """Weighted sums per group for regression metrics, and unweighted row counts."""

    w: np.ndarray
    pred: np.ndarray
    abs_err: np.ndarray
    sq_err: np.ndarray
    n: np.ndarray


Stats = ConfusionStats | RegressionStats


def confusion_cells(
    codes: np.ndarray,
    groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None,
) -> np.ndarray:
    """Weighted counts of shape (groups, 2, 2): [group, truth, prediction]."""
    cell = codes * 4 + y_true.astype(np.int64) * 2 + y_pred.astype(np.int64)
    return np.bincount(cell, weights=weight, minlength=groups * 4).reshape(groups, 2, 2)


def confusion_from_cells(weighted: np.ndarray, counts: np.ndarray) -> ConfusionStats:
    """ConfusionStats from (..., groups, 2, 2) weighted and unweighted cell counts."""
    return ConfusionStats(
        tp=weighted[..., 1, 1],
        fp=weighted[..., 0, 1],
        fn=weighted[..., 1, 0],
        tn=weighted[..., 0, 0],
        n=counts.sum(axis=(-1, -2)),
    )


def confusion_stats(
    codes: np.ndarray,
    groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None = None,
) -> ConfusionStats:
    """Per-group confusion counts of binary labels (0/1) and predictions (0/1)."""
    counts = confusion_cells(codes, groups, y_true, y_pred, None)
    weighted = counts if weight is None else confusion_cells(codes, groups, y_true, y_pred, weight)
    return confusion_from_cells(weighted, counts)


def regression_stats(
    codes: np.ndarray,
    groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None = None,
) -> RegressionStats:
    """Per-group weighted sums of predictions, absolute and squared errors."""
    w = np.ones(len(codes)) if weight is None else np.asarray(weight, dtype=float)
    err = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=values, minlength=groups)

    return RegressionStats(
        w=total(w),
        pred=total(w * y_pred),
        abs_err=total(w * np.abs(err)),
        sq_err=total(w * err * err),
        n=np.bincount(codes, minlength=groups),
    )


def statistics(
    task: Task,
    codes: np.ndarray,
    groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None = None,
) -> Stats:
    """The task's per-group statistics."""
    build = confusion_stats if task is Task.BINARY else regression_stats
    return build(codes, groups, y_true, y_pred, weight)
