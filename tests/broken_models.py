"""Fitted models whose outputs are broken in one way; importable, so they can be pickled for
the CLI tests (run with --allow-pickle and the file's sha256)."""

from __future__ import annotations

import numpy as np


class _Wrapped:
    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.feature_names_in_ = inner.feature_names_in_


class ShortRows(_Wrapped):
    """predict_proba returns one row fewer than it was given."""

    def __init__(self, inner: object) -> None:
        super().__init__(inner)
        self.classes_ = inner.classes_

    def predict(self, X):
        return self.inner.predict(X)[:-1]

    def predict_proba(self, X):
        return self.inner.predict_proba(X)[:-1]


class TextScores(ShortRows):
    """predict_proba returns text."""

    def predict_proba(self, X):
        return self.inner.predict_proba(X).astype(str)


class SaysWords(_Wrapped):
    """predict() only, answering "yes" / "no" whatever the label's values are."""

    def predict(self, X):
        return np.where(self.inner.predict(X) == 1, "yes", "no")
