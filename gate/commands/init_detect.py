"""What kind of model init is looking at, and which task its label calls for.

The model's kind comes from scikit-learn's own tests (`is_classifier` / `is_regressor`, which
read the estimator's tags); a model that is not a scikit-learn estimator is judged by its
methods, and without a model the label's values decide: two values are binary
classification, more are multiclass (text, or whole numbers up to MAX_CLASSES values; pass
--task regression for a whole-number regression target), other numbers regression.
One-value labels are usage errors, never a guess.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from gate.errors import UsageError
from gate.inputs.models import Model

TASKS = ("binary_classification", "multiclass_classification", "regression")
MULTICLASS = "multiclass_classification"
MAX_CLASSES = 20  # a whole-number label with at most this many values reads as class labels
BINARY_WORDS = {"0", "1", "True", "False", "0.0", "1.0"}


def estimator(model: Model | None) -> Any:
    return getattr(model, "estimator", None)


def model_kind(model: Model | None) -> str | None:
    """classifier, regressor, or None when the model does not say (SklearnModel.kind)."""
    return getattr(model, "kind", None)


def model_classes(model: Model | None) -> list[Any] | None:
    classes = getattr(estimator(model), "classes_", None)
    if classes is None:
        return None
    return [c.item() if hasattr(c, "item") else c for c in classes]


def _shown(values: list[Any]) -> str:
    listed = ", ".join(map(str, values[:6]))
    return listed + (", ..." if len(values) > 6 else "")


def _multiclass(what: str, values: list[Any]) -> UsageError:
    return UsageError(
        f"{what} has {len(values)} classes ({_shown(values)}): binary_classification needs "
        "two (leave --task out, or pass --task multiclass_classification)"
    )


def _whole(values: list[Any]) -> bool:
    return all(float(v).is_integer() for v in values)


def task(
    label: str, values: list[Any] | None, numeric: bool, model: Model | None, asked: str | None
) -> str:
    """binary_classification, multiclass_classification or regression. `values`: the label's
    distinct values (None: no data); `asked`: --task, when given."""
    kind = model_kind(model)
    classes = model_classes(model) if kind == "classifier" else None
    column = f"label column {label}"
    if kind == "classifier":
        if asked == "regression":
            raise UsageError("--task regression, but the model is a classifier")
        if classes is not None and len(classes) > 2 and asked == "binary_classification":
            raise _multiclass("the model", classes)
        if classes is not None and len(classes) < 2:
            raise UsageError(f"the model knows one class only ({_shown(classes)})")
        many = classes is not None and len(classes) > 2
        chosen = MULTICLASS if many or asked == MULTICLASS else "binary_classification"
    elif kind == "regressor":
        if asked in ("binary_classification", MULTICLASS):
            raise UsageError(f"--task {asked}, but the model is a regressor")
        chosen = "regression"
    else:
        chosen = asked or _by_values(column, values, numeric)
    if values is None:
        return chosen
    if chosen == "regression" and not numeric:
        raise UsageError(f"{column} is not numeric ({_shown(values)}): it cannot be regressed")
    if not values:
        raise UsageError(f"{column} has no values")
    if len(values) < 2:
        raise UsageError(
            f"{column} has one value only ({_shown(values)}): a gate needs both outcomes "
            "(pass --label for another column, or other data)"
        )
    if chosen == "binary_classification" and len(values) > 2:
        raise _multiclass(column, values)
    return chosen


def _by_values(column: str, values: list[Any] | None, numeric: bool) -> str:
    if values is None or len(values) <= 2:
        return "binary_classification"
    if not numeric or (_whole(values) and len(values) <= MAX_CLASSES):
        return MULTICLASS  # whole numbers as classes: --task regression for a count target
    return "regression"


def positive_label(values: list[Any] | None, model: Model | None) -> tuple[Any, bool]:
    """(the positive value, whether it is the model's last class); None: the default, 1."""
    classes = model_classes(model) if model_kind(model) == "classifier" else None
    found = classes if classes else sorted(values or [], key=str)
    if not found or {str(v) for v in found} <= BINARY_WORDS:
        return None, False
    return found[-1], bool(classes)


def class_values(values: list[Any] | None, model: Model | None) -> tuple[str, ...]:
    """A multiclass model's classes (else the label's values), as text in scikit-learn's order."""
    from gate.engine.class_names import sort_classes

    classes = model_classes(model) if model_kind(model) == "classifier" else None
    return sort_classes(classes or values or ())


def label_values(frame: pd.DataFrame, label: str) -> tuple[list[Any], bool]:
    """The label column's distinct values (plain Python values) and whether it is numeric."""
    series = frame[label].dropna()
    values = [v.item() if hasattr(v, "item") else v for v in series.unique()]
    return sorted(values, key=str), pd.api.types.is_numeric_dtype(series)
