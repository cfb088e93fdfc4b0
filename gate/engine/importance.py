"""Permutation importance: scikit-learn's `permutation_importance` itself, run on a small adapter
around the gate's own call of the model, which keeps every output it was asked for.

The kept outputs (the unshuffled rows, then each feature's `repeats` shuffles, in scikit-learn's
order) let the bootstrap (importance_bootstrap.py) recompute every importance on resampled rows
without calling the model again. No I/O: the caller passes the model call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gate.engine.metrics import Metric

#: the model's output on a frame of rows: what `metric` reads (scores, labels or values)
Predict = Callable[[pd.DataFrame], np.ndarray]


@dataclass(frozen=True)
class Permuted:
    """Permutation importances and the outputs they were computed from."""

    features: tuple[str, ...]
    importances: np.ndarray  # (features, repeats): scikit-learn's `importances`
    unshuffled: np.ndarray  # (rows,): the outputs on the rows as they are
    shuffled: np.ndarray  # (features, repeats, rows): the outputs with one feature shuffled

    @property
    def mean(self) -> np.ndarray:
        """scikit-learn's `importances_mean`: one value per feature."""
        return self.importances.mean(axis=1)


class _Recorder:
    """The estimator scikit-learn calls: it predicts through the gate and keeps each output."""

    def __init__(self, predict: Predict, metric: Metric) -> None:
        self.predict, self.metric = predict, metric
        self.outputs: list[np.ndarray] = []

    def fit(self, *_: Any) -> _Recorder:
        """scikit-learn asks for a fitted estimator (it checks that `fit` exists); the gate
        never trains the model it judges."""
        raise TypeError("the gate never fits the model it judges")

    def score(self, X: pd.DataFrame, y: np.ndarray, sample_weight: Any = None) -> float:
        out = np.asarray(self.predict(X))
        self.outputs.append(out)
        value = self.metric(y, out, None if sample_weight is None else np.asarray(sample_weight))
        return value if self.metric.greater_is_better else -value  # as scikit-learn's neg_ scorers


def _scorer(
    estimator: _Recorder, X: pd.DataFrame, y: np.ndarray, sample_weight: Any = None
) -> float:
    return estimator.score(X, y, sample_weight)


def permutation(
    predict: Predict,
    X: pd.DataFrame,
    y: np.ndarray,
    weight: np.ndarray | None,
    metric: Metric,
    repeats: int,
    seed: int,
) -> Permuted:
    """scikit-learn's permutation importance of every column of X (random_state=seed), with the
    outputs of every call of the model it made."""
    from sklearn.inspection import permutation_importance

    recorder = _Recorder(predict, metric)
    result = permutation_importance(
        recorder,
        X,
        y,
        scoring=_scorer,
        n_repeats=repeats,
        random_state=seed,
        sample_weight=weight,
    )
    outputs = np.stack(recorder.outputs)
    shuffled = outputs[1:].reshape(X.shape[1], repeats, len(X))
    return Permuted(tuple(map(str, X.columns)), result.importances, outputs[0], shuffled)


def mean_abs_shap(values: np.ndarray) -> np.ndarray:
    """SHAP importance: the mean |SHAP value| of each feature (columns) over the rows."""
    return np.abs(values).mean(axis=0)
