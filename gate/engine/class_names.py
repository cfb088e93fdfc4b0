"""Class values as text, the one name a class has wherever it appears (a model's classes_, a
label column, a policy's `class:`), sorted as scikit-learn sorts a label's values: numerically
when every value is a number, else as text."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def class_text(value: object) -> str:
    """A class value as text; a whole number is written as an integer whatever its type, so
    that a model trained on 1.0 and a label column of 1 name the same class ('1')."""
    if isinstance(value, float | np.floating) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def class_texts(values: object) -> np.ndarray:
    """`class_text` of every value (object array of str), vectorised over distinct values."""
    a = np.asarray(values)
    if a.dtype.kind in "iub":
        return a.astype(str).astype(object)
    inverse, unique = pd.factorize(pd.Series(a.ravel(), dtype=object), use_na_sentinel=False)
    texts = np.array([class_text(u) for u in unique.tolist()] or [""], dtype=object)
    return texts[inverse] if len(unique) else np.array([], dtype=object)


def sort_classes(values: Iterable[object]) -> tuple[str, ...]:
    """Distinct values as text (class_text), in scikit-learn's order (numbers numerically,
    else as text)."""
    unique = {class_text(v) for v in values}
    try:
        return tuple(sorted(unique, key=lambda v: (float(v), v)))
    except ValueError:
        return tuple(sorted(unique))


def class_codes(values: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
    """The index of each value (as class_text) in `classes`; -1 for a value none of them."""
    text = pd.Series(class_texts(values), dtype=object)
    return pd.Categorical(text, categories=list(classes)).codes.astype(np.int64)
