"""Bind data columns and model outputs to roles: y_true, scores, predictions, weights.

Every problem found here is the user's data or configuration, so it is an InputError that names
the file and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gate.engine.class_names import class_texts
from gate.engine.metrics import Task
from gate.errors import InputError
from gate.inputs.class_outputs import column_classes, model_classes, require_known_labels
from gate.inputs.data import Dataset, described
from gate.inputs.models import LoadedModel
from gate.inputs.predictions import (
    Predictions,
    column_predictions,
    matches,
    model_predictions,
    numeric_column,
    require_column,
    rows_text,
)
from gate.policy.model import DataBinding


@dataclass(frozen=True)
class EvalData:
    """Everything checks read: ground truth, weights, and candidate / baseline predictions."""

    task: Task
    #: None when no check reads a model's outputs (governance only); zeros when no label is
    #: bound and no check needs ground truth (an outcome-free audit: see require_truth)
    y_true: np.ndarray | None
    weight: np.ndarray | None
    candidate: Predictions
    baseline: Predictions | None
    frame: pd.DataFrame
    sensitive: tuple[str, ...] = ()
    model_features: tuple[str, ...] | None = None  # the candidate model's input names
    classes: tuple[str, ...] = ()  # the label's distinct values in these rows, as text
    #: feature (or "*": every one) -> the values that count as missing (data.unknown_values)
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)


def bind(
    binding: DataBinding,
    task: Task,
    data: Dataset,
    model: LoadedModel | None,
    baseline: LoadedModel | None,
    needs_truth: bool = True,
) -> EvalData:
    """Resolve every role against `data`; the first unusable column raises InputError.

    With `needs_truth` False (only governance checks), labels and predictions are not bound.
    With no label bound, every row counts as a negative example: only the rates of the
    predictions (selection_rate, scoring_rate) are then meaningful, which require_truth makes
    sure of before the pass.
    """
    names = binding.features or (model.model.feature_names if model else None)
    if not needs_truth:
        source = model.path if model else data.path
        return EvalData(
            task,
            None,
            None,
            Predictions(source, None, None),
            None,
            data.frame,
            binding.sensitive,
            names,
            unknown=dict(binding.unknown_values),
        )
    if binding.label:
        label = require_column(data, binding.label, "label")
        y_true = _truth(data, label, binding, task)
        classes = () if task is Task.REGRESSION else _classes(data.frame[label])
    else:
        y_true, classes = np.zeros(len(data.frame), dtype=np.int64), ()
    weight = _weights(data, binding.weight) if binding.weight else None
    if task is Task.MULTICLASS:
        candidate, base = _class_outputs(binding, data, model, baseline, y_true)
    else:
        candidate = predictions(binding, task, data, model)
        base = model_predictions(baseline, data, binding, task) if baseline else None
    if base is None and (binding.baseline_score or binding.baseline_prediction):
        base = column_predictions(
            data, binding.baseline_score, binding.baseline_prediction, binding, task
        )
    return EvalData(
        task,
        y_true,
        weight,
        candidate,
        base,
        data.frame,
        binding.sensitive,
        names,
        classes,
        dict(binding.unknown_values),
    )


def predictions(
    binding: DataBinding, task: Task, data: Dataset, model: LoadedModel | None
) -> Predictions:
    """The candidate's outputs alone (no label needed): the model's, or the bound columns."""
    if task is Task.MULTICLASS:
        return (
            model_classes(model, data, binding)
            if model
            else column_classes(data, binding.prediction, binding.scores)
        )
    if model is not None:
        return model_predictions(model, data, binding, task)
    return column_predictions(data, binding.score, binding.prediction, binding, task)


def _class_outputs(
    binding: DataBinding,
    data: Dataset,
    model: LoadedModel | None,
    baseline: LoadedModel | None,
    y_true: np.ndarray,
) -> tuple[Predictions, Predictions | None]:
    """A multiclass run's candidate and baseline outputs, every label value checked to be one
    of the classes a model (or the probability columns) scores. A prediction column alone
    fixes no set of classes: a label value it never holds is a class never predicted (as in
    scikit-learn's unique_labels), not an error."""
    candidate = predictions(binding, Task.MULTICLASS, data, model)
    base = model_classes(baseline, data, binding) if baseline else None
    if binding.label and (model is not None or binding.scores):
        what = model.what if model else "data.scores"
        require_known_labels(data, binding.label, y_true, candidate, what)
    if binding.label and base is not None and baseline is not None:
        require_known_labels(data, binding.label, y_true, base, baseline.what)
    return candidate, base


def _classes(series: pd.Series) -> tuple[str, ...]:
    return tuple(sorted(set(class_texts(series.unique()))))


def _truth(data: Dataset, column: str, binding: DataBinding, task: Task) -> np.ndarray:
    series = data.frame[column]
    missing = series.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"{data.what}: label column '{column}' has missing values in {rows_text(missing, data)}"
        )
    if task is Task.REGRESSION:
        return numeric_column(data, column, "label")
    if task is Task.MULTICLASS:  # classes as text; whole numbers as integers (1.0 is '1')
        return class_texts(series.to_numpy())
    classes = sorted(map(str, series.unique()))
    if len(classes) > 2:
        shown = ", ".join(classes[:6]) + (", ..." if len(classes) > 6 else "")
        raise InputError(
            f"{data.what}: label column '{column}' has {len(classes)} "
            f"distinct values ({shown}); binary classification needs two"
        )
    # whether the positive label occurs is known only over every batch: require_classes
    return matches(series, binding.positive_label).astype(np.int64)


def _weights(data: Dataset, column: str) -> np.ndarray:
    values = numeric_column(data, require_column(data, column, "weight"), "weight")
    if (values < 0).any():
        raise InputError(
            f"{data.what}: weight column '{column}' has negative values "
            f"in {rows_text(values < 0, data)}"
        )
    return values


def require_classes(
    classes: tuple[str, ...], positives: int, path: str, binding: DataBinding
) -> None:
    """The label over all batches: at most two values, and the positive label among them."""
    if len(classes) > 2:
        shown = ", ".join(classes) + ", ..."
        raise InputError(
            f"{described('data', path)}: label column '{binding.label}' has more than two distinct "
            f"values ({shown}); binary classification needs two"
        )
    if len(classes) == 2 and positives == 0:
        raise InputError(
            f"{described('data', path)}: positive_label {binding.positive_label!r} does not "
            f"occur in label column '{binding.label}' (values: {', '.join(classes)})"
        )


def group_text(data: Dataset, column: str) -> pd.Series:
    """A sensitive column as text, the same in every batch: integer columns print as integers
    even in a batch where missing values would make pandas turn them into floats."""
    table = data.table
    if table is not None and column in table.schema.names:
        import pyarrow as pa

        values = table.column(column)
        if pa.types.is_integer(values.type):
            return values.to_pandas(types_mapper={values.type: pd.Int64Dtype()}.get).astype(
                "string"
            )
    return data.frame[column].astype("string")
