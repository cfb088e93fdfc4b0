"""Permutation importance as scikit-learn's `permutation_importance` computes it (the same
shuffles for the same random_state, the same scores), with the model called on stacked frames.

Why not call scikit-learn's function: it calls the model once per shuffle (features x repeats
calls), and a tree ensemble's predict pays a fixed cost per call (OpenMP threads start and
join): benchmarks/behaviour_importance.py measures the stacked calls several times faster on
gradient boosting. scikit-learn's function stays the oracle
(tests/engine/test_importance_permutation.py).
The kept outputs (the unshuffled rows, then each feature's `repeats` shuffles) let the bootstrap
(importance_bootstrap.py) recompute every importance on resampled rows without calling the model
again. The same calls also give each row's change of the model's output under each shuffle
(`changed`: |score change|, the largest change of any class probability, |prediction change|,
or 1 where the decision changed): the label-free reliance of the model on each input.
A logical input may span several columns (`groups`: a one-hot encoded attribute): they are
shuffled jointly, with one row order. No I/O: the caller passes the model call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gate.engine.metrics import Metric

if TYPE_CHECKING:
    from gate.engine.importance_classes import ClassMetric

#: the model's output on a frame of rows: what `metric` reads (scores, labels or values), or
#: (that, the output whose change measures reliance) when the two differ
Predict = Callable[[pd.DataFrame], "np.ndarray | tuple[np.ndarray, np.ndarray]"]
STACK_ROWS = 262_144  # rows per model call (whole features): few calls
STACK_CELLS = 6_000_000  # and rows x columns per call: memory bounded at many inputs too


@dataclass(frozen=True)
class Permuted:
    """Permutation importances and the outputs they were computed from."""

    features: tuple[str, ...]
    importances: np.ndarray  # (features, repeats): scikit-learn's `importances`
    unshuffled: np.ndarray  # (rows,) or (rows, classes): the outputs on the rows as they are
    shuffled: np.ndarray  # (features, repeats, rows[, classes]): one feature shuffled
    changed: np.ndarray  # (features, repeats, rows): each row's output change (row_change)
    moved: np.ndarray  # (features, repeats, rows): whether the shuffle changed the row's value
    orders: np.ndarray  # (features, repeats, rows): the row each shuffled value came from

    @property
    def mean(self) -> np.ndarray:
        """scikit-learn's `importances_mean`: one value per feature."""
        return self.importances.mean(axis=1)


def shuffles(rows: int, features: int, repeats: int, seed: int) -> np.ndarray:
    """(features, repeats, rows): the row order of each feature's column in each repeat, as
    scikit-learn's permutation_importance draws them for random_state=seed (one generator per
    feature, seeded alike; each repeat shuffles the index again and re-indexes the column it
    shuffled before, so the orders compose)."""
    state = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    out = np.empty((features, repeats, rows), dtype=np.int64)
    for f in range(features):
        rng, index, order = np.random.RandomState(state), np.arange(rows), np.arange(rows)
        for r in range(repeats):
            rng.shuffle(index)
            order = order[index]
            out[f, r] = order
    return out


def permutation(
    predict: Predict,
    X: pd.DataFrame,
    y: np.ndarray,
    weight: np.ndarray | None,
    metric: Metric | ClassMetric,
    repeats: int,
    seed: int,
    columns: list[str] | None = None,
    groups: dict[str, tuple[str, ...]] | None = None,
    decisions: bool = False,
) -> Permuted:
    """scikit-learn's permutation importance of `columns` of X (default: every column;
    random_state=seed): the same shuffles and scores (tests/engine/test_importance_permutation.py
    holds it to scikit-learn's own function on X[columns]), the other columns passed through
    unshuffled, the model called on one stacked frame per STACK_ROWS rows instead of once per
    shuffle, and every output kept. `groups`: logical input -> its columns, shuffled
    together; `decisions`: the watched output is a decision (a change counts 1), else a value."""
    names = list(X.columns) if columns is None else list(columns)
    n, features = len(X), len(names)
    orders = shuffles(n, features, repeats, seed)
    frames = _stacked(X, [(groups or {}).get(f, (f,)) for f in names], orders)
    called = [predict(frame) for frame in frames]
    outputs = np.concatenate([np.asarray(c[0] if isinstance(c, tuple) else c) for c in called])
    watched = np.concatenate([np.asarray(c[1] if isinstance(c, tuple) else c) for c in called])
    unshuffled = outputs[:n]
    shuffled = outputs[n:].reshape(features, repeats, n, *outputs.shape[1:])  # (, classes)
    after = watched[n:].reshape(features, repeats, n, *watched.shape[1:])
    changed = np.stack([row_change(watched[:n], a, decisions) for a in after])  # per feature:
    # the temporaries of one feature's outputs, not of all (rows x classes x features x repeats)
    sign = 1.0 if metric.greater_is_better else -1.0  # a loss: as scikit-learn's neg_ scorers
    base = metric(y, unshuffled, weight)
    scores = np.array([[metric(y, out, weight) for out in per] for per in shuffled])
    moved = _moved(X, [(groups or {}).get(f, (f,)) for f in names], orders)
    drop = sign * (base - scores)
    return Permuted(tuple(map(str, names)), drop, unshuffled, shuffled, changed, moved, orders)


def _moved(X: pd.DataFrame, names: list[tuple[str, ...]], orders: np.ndarray) -> np.ndarray:
    """(features, repeats, rows): True where the shuffle gave the row another value of the
    input (any of its columns; two missing values are the same value)."""
    out = np.zeros(orders.shape, dtype=bool)
    for f, columns in enumerate(names):
        for column in columns:
            values = X[column].to_numpy()
            missing = pd.isna(values)
            after, gone = values[orders[f]], missing[orders[f]]
            out[f] |= (after != values) & ~(gone & missing)
    return out


def changed_share(permuted: Permuted, weight: np.ndarray | None) -> np.ndarray:
    """Each feature's (weighted) share of the rows whose value its shuffles changed, averaged
    over the repeats: what a shuffle probed (a binary input of minority share p: about 2p(1-p))."""
    per_row = permuted.moved.mean(axis=1)  # (features, rows)
    if weight is None:
        return per_row.mean(axis=1)
    w = np.asarray(weight, dtype=float)
    return per_row @ w / w.sum()


def row_change(before: np.ndarray, after: np.ndarray, decisions: bool) -> np.ndarray:
    """Each row's change of the output: 1.0 where a decision changed (else 0.0), |change| of a
    score or value, the largest |change| of any class probability ((rows, classes))."""
    if decisions:
        return (after != before).astype(float)
    delta = np.abs(after.astype(float) - before.astype(float))
    return delta.max(axis=-1) if before.ndim == 2 else delta


def reliance(permuted: Permuted, weight: np.ndarray | None) -> np.ndarray:
    """Each feature's reliance: the (weighted) mean over rows of its output change, averaged
    over the repeats; above 0 for every input whose shuffles moved the model's output."""
    per_row = permuted.changed.mean(axis=1)  # (features, rows)
    if weight is None:
        return per_row.mean(axis=1)
    w = np.asarray(weight, dtype=float)
    return per_row @ w / w.sum()


def _stacked(
    X: pd.DataFrame, names: list[tuple[str, ...]], orders: np.ndarray
) -> Iterator[pd.DataFrame]:
    """The rows as they are, then each feature's shuffles, as frames of at most about
    STACK_ROWS rows and STACK_CELLS cells (whole features), in that order."""
    features, repeats, n = orders.shape
    rows = min(STACK_ROWS, STACK_CELLS // max(1, X.shape[1]))
    per_frame = max(1, rows // max(1, repeats * n))
    yield X.reset_index(drop=True)
    for first in range(0, features, per_frame):
        blocks = []
        for f in range(first, min(features, first + per_frame)):
            block = X.iloc[np.tile(np.arange(n), repeats)].reset_index(drop=True)
            for column in names[f]:  # a logical input's columns: one row order
                block[column] = X[column].iloc[orders[f].ravel()].reset_index(drop=True)
            blocks.append(block)
        yield pd.concat(blocks, ignore_index=True)


def mean_abs_shap(values: np.ndarray) -> np.ndarray:
    """SHAP importance: the mean |SHAP value| of each feature (columns) over the rows."""
    return np.abs(values).mean(axis=0)
