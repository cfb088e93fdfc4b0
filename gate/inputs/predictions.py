"""Columns and a model's (or the data's prediction / score columns') outputs, bound and checked: the
right rows, shape and kind, predicted labels that are label values, scores for the positive
class."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gate.engine.metrics import Task
from gate.errors import InputError
from gate.inputs.data import Dataset
from gate.inputs.models import LoadedModel
from gate.policy.model import DataBinding
from gate.policy.schema import did_you_mean


@dataclass(frozen=True)
class Predictions:
    """One model's outputs on the evaluation data (binary: labels 0/1 and positive scores;
    multiclass: labels index `classes`, scores are (rows, classes) probabilities or None)."""

    source: str
    labels: np.ndarray | None
    scores: np.ndarray | None
    classes: tuple[str, ...] | None = None  # multiclass: the classes labels and scores index


def require_columns(data: Dataset, columns: list[str], role: str) -> None:
    """InputError naming the first of `columns` the data lacks (with a did-you-mean)."""
    for column in columns:
        require_column(data, column, role)


def complete_column(data: Dataset, column: str, role: str) -> pd.Series:
    """The column, once it has no missing value; InputError naming the rows that miss one."""
    series = data.frame[column]
    missing = series.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"{data.what}: {role} column '{column}' has missing values in "
            f"{rows_text(missing, data)}"
        )
    return series


def require_column(data: Dataset, name: str | None, role: str) -> str:
    if not name:
        raise InputError(f"no {role} column: set data.{role} in the policy or pass --{role}")
    if name not in data.frame.columns:
        hint = did_you_mean(name, [str(c) for c in data.frame.columns])
        raise InputError(f"{data.what} has no {role} column '{name}'{hint}")
    return name


def rows_text(mask: np.ndarray, data: Dataset) -> str:
    """'rows 2, 5, 9' (1-based data rows, as a spreadsheet shows them below the header)."""
    rows = (np.flatnonzero(mask)[:5] + 1 + data.offset).tolist()
    more = f" and {int(mask.sum()) - 5} more" if mask.sum() > 5 else ""
    return f"row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))}{more}"


def matches(series: pd.Series, value: Any) -> np.ndarray:
    """series == value, comparing as text when the types differ (1 vs '1')."""
    hit = (series == value).to_numpy()
    if not hit.any():
        hit = (series.astype(str) == str(value)).to_numpy()
    return hit


def numeric_column(data: Dataset, column: str, role: str) -> np.ndarray:
    series = data.frame[column]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        raise InputError(
            f"{data.what}: {role} column '{column}' must be numeric (found {series.dtype})"
        )
    values = series.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(
            f"{data.what}: {role} column '{column}' has missing or "
            f"non-finite values in {rows_text(bad, data)}"
        )
    return values


def model_features(data: Dataset, binding: DataBinding, loaded: LoadedModel) -> list[str]:
    """The model's input columns: data.features if set, else the model's own names."""
    names = binding.features or loaded.model.feature_names
    if names is None:
        raise InputError(
            f"{loaded.what} does not record its input names: name the columns it takes, in "
            "order, with --features (features= in Python) or data.features in the policy"
        )
    missing = [n for n in names if n not in data.frame.columns]
    if missing:
        columns = [str(c) for c in data.frame.columns]
        detail = "; ".join(f"'{n}'{did_you_mean(n, columns)}" for n in missing[:5])
        raise InputError(
            f"{data.what} lacks model input column{'s' if len(missing) > 1 else ''} {detail}"
        )
    return list(names)


def model_predictions(
    loaded: LoadedModel, data: Dataset, binding: DataBinding, task: Task
) -> Predictions:
    X = data.frame[model_features(data, binding, loaded)]
    with model_errors(loaded, data):
        if task is Task.REGRESSION:
            values = _numeric_output(loaded, data, loaded.model.predict(X), "predict()")
            _require_sound_outputs(loaded, data, values, probabilities=False)
            return Predictions(loaded.path, values, None)
        scores = loaded.model.predict_scores(X, binding.positive_label)
        if scores is not None:
            scores = _numeric_output(loaded, data, scores, "its scores")
        if scores is not None and _is_probability_like(loaded):
            labels = (scores >= binding.threshold).astype(np.int64)
        else:
            raw = model_output(loaded, data, loaded.model.predict(X), "predict()")
            labels = _predicted_labels(loaded, data, pd.Series(raw), binding)
    if scores is not None:
        _require_sound_outputs(loaded, data, scores, _is_probability_like(loaded))
    return Predictions(loaded.path, labels, scores)


@contextmanager
def model_errors(loaded: LoadedModel, data: Dataset) -> Iterator[None]:
    """Any failure of the model's own code on `data` as an InputError naming the model (and
    the data), never a traceback: the candidate is user input."""
    try:
        yield
    except InputError as exc:
        message = str(exc)
        raise InputError(
            message if message.startswith(loaded.what) else f"{loaded.what}: {message}"
        ) from None
    except Exception as exc:
        raise InputError(
            f"{loaded.what} failed to predict on {data.what}: {type(exc).__name__}: {exc}"
        ) from None


def model_output(loaded: LoadedModel, data: Dataset, values: Any, what: str) -> np.ndarray:
    """A model's output as one value per row: InputError for any other shape."""
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1 or len(values) != data.rows:
        raise InputError(
            f"{loaded.what}: {what} returned shape {values.shape} on {data.what}, "
            f"not one value for each of its {data.rows} rows"
        )
    return values


def _numeric_output(loaded: LoadedModel, data: Dataset, values: Any, what: str) -> np.ndarray:
    """A model's output as one float per row: InputError naming the model otherwise."""
    values = model_output(loaded, data, values, what)
    if values.dtype.kind not in "biuf":
        shown = ", ".join(map(repr, pd.unique(values)[:3].tolist()))
        raise InputError(
            f"{loaded.what}: {what} returned non-numeric values on {data.what} ({shown})"
        )
    return values.astype(float)


def _predicted_labels(
    loaded: LoadedModel, data: Dataset, raw: pd.Series, binding: DataBinding
) -> np.ndarray:
    """A model's predicted labels as 0/1, failing closed on values that are no value of the
    label (see _unexpected); the model's own classes, when it has them, are the values."""
    classes = getattr(loaded.model, "classes", None)
    if classes is not None:
        loaded.model.require_positive(binding.positive_label)  # type: ignore[attr-defined]
    unexpected, expected = _unexpected(raw, data, binding, classes)
    if unexpected:
        raise InputError(
            f"predicted {_not_label_values(unexpected)} of the label on {data.what} "
            f"(expected {expected}): it cannot be evaluated"
        )
    return matches(raw, binding.positive_label).astype(np.int64)


def _unexpected(
    raw: pd.Series, data: Dataset, binding: DataBinding, classes: tuple[str, ...] | None
) -> tuple[list[Any], str]:
    """(the predicted values that are no value of the label; the values expected, shown).

    Predicted labels that are not label values (a model answering "yes" for a 0/1 label)
    would otherwise count every row negative. Expected: `classes` if given, else the label's
    values in this batch and positive_label, compared as values and as text; in a batch where
    those are one value, one other value is taken as the class the batch does not show."""
    positive = binding.positive_label
    if classes is not None:
        allowed, slack = pd.Series(list(classes), dtype=object), 0
    else:
        label = binding.label if binding.label in data.frame.columns else None
        seen = data.frame[label].dropna().unique().tolist() if label else []
        allowed = pd.Series([*seen, positive], dtype=object)
        slack = 1 if allowed.astype(str).nunique() < 2 else 0
    present = pd.Series(raw.unique(), dtype=object)
    known = present.isin(allowed.tolist()) | present.astype(str).isin(allowed.astype(str))
    unexpected = present[~known]
    if len(unexpected) <= slack:
        return [], ""
    return unexpected.tolist(), ", ".join(sorted(set(allowed.astype(str))))


def _not_label_values(values: list[Any]) -> str:
    """ "'yes', 'no', which are not values" (at most five shown)."""
    shown = ", ".join(map(repr, values[:5])) + (", ..." if len(values) > 5 else "")
    return f"{shown}, which {'are not values' if len(values) > 1 else 'is not a value'}"


def _require_sound_outputs(
    loaded: LoadedModel, data: Dataset, values: np.ndarray, probabilities: bool
) -> None:
    """A model's scores must be finite (and probabilities within [0, 1]): a NaN score is no
    prediction at all, and thresholding it would silently count every such row negative."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(
            f"{loaded.what} returned missing or non-finite outputs on {data.what}, "
            f"{rows_text(bad, data)}: it cannot be evaluated"
        )
    outside = (values < 0) | (values > 1) if probabilities else np.zeros(len(values), bool)
    if outside.any():
        raise InputError(
            f"{loaded.what} returned probabilities outside [0, 1] on {data.what}, "
            f"{rows_text(outside, data)}: it cannot be evaluated"
        )


def _is_probability_like(loaded: LoadedModel) -> bool:
    """Scores from predict_proba (or ONNX probabilities) are thresholded at data.threshold.
    Decision values are not: the predicted labels of a decision_function model are its own
    predict() (a decision value above 0 is classes_[1]); its scores feed the score metrics."""
    estimator = getattr(loaded.model, "estimator", None)
    return estimator is None or hasattr(estimator, "predict_proba")


def column_predictions(
    data: Dataset, score: str | None, prediction: str | None, binding: DataBinding, task: Task
) -> Predictions:
    if not score and not prediction:
        raise InputError(
            "nothing to evaluate: pass --model, or bind a score or prediction "
            "column (data.score / data.prediction, --score / --prediction)"
        )
    source = f"{data.path} columns"
    if task is Task.REGRESSION:
        column = require_column(data, prediction or score, "prediction")
        return Predictions(source, numeric_column(data, column, "prediction"), None)
    scores = numeric_column(data, require_column(data, score, "score"), "score") if score else None
    if prediction:
        column = require_column(data, prediction, "prediction")
        series = complete_column(data, column, "prediction")
        unexpected, expected = _unexpected(series, data, binding, None)
        if unexpected:
            raise InputError(
                f"{data.what}: prediction column '{column}' has "
                f"{_not_label_values(unexpected)} of the label (expected {expected})"
            )
        labels = matches(series, binding.positive_label).astype(np.int64)
    else:
        labels = (scores >= binding.threshold).astype(np.int64)
    return Predictions(source, labels, scores)


def outputs_on_rows(
    loaded: LoadedModel, frame: pd.DataFrame, binding: DataBinding, task: Task
) -> Predictions:
    """A model's outputs on rows a behaviour check built (sampled, permuted or perturbed), bound
    and checked exactly as the pass binds the data's (multiclass: class indices and (rows,
    classes) probabilities, as gate.inputs.binding binds a multiclass model)."""
    rows = Dataset(f"<rows probed from {loaded.path}>", "", frame.reset_index(drop=True))
    if task is Task.MULTICLASS:
        from gate.inputs.class_outputs import model_classes  # it imports this module

        return model_classes(loaded, rows, binding)
    return model_predictions(loaded, rows, binding, task)
