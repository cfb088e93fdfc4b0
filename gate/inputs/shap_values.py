"""Exact SHAP values of a loaded tree model (shap's TreeExplainer), for `type: importance`
with `method: shap`. `shap` is an optional extra: without it, exit 2 with the install command;
a model TreeExplainer cannot explain exactly (ONNX, non-tree, a pipeline) is NotExplainable."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from gate.engine.metrics import Task
from gate.errors import UsageError
from gate.inputs.models import LoadedModel
from gate.inputs.sklearn_model import SklearnModel
from gate.policy.model import DataBinding

INSTALL = "pip install 'model-gate[shap]'"


class NotExplainable(Exception):
    """shap has no fast exact explainer for this model."""


def shap_values(
    loaded: LoadedModel, frame: pd.DataFrame, binding: DataBinding, task: Task
) -> pd.DataFrame:
    """The SHAP values of the model's inputs on `frame`, one column per input (a binary
    classifier: of the positive class's raw output; a multiclass one: the sum over the classes
    of each value's magnitude, so that the mean over rows is the sum over classes of the mean
    |SHAP value|)."""
    try:
        import shap
    except ImportError:
        raise UsageError(f"method: shap needs the shap extra: {INSTALL}") from None
    model = loaded.model
    if not isinstance(model, SklearnModel):
        raise NotExplainable(f"{loaded.what} ({loaded.format}) is not a tree model shap can read")
    names = list(binding.features or model.feature_names or ())
    if not names:
        raise NotExplainable(f"{loaded.what} does not record its input names")
    X = frame[names]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            explainer = shap.TreeExplainer(model.estimator)
            raw = explainer.shap_values(X)
            # older shap: one (rows, inputs) array per class; newer: (rows, inputs, classes)
            values = np.stack(raw, axis=-1) if isinstance(raw, list) else np.asarray(raw)
    except Exception as exc:  # shap says "Model type not yet supported" and the like
        kind = type(model.estimator).__name__
        raise NotExplainable(
            f"{loaded.what} ({kind}) has no exact tree explainer: {type(exc).__name__}: {exc}"
        ) from None
    return pd.DataFrame(_positive_class(values, model, binding, task), columns=names)


def _positive_class(
    values: np.ndarray, model: SklearnModel, binding: DataBinding, task: Task
) -> np.ndarray:
    """One column per input: a per-class output (rows, inputs, classes) keeps the positive
    class's (binary), sums the magnitudes over the classes (multiclass) or is refused."""
    if values.ndim == 2:
        return values
    if task is Task.BINARY and values.ndim == 3 and model.classes is not None:
        return values[:, :, model.classes.index(str(binding.positive_label))]
    if task is Task.MULTICLASS and values.ndim == 3:
        return np.abs(values).sum(axis=2)
    raise NotExplainable(f"shap returned values of shape {values.shape}, not (rows, inputs)")
