"""Rows to groups: each sensitive feature separately, or their intersections.

Missing sensitive values form an explicit group, labelled MISSING, that is reported like any
other — never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING = "(missing)"


@dataclass(frozen=True)
class Grouping:
    """A group code for every row, and each group's value of each feature."""

    features: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]
    codes: np.ndarray

    @property
    def size(self) -> int:
        return len(self.labels)

    def label(self, index: int) -> dict[str, str]:
        """{feature: value} of group `index`."""
        return dict(zip(self.features, self.labels[index], strict=True))


def _factorize(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes 0..k-1 for the sorted text values; missing values get the code k (MISSING)."""
    text = column.astype("string")
    codes, uniques = pd.factorize(text, sort=True, use_na_sentinel=True)
    values = [str(u) for u in uniques]
    missing = codes < 0
    if missing.any():
        codes = np.where(missing, len(values), codes)
        values.append(MISSING)
    return codes.astype(np.int64), values


def group_rows(frame: pd.DataFrame, features: list[str] | tuple[str, ...]) -> Grouping:
    """Groups formed by the combinations of `features` that occur in the data, sorted."""
    combined = np.zeros(len(frame), dtype=np.int64)
    vocabularies = []
    for feature in features:
        codes, values = _factorize(frame[feature])
        combined = combined * len(values) + codes
        vocabularies.append(values)
    present, codes = np.unique(combined, return_inverse=True)
    labels = []
    for value in present.tolist():
        parts = []
        for values in reversed(vocabularies):
            value, index = divmod(value, len(values))
            parts.append(values[index])
        labels.append(tuple(reversed(parts)))
    return Grouping(tuple(features), tuple(labels), codes.astype(np.int64))
