"""Bind data columns and model outputs to roles: y_true, scores, predictions, weights.

Every problem found here is the user's data or configuration, so it is an InputError that names
the file and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gate.engine.metrics import Task
from gate.errors import InputError
from gate.inputs.data import Dataset, described
from gate.inputs.models import LoadedModel
from gate.policy.model import CheckSpec, DataBinding
from gate.policy.schema import did_you_mean


@dataclass(frozen=True)
class Predictions:
    """One model's outputs on the evaluation data (binary: labels 0/1 and positive scores)."""

    source: str
    labels: np.ndarray | None
    scores: np.ndarray | None


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
        label = _require_column(data, binding.label, "label")
        y_true = _truth(data, label, binding, task)
        classes = () if task is Task.REGRESSION else _classes(data.frame[label])
    else:
        y_true, classes = np.zeros(len(data.frame), dtype=np.int64), ()
    weight = _weights(data, binding.weight) if binding.weight else None
    candidate = (
        _model_predictions(model, data, binding, task)
        if model
        else _column_predictions(data, binding.score, binding.prediction, binding, task)
    )
    base = _model_predictions(baseline, data, binding, task) if baseline else None
    if base is None and (binding.baseline_score or binding.baseline_prediction):
        base = _column_predictions(
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
    if model is not None:
        return _model_predictions(model, data, binding, task)
    return _column_predictions(data, binding.score, binding.prediction, binding, task)


#: metrics computed from the model's outputs alone (no ground truth)
TRUTH_FREE = frozenset(
    {
        "selection_rate",
        "scoring_rate",
        "mean_prediction",
        "demographic_parity_difference",
        "demographic_parity_ratio",
    }
)
#: data-quality rules that read the label column
LABEL_RULES = ("min_class_share", "max_conflicting_share")


def truth_needs(checks: tuple[CheckSpec, ...]) -> list[tuple[str, str]]:
    """(check id, metric or rule) of every check that needs ground truth (a label)."""
    out = []
    for check in checks:
        metrics = check.fairness.components if check.fairness else (check.metric,)
        if check.metric and not set(metrics) <= TRUTH_FREE:
            out.append((check.id, check.metric))
        for rule in LABEL_RULES if check.quality else ():
            if getattr(check.quality, rule) is not None:
                out.append((check.id, rule))
    return out


def require_truth(checks: tuple[CheckSpec, ...], binding: DataBinding) -> None:
    """InputError naming each check (and its metric) that needs a label when none is bound;
    with no such check, the run is an outcome-free audit and needs no label column."""
    if binding.label:
        return
    needing = truth_needs(checks)
    if needing:
        named = ", ".join(f"{check} ({metric})" for check, metric in needing)
        raise InputError(
            f"no label column: check{'s' if len(needing) > 1 else ''} {named} "
            f"need{'' if len(needing) > 1 else 's'} ground truth; set data.label in the policy "
            "or pass --label"
        )


def require_model_task(loaded: LoadedModel | None, task: Task) -> None:
    """InputError when a model cannot serve the policy's task: a classifier under regression,
    a regressor under binary classification, or a classifier of more than two classes
    (model-gate gates binary classification and regression). Models that do not say what they
    are (ONNX, plain objects) are judged by their outputs."""
    if loaded is None:
        return
    kind = getattr(loaded.model, "kind", None)
    classes = getattr(loaded.model, "classes", None)
    shown = f" (classes {', '.join(classes)})" if classes else ""
    if task is Task.REGRESSION and kind == "classifier":
        raise InputError(
            f"{loaded.what} is a classifier{shown}, but the policy's task is regression: "
            "set data.task: binary_classification, or give a regressor"
        )
    if task is Task.BINARY and kind == "regressor":
        raise InputError(
            f"{loaded.what} is a regressor, but the policy's task is binary_classification: "
            "set data.task: regression, or give a classifier"
        )
    if task is Task.BINARY and classes is not None and len(classes) != 2:
        raise InputError(
            f"{loaded.what} is a classifier of {len(classes)} classes{shown}; "
            "binary_classification needs a model of two classes (model-gate gates binary "
            "classification and regression)"
        )


def require_unknown_features(binding: DataBinding, features: tuple[str, ...]) -> None:
    """InputError when data.unknown_values names a feature no check groups by (a typo would
    silently count nothing as unknown)."""
    for feature, _ in binding.unknown_values:
        if feature != "*" and feature not in features:
            known = ", ".join(features) or "none"
            raise InputError(
                f"data.unknown_values names '{feature}', which is not a sensitive feature "
                f"(these are: {known}){did_you_mean(feature, list(features))}"
            )


def require_columns(data: Dataset, columns: list[str], role: str) -> None:
    """InputError naming the first of `columns` the data lacks (with a did-you-mean)."""
    for column in columns:
        _require_column(data, column, role)


def _require_column(data: Dataset, name: str | None, role: str) -> str:
    if not name:
        raise InputError(f"no {role} column: set data.{role} in the policy or pass --{role}")
    if name not in data.frame.columns:
        hint = did_you_mean(name, [str(c) for c in data.frame.columns])
        raise InputError(f"{data.what} has no {role} column '{name}'{hint}")
    return name


def _classes(series: pd.Series) -> tuple[str, ...]:
    return tuple(sorted(map(str, series.unique())))


def _rows(mask: np.ndarray, data: Dataset) -> str:
    """'rows 2, 5, 9' (1-based data rows, as a spreadsheet shows them below the header)."""
    rows = (np.flatnonzero(mask)[:5] + 1 + data.offset).tolist()
    more = f" and {int(mask.sum()) - 5} more" if mask.sum() > 5 else ""
    return f"row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))}{more}"


def _matches(series: pd.Series, value: Any) -> np.ndarray:
    """series == value, comparing as text when the types differ (1 vs '1')."""
    hit = (series == value).to_numpy()
    if not hit.any():
        hit = (series.astype(str) == str(value)).to_numpy()
    return hit


def _numeric(data: Dataset, column: str, role: str) -> np.ndarray:
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
            f"non-finite values in {_rows(bad, data)}"
        )
    return values


def _truth(data: Dataset, column: str, binding: DataBinding, task: Task) -> np.ndarray:
    series = data.frame[column]
    missing = series.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"{data.what}: label column '{column}' has missing values in {_rows(missing, data)}"
        )
    if task is Task.REGRESSION:
        return _numeric(data, column, "label")
    classes = sorted(map(str, series.unique()))
    if len(classes) > 2:
        shown = ", ".join(classes[:6]) + (", ..." if len(classes) > 6 else "")
        raise InputError(
            f"{data.what}: label column '{column}' has {len(classes)} "
            f"distinct values ({shown}); binary classification needs two"
        )
    # whether the positive label occurs is known only over every batch: require_classes
    return _matches(series, binding.positive_label).astype(np.int64)


def _weights(data: Dataset, column: str) -> np.ndarray:
    values = _numeric(data, _require_column(data, column, "weight"), "weight")
    if (values < 0).any():
        raise InputError(
            f"{data.what}: weight column '{column}' has negative values "
            f"in {_rows(values < 0, data)}"
        )
    return values


def _features(data: Dataset, binding: DataBinding, loaded: LoadedModel) -> list[str]:
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


def _model_predictions(
    loaded: LoadedModel, data: Dataset, binding: DataBinding, task: Task
) -> Predictions:
    X = data.frame[_features(data, binding, loaded)]
    try:
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
            raw = _output(loaded, data, loaded.model.predict(X), "predict()")
            labels = _predicted_labels(loaded, data, pd.Series(raw), binding)
    except InputError as exc:
        message = str(exc)
        raise InputError(
            message if message.startswith(loaded.what) else f"{loaded.what}: {message}"
        ) from None
    except Exception as exc:
        raise InputError(
            f"{loaded.what} failed to predict on {data.what}: {type(exc).__name__}: {exc}"
        ) from None
    if scores is not None:
        _require_sound_outputs(loaded, data, scores, _is_probability_like(loaded))
    return Predictions(loaded.path, labels, scores)


def _output(loaded: LoadedModel, data: Dataset, values: Any, what: str) -> np.ndarray:
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
    values = _output(loaded, data, values, what)
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
    return _matches(raw, binding.positive_label).astype(np.int64)


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
            f"{_rows(bad, data)}: it cannot be evaluated"
        )
    outside = (values < 0) | (values > 1) if probabilities else np.zeros(len(values), bool)
    if outside.any():
        raise InputError(
            f"{loaded.what} returned probabilities outside [0, 1] on {data.what}, "
            f"{_rows(outside, data)}: it cannot be evaluated"
        )


def _is_probability_like(loaded: LoadedModel) -> bool:
    """Scores from predict_proba (or ONNX probabilities) are thresholded at data.threshold.
    Decision values are not: the predicted labels of a decision_function model are its own
    predict() (a decision value above 0 is classes_[1]); its scores feed the score metrics."""
    estimator = getattr(loaded.model, "estimator", None)
    return estimator is None or hasattr(estimator, "predict_proba")


def _column_predictions(
    data: Dataset, score: str | None, prediction: str | None, binding: DataBinding, task: Task
) -> Predictions:
    if not score and not prediction:
        raise InputError(
            "nothing to evaluate: pass --model, or bind a score or prediction "
            "column (data.score / data.prediction, --score / --prediction)"
        )
    source = f"{data.path} columns"
    if task is Task.REGRESSION:
        column = _require_column(data, prediction or score, "prediction")
        return Predictions(source, _numeric(data, column, "prediction"), None)
    scores = _numeric(data, _require_column(data, score, "score"), "score") if score else None
    if prediction:
        column = _require_column(data, prediction, "prediction")
        series = data.frame[column]
        missing = series.isna().to_numpy()
        if missing.any():
            raise InputError(
                f"{data.what}: prediction column '{column}' has missing "
                f"values in {_rows(missing, data)}"
            )
        unexpected, expected = _unexpected(series, data, binding, None)
        if unexpected:
            raise InputError(
                f"{data.what}: prediction column '{column}' has "
                f"{_not_label_values(unexpected)} of the label (expected {expected})"
            )
        labels = _matches(series, binding.positive_label).astype(np.int64)
    else:
        labels = (scores >= binding.threshold).astype(np.int64)
    return Predictions(source, labels, scores)


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
