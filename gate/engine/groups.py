"""Rows to groups: each sensitive feature separately, or their intersections.

Missing sensitive values form an explicit group, labelled MISSING, that is reported like any
other — never silently dropped. Values declared unknown for a feature (data.unknown_values:
"Unknown", "Decline to self-identify") are missing values of that feature, here and only here.

A group's value is its text, except that MISSING means missing and nothing else: a real value
that reads "(missing)" is shown quoted, '"(missing)"' (and a real '"(missing)"' quoted once
more), so the labels of missing and real values never meet, in profiles, report.json, waivers
or exclude_missing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING = "(missing)"
_QUOTED = re.compile(r'("*)\(missing\)("*)')
ANY_FEATURE = "*"  # a key of `unknown`: values unknown for every feature
Unknown = Mapping[str, Collection[str]]  # feature (or ANY_FEATURE) -> values meaning "unknown"


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


def unknown_values(unknown: Unknown | None, feature: str) -> frozenset[str]:
    """The values that mean "unknown" for `feature`, trimmed and case-folded."""
    if not unknown:
        return frozenset()
    given = [*unknown.get(ANY_FEATURE, ()), *unknown.get(feature, ())]
    return frozenset(str(v).strip().casefold() for v in given)


def _drop_unknown(
    codes: np.ndarray, values: list[str], unknown: frozenset[str]
) -> tuple[np.ndarray, list[str]]:
    """Codes and values with the values in `unknown` (compared trimmed, case-folded) made
    missing (code -1): a look at each distinct value, not at each row."""
    drop = np.array([v.strip().casefold() in unknown for v in values], dtype=bool)
    if not drop.any():
        return codes, values
    keep = np.flatnonzero(~drop)
    moved = np.full(len(values) + 1, -1, dtype=np.int64)  # the last slot takes code -1
    moved[keep] = np.arange(len(keep))
    return moved[codes], [values[i] for i in keep]


def _factorize(
    column: pd.Series, unknown: frozenset[str] = frozenset()
) -> tuple[np.ndarray, list[str]]:
    """Codes 0..k-1 for the sorted text values; missing values (and `unknown` ones) get the
    code k (MISSING)."""
    text = column.astype("string")
    codes, uniques = pd.factorize(text, sort=True, use_na_sentinel=True)
    values = [str(u) for u in uniques]
    if unknown:
        codes, values = _drop_unknown(codes, values, unknown)
    if any(_QUOTED.fullmatch(v) for v in values):
        codes, values = _resorted(codes, [shown(v) for v in values])
    missing = codes < 0
    if missing.any():
        codes = np.where(missing, len(values), codes)
        values.append(MISSING)
    return codes.astype(np.int64), values


def shown(value: str) -> str:
    """A real value's label: itself, or quoted once more when it reads like MISSING."""
    match = _QUOTED.fullmatch(value)
    if match and len(match.group(1)) == len(match.group(2)):
        return f'"{value}"'
    return value


def _resorted(codes: np.ndarray, values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Codes and values with the values in text order again (quoting moved some)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(values) + 1, dtype=np.int64)
    rank[order] = np.arange(len(values))
    rank[-1] = -1  # code -1 (missing) stays
    return rank[codes], [values[i] for i in order]


def group_rows(
    frame: pd.DataFrame, features: list[str] | tuple[str, ...], unknown: Unknown | None = None
) -> Grouping:
    """Groups formed by the combinations of `features` that occur in the data, sorted."""
    return group_columns([frame[f] for f in features], tuple(features), len(frame), unknown)


def group_columns(
    columns: list[pd.Series], features: tuple[str, ...], rows: int, unknown: Unknown | None = None
) -> Grouping:
    """Groups formed by the value combinations of `columns` (one per feature), sorted;
    `unknown`: values that count as missing, per feature."""
    combined = np.zeros(rows, dtype=np.int64)
    vocabularies = []
    for feature, column in zip(features, columns, strict=True):
        codes, values = _factorize(column, unknown_values(unknown, feature))
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


def label_order(label: tuple[str, ...]) -> tuple[tuple[bool, str], ...]:
    """The sort key of a group label: each feature's values in text order, MISSING last."""
    return tuple((value == MISSING, value) for value in label)


def union(
    a: tuple[tuple[str, ...], ...], b: tuple[tuple[str, ...], ...]
) -> tuple[tuple[tuple[str, ...], ...], np.ndarray, np.ndarray]:
    """The sorted union of two sorted label lists, and where each list's labels land in it."""
    merged = tuple(sorted(set(a) | set(b), key=label_order))
    index = {label: j for j, label in enumerate(merged)}
    return (
        merged,
        np.array([index[x] for x in a], dtype=np.int64),
        np.array([index[x] for x in b], dtype=np.int64),
    )


def project(
    labels: tuple[tuple[str, ...], ...], features: tuple[str, ...], onto: tuple[str, ...]
) -> tuple[Grouping, np.ndarray]:
    """Groups of the features `onto` (a subset of `features`, any order) and the one-hot matrix
    (len(labels) x those groups) that sums the finer groups `labels` into them."""
    where = [features.index(f) for f in onto]
    coarse = [tuple(label[i] for i in where) for label in labels]
    present = tuple(sorted(set(coarse), key=label_order))
    index = {label: j for j, label in enumerate(present)}
    onehot = np.zeros((len(labels), len(present)))
    onehot[np.arange(len(labels)), [index[c] for c in coarse]] = 1.0
    codes = np.arange(len(present), dtype=np.int64)
    return Grouping(tuple(onto), present, codes), onehot


def missing_rows(
    features: tuple[str, ...],
    labels: tuple[tuple[str, ...], ...],
    rows: np.ndarray,
    of: tuple[str, ...],
) -> dict[str, int]:
    """Per feature of `of`: the rows whose value is missing or unknown (MISSING), from group
    cells `labels` over `features` with `rows` rows each."""
    out = {}
    for feature in of:
        i = features.index(feature)
        out[feature] = int(
            sum(n for label, n in zip(labels, rows.tolist(), strict=True) if label[i] == MISSING)
        )
    return out
