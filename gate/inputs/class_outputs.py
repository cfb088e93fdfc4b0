"""A multiclass model's (or the data's prediction / probability columns') outputs, bound and
checked: predicted labels as indices into the classes (sorted as scikit-learn sorts them), and
the (rows, classes) probabilities in the same order.

The classes are the model's own (classes_), or the keys of `data.scores` (class -> column),
or, with a prediction column alone, the values it holds. A label value that is none of a
model's (or the probability columns') classes cannot be scored: InputError naming both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gate.engine.class_names import class_codes, sort_classes
from gate.errors import InputError
from gate.inputs.data import Dataset
from gate.inputs.models import LoadedModel
from gate.inputs.predictions import (
    Predictions,
    complete_column,
    model_errors,
    model_features,
    model_output,
    numeric_column,
    require_column,
    rows_text,
)
from gate.policy.model import DataBinding

#: how far a row of data.scores may sum from 1, per class column: probabilities rounded to 2
#: decimals are each off by at most 0.005; a row within the tolerance is renormalised (as
#: scikit-learn's log_loss renormalises). The total is capped, so a missing class is caught.
SUM_TOLERANCE_PER_CLASS = 0.005
SUM_TOLERANCE_CAP = 0.05


def model_classes(loaded: LoadedModel, data: Dataset, binding: DataBinding) -> Predictions:
    """The model's predicted classes (its predict(), as scikit-learn decides: the arg-max
    class) and every class's probability when it has predict_proba."""
    classes = getattr(loaded.model, "classes", None)
    if not classes:
        raise InputError(
            f"{loaded.what} does not name its classes (no classes_): a multiclass model must, "
            "so that its predictions can be matched with the label"
        )
    X = data.frame[model_features(data, binding, loaded)]
    with model_errors(loaded, data):
        raw = model_output(loaded, data, loaded.model.predict(X), "predict()")
        probabilities = getattr(loaded.model, "predict_probabilities", None)
        scores = probabilities(X) if probabilities is not None else None
    order = sort_classes(classes)
    labels = class_codes(raw, order)
    if (labels < 0).any():
        shown = ", ".join(map(repr, pd.unique(raw[labels < 0])[:5].tolist()))
        raise InputError(
            f"{loaded.what}: predict() returned {shown} on {data.what}, which "
            f"{'is' if (labels < 0).sum() == 1 else 'are'} none of its classes "
            f"({', '.join(order)})"
        )
    if scores is not None:
        scores = scores[:, [list(map(str, classes)).index(c) for c in order]]
        _require_probabilities(scores, data, loaded.what)
    return Predictions(loaded.path, labels, scores, order)


def column_classes(
    data: Dataset, prediction: str | None, scores: tuple[tuple[str, str], ...]
) -> Predictions:
    """The data's prediction column and/or per-class probability columns (`data.scores`);
    without a prediction column the predicted class is the most probable one."""
    if not prediction and not scores:
        raise InputError(
            "nothing to evaluate: pass --model, or bind a prediction column (data.prediction) "
            "or the class probability columns (data.scores: {class: column})"
        )
    probabilities, classes = None, None
    if scores:
        columns = dict(scores)
        classes = sort_classes(columns)
        named = [require_column(data, columns[c], "score") for c in classes]
        probabilities = np.column_stack([numeric_column(data, c, "score") for c in named])
        _require_probabilities(probabilities, data, f"{data.what}: the data.scores columns")
        probabilities = _summing_to_one(probabilities, data, named)
    source = f"{data.path} columns"
    if not prediction:
        assert probabilities is not None and classes is not None
        return Predictions(source, np.argmax(probabilities, axis=1), probabilities, classes)
    column = require_column(data, prediction, "prediction")
    values = complete_column(data, column, "prediction").to_numpy(dtype=object)
    classes = classes or sort_classes(pd.unique(values))
    labels = class_codes(values, classes)
    if (labels < 0).any():
        raise InputError(
            f"{data.what}: prediction column '{column}' has {_shown(values[labels < 0])}, "
            f"which are none of the classes of data.scores ({', '.join(classes)})"
        )
    return Predictions(source, labels, probabilities, classes)


def require_known_labels(
    data: Dataset, column: str, truth: np.ndarray, outputs: Predictions, what: str
) -> None:
    """InputError when a label value is none of the classes `outputs` are over (a model's
    classes_, or the data.scores columns): such a row cannot be scored."""
    if outputs.classes is None:
        return
    unknown = class_codes(truth, outputs.classes) < 0
    if unknown.any():
        raise InputError(
            f"{data.what}: label column '{column}' has {_shown(truth[unknown])} "
            f"({rows_text(unknown, data)}), which {what} does not know: its classes are "
            f"{', '.join(outputs.classes)}"
        )


def _shown(values: np.ndarray) -> str:
    unique = pd.unique(pd.Series(values, dtype=object).astype(str))
    return ", ".join(map(repr, unique[:5].tolist())) + (", ..." if len(unique) > 5 else "")


def sum_tolerance(classes: int) -> float:
    """How far a row of `classes` probability columns may sum from 1 (SUM_TOLERANCE_*)."""
    return min(SUM_TOLERANCE_PER_CLASS * classes, SUM_TOLERANCE_CAP)


def _summing_to_one(probabilities: np.ndarray, data: Dataset, named: list[str]) -> np.ndarray:
    """The rows renormalised to sum to 1; InputError naming the rows (and the tolerance) that
    are further from 1 than rounding explains."""
    sums = probabilities.sum(axis=1)
    tolerance = sum_tolerance(len(named))
    off = np.abs(sums - 1) > tolerance
    if off.any():
        raise InputError(
            f"{data.what}: the data.scores columns ({', '.join(named)}) do not sum to 1 "
            f"within {tolerance:g} ({SUM_TOLERANCE_PER_CLASS:g} per class, at most "
            f"{SUM_TOLERANCE_CAP:g}: rounding to 2 decimals) in {rows_text(off, data)}: "
            "bind one probability column for every class"
        )
    return probabilities / sums[:, None]


def _require_probabilities(scores: Any, data: Dataset, what: str) -> None:
    """Probabilities must be finite and within [0, 1] in every row."""
    bad = ~np.isfinite(scores).all(axis=1)
    outside = ~bad & ((scores < 0) | (scores > 1)).any(axis=1)
    for mask, problem in ((bad, "missing or non-finite"), (outside, "outside [0, 1]")):
        if mask.any():
            raise InputError(
                f"{what} gave probabilities {problem} on {data.what}, "
                f"{rows_text(mask, data)}: it cannot be evaluated"
            )
