"""A scikit-learn-compatible estimator as the gate calls it: fitted, of a known kind, its
scores those of the positive class."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gate.engine.class_names import class_text
from gate.errors import InputError


def require_fitted(estimator: Any, what: str) -> None:
    """InputError when a scikit-learn estimator has not been fitted (other objects: trusted)."""
    try:
        from sklearn.base import BaseEstimator
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        return
    if not isinstance(estimator, BaseEstimator):
        return
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise InputError(
            f"{what} ({type(estimator).__name__}) is not fitted: fit it before evaluating it"
        ) from None


def model_kind(estimator: Any) -> str | None:
    """ "classifier", "regressor", or None when the object does not say."""
    try:
        from sklearn.base import is_classifier, is_regressor

        if is_classifier(estimator):
            return "classifier"
        if is_regressor(estimator):
            return "regressor"
    except Exception:  # an object sklearn cannot ask for its tags
        pass
    if hasattr(estimator, "classes_") or callable(getattr(estimator, "predict_proba", None)):
        return "classifier"
    return None


class SklearnModel:
    """A scikit-learn-compatible estimator.

    Scores are the positive class's: its predict_proba column, or, from decision_function (the
    score of classes_[1] in scikit-learn), the decision values negated when the positive label
    is classes_[0]. A model fitted on a plain array (n_features_in_ but no feature_names_in_)
    is given a plain array, as it was fitted; other objects get the DataFrame of its inputs.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator
        names = getattr(estimator, "feature_names_in_", None)
        self.feature_names = tuple(str(n) for n in names) if names is not None else None
        self.kind = model_kind(estimator)
        classes = getattr(estimator, "classes_", None)
        self.classes = _classes(classes) if classes is not None else None

    def _input(self, X: pd.DataFrame) -> Any:
        unnamed = self.feature_names is None and hasattr(self.estimator, "n_features_in_")
        return X.to_numpy() if unnamed else X

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.estimator.predict(self._input(X)))

    def require_positive(self, positive_label: Any) -> None:
        """InputError when the model has classes and positive_label is not one of them."""
        if self.classes is not None and class_text(positive_label) not in self.classes:
            raise InputError(
                f"positive_label {positive_label!r} is not one of the model's classes "
                f"({', '.join(self.classes)})"
            )

    def predict_scores(self, X: pd.DataFrame, positive_label: Any) -> np.ndarray | None:
        """The positive class's probability (or decision value when there is none)."""
        self.require_positive(positive_label)
        if hasattr(self.estimator, "predict_proba"):
            if self.classes is None:
                raise InputError("it has predict_proba() but no classes_")
            column = self.classes.index(class_text(positive_label))
            probabilities = np.asarray(self.estimator.predict_proba(self._input(X)))
            if probabilities.ndim != 2 or probabilities.shape[1] != len(self.classes):
                raise InputError(
                    f"predict_proba() returned shape {probabilities.shape}, not "
                    f"({len(X)}, {len(self.classes)}) (one column per class)"
                )
            return _floats(probabilities[:, column])
        if hasattr(self.estimator, "decision_function"):
            values = np.asarray(self.estimator.decision_function(self._input(X)))
            first = self.classes is not None and self.classes[0] == class_text(positive_label)
            values = _floats(values)
            return -values if first and values.ndim == 1 and values.dtype == float else values
        return None

    def predict_probabilities(self, X: pd.DataFrame) -> np.ndarray | None:
        """Every class's probability, columns in classes_ order (None: no predict_proba)."""
        if not hasattr(self.estimator, "predict_proba") or self.classes is None:
            return None
        probabilities = np.asarray(self.estimator.predict_proba(self._input(X)))
        if probabilities.ndim != 2 or probabilities.shape[1] != len(self.classes):
            raise InputError(
                f"predict_proba() returned shape {probabilities.shape}, not "
                f"({len(X)}, {len(self.classes)}) (one column per class)"
            )
        return _floats(probabilities)


def _floats(values: np.ndarray) -> np.ndarray:
    """Numbers as floats; anything else as it is (the binding names what is wrong with it)."""
    return values.astype(float) if values.dtype.kind in "biuf" else values


def _classes(classes: Any) -> tuple[str, ...]:
    """classes_ as text; whole numbers as integers (1.0 -> '1', as labels of 1 are named)."""
    return tuple(class_text(c) for c in np.asarray(classes).ravel().tolist())
