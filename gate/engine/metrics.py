"""The metric table: every metric a policy may name, registered explicitly by name.

The contract is fairlearn's and scikit-learn's: ``metric(y_true, y_pred, sample_weight) -> float``.
The implementations are scikit-learn's (and fairlearn's for the rates), imported lazily so that
loading a policy does not pay for importing them.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np


class Task(StrEnum):
    BINARY = "binary_classification"
    MULTICLASS = "multiclass_classification"
    REGRESSION = "regression"


class Input(StrEnum):
    LABEL = "label"  # predicted labels (0/1)
    SCORE = "score"  # the positive class's score or probability
    VALUE = "value"  # a regression prediction


@dataclass(frozen=True)
class Metric:
    """One metric: which task it belongs to, what it reads, and which way is better."""

    name: str
    task: Task
    input: Input
    function: str  # "module:function"
    greater_is_better: bool = True
    needs_both_classes: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    rows: str | None = None  # the rows the rate is a share of; none of them: undefined (NaN)

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray | None) -> float:
        """The metric's value; NaN for a rate over no rows (where libraries report 0)."""
        if self.rows is not None and not rate_rows(self.rows, y_true, y_pred, weight) > 0:
            return float("nan")
        module, name = self.function.split(":")
        func: Callable[..., Any] = getattr(importlib.import_module(module), name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(func(y_true, y_pred, sample_weight=weight, **self.kwargs))


ROWS = {
    "positives": "no positive examples",
    "negatives": "no negative examples",
    "predicted positives": "no predicted positives",
    "positives or predicted positives": "no positive examples and no predicted positives",
}


def rate_rows(rows: str, y_true: np.ndarray, y_pred: np.ndarray, weight: Any) -> float:
    """The weight of the rows a rate is a share of (`rows`: a key of ROWS)."""
    y, pred = np.asarray(y_true) == 1, np.asarray(y_pred) == 1
    mask = {
        "positives": y,
        "negatives": ~y,
        "predicted positives": pred,
        "positives or predicted positives": y | pred,
    }[rows]
    w = np.ones(len(mask)) if weight is None else np.asarray(weight, dtype=float)
    return float(w[mask].sum())


_SK = "sklearn.metrics"
_FL = "fairlearn.metrics"
_B, _R = Task.BINARY, Task.REGRESSION
_L, _S, _V = Input.LABEL, Input.SCORE, Input.VALUE
_ZERO = {"zero_division": 0.0}

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", _B, _L, f"{_SK}:accuracy_score", description="share of correct labels"),
        Metric(
            "balanced_accuracy",
            _B,
            _L,
            f"{_SK}:balanced_accuracy_score",
            needs_both_classes=True,
            description="mean of the per-class recalls",
        ),
        Metric(
            "precision",
            _B,
            _L,
            f"{_SK}:precision_score",
            kwargs=_ZERO,
            rows="predicted positives",
            description="share of predicted positives that are positive",
        ),
        Metric(
            "recall",
            _B,
            _L,
            f"{_SK}:recall_score",
            kwargs=_ZERO,
            rows="positives",
            description="share of positives predicted positive",
        ),
        Metric(
            "f1",
            _B,
            _L,
            f"{_SK}:f1_score",
            kwargs=_ZERO,
            rows="positives or predicted positives",
            description="harmonic mean of precision and recall",
        ),
        Metric(
            "selection_rate",
            _B,
            _L,
            f"{_FL}:selection_rate",
            description="share predicted positive",
        ),
        Metric(
            "true_positive_rate",
            _B,
            _L,
            f"{_FL}:true_positive_rate",
            rows="positives",
            description="recall of the positive class",
        ),
        Metric(
            "true_negative_rate",
            _B,
            _L,
            f"{_FL}:true_negative_rate",
            rows="negatives",
            description="specificity",
        ),
        Metric(
            "false_positive_rate",
            _B,
            _L,
            f"{_FL}:false_positive_rate",
            greater_is_better=False,
            rows="negatives",
            description="share of negatives predicted positive",
        ),
        Metric(
            "false_negative_rate",
            _B,
            _L,
            f"{_FL}:false_negative_rate",
            greater_is_better=False,
            rows="positives",
            description="share of positives predicted negative",
        ),
        Metric(
            "roc_auc",
            _B,
            _S,
            f"{_SK}:roc_auc_score",
            needs_both_classes=True,
            description="area under the ROC curve",
        ),
        Metric(
            "average_precision",
            _B,
            _S,
            f"{_SK}:average_precision_score",
            needs_both_classes=True,
            description="area under the precision-recall curve",
        ),
        Metric(
            "log_loss",
            _B,
            _S,
            f"{_SK}:log_loss",
            greater_is_better=False,
            needs_both_classes=True,
            description="cross-entropy of the scores",
        ),
        Metric(
            "brier_score",
            _B,
            _S,
            f"{_SK}:brier_score_loss",
            greater_is_better=False,
            description="mean squared error of the scores",
        ),
        Metric(
            "mae",
            _R,
            _V,
            f"{_SK}:mean_absolute_error",
            greater_is_better=False,
            description="mean absolute error",
        ),
        Metric(
            "mse",
            _R,
            _V,
            f"{_SK}:mean_squared_error",
            greater_is_better=False,
            description="mean squared error",
        ),
        Metric(
            "rmse",
            _R,
            _V,
            f"{_SK}:root_mean_squared_error",
            greater_is_better=False,
            description="root mean squared error",
        ),
        Metric("r2", _R, _V, f"{_SK}:r2_score", description="coefficient of determination"),
        Metric(
            "mape",
            _R,
            _V,
            f"{_SK}:mean_absolute_percentage_error",
            greater_is_better=False,
            description="mean absolute percentage error (a fraction)",
        ),
    )
}


def get_metric(name: str) -> Metric:
    """The registered metric called `name` (KeyError if none)."""
    return METRICS[name]
