"""Permutation importance as scikit-learn's `permutation_importance` computes it (the same
shuffles for the same random_state, the same scores), with the model called on stacked frames.

Why not call scikit-learn's function: it calls the model once per shuffle (features x repeats
calls), and a tree ensemble's predict pays a fixed cost per call (OpenMP threads start and
join): benchmarks/behaviour_importance.py measures the stacked calls several times faster on
gradient boosting. scikit-learn's function stays the oracle
(tests/engine/test_importance_permutation.py).
The kept outputs (the unshuffled rows, then each feature's `repeats` shuffles) let the bootstrap
(importance_bootstrap.py) recompute every importance on resampled rows without calling the model
again. No I/O: the caller passes the model call.
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

#: the model's output on a frame of rows: what `metric` reads (scores, labels or values)
Predict = Callable[[pd.DataFrame], np.ndarray]
STACK_ROWS = 262_144  # rows per model call (whole features): bounded memory, few calls


@dataclass(frozen=True)
class Permuted:
    """Permutation importances and the outputs they were computed from."""

    features: tuple[str, ...]
    importances: np.ndarray  # (features, repeats): scikit-learn's `importances`
    unshuffled: np.ndarray  # (rows,) or (rows, classes): the outputs on the rows as they are
    shuffled: np.ndarray  # (features, repeats, rows[, classes]): one feature shuffled

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
) -> Permuted:
    """scikit-learn's permutation importance of `columns` of X (default: every column;
    random_state=seed): the same shuffles and scores (tests/engine/test_importance_permutation.py
    holds it to scikit-learn's own function on X[columns]), the other columns passed through
    unshuffled, the model called on one stacked frame per STACK_ROWS rows instead of once per
    shuffle, and every output kept."""
    names = list(X.columns) if columns is None else list(columns)
    n, features = len(X), len(names)
    orders = shuffles(n, features, repeats, seed)
    frames = _stacked(X, names, orders)
    outputs = np.concatenate([np.asarray(predict(frame)) for frame in frames])
    unshuffled = outputs[:n]
    shuffled = outputs[n:].reshape(features, repeats, n, *outputs.shape[1:])  # (, classes)
    sign = 1.0 if metric.greater_is_better else -1.0  # a loss: as scikit-learn's neg_ scorers
    base = metric(y, unshuffled, weight)
    scores = np.array([[metric(y, out, weight) for out in per] for per in shuffled])
    return Permuted(tuple(map(str, names)), sign * (base - scores), unshuffled, shuffled)


def _stacked(X: pd.DataFrame, names: list[str], orders: np.ndarray) -> Iterator[pd.DataFrame]:
    """The rows as they are, then each feature's shuffles, as frames of at most about
    STACK_ROWS rows (whole features), in that order."""
    features, repeats, n = orders.shape
    per_frame = max(1, STACK_ROWS // max(1, repeats * n))
    yield X.reset_index(drop=True)
    for first in range(0, features, per_frame):
        blocks = []
        for f in range(first, min(features, first + per_frame)):
            block = X.iloc[np.tile(np.arange(n), repeats)].reset_index(drop=True)
            column = names[f]
            block[column] = X[column].iloc[orders[f].ravel()].reset_index(drop=True)
            blocks.append(block)
        yield pd.concat(blocks, ignore_index=True)


def mean_abs_shap(values: np.ndarray) -> np.ndarray:
    """SHAP importance: the mean |SHAP value| of each feature (columns) over the rows."""
    return np.abs(values).mean(axis=0)
