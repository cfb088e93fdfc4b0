"""Aggregates of per-group values: fairlearn's difference / ratio, and to a reference group.

Inputs have groups on the last axis (and optionally resamples before it); NaN group values are
skipped, as pandas does in fairlearn's MetricFrame.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

METHODS = ("between_groups", "to_overall", "to_reference")
AGGREGATES = ("difference", "ratio")


def _quiet(fn: Callable[..., Any], *args: Any) -> Any:
    """Call fn with all-NaN-slice and division warnings silenced (NaN is an answer here)."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args)


def per_group(values: np.ndarray, aggregate: str, anchor: np.ndarray) -> np.ndarray:
    """Each group's difference (|g - anchor|) or ratio (min(g/anchor, anchor/g)) to an anchor."""
    anchor = np.asarray(anchor)[..., None] if np.ndim(anchor) == values.ndim - 1 else anchor
    if aggregate == "difference":
        return np.abs(values - anchor)

    def ratio() -> np.ndarray:
        r = values / anchor
        return np.where(r > 1, 1 / r, r)

    return _quiet(ratio)


def aggregate(
    values: np.ndarray,
    kind: str,
    method: str,
    overall: np.ndarray | None = None,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """The disparity over groups (last axis): fairlearn's definitions for between_groups and
    to_overall; to_reference compares every group with the reference value."""
    if method == "between_groups":
        low, high = _quiet(np.nanmin, values, -1), _quiet(np.nanmax, values, -1)
        return high - low if kind == "difference" else _quiet(np.divide, low, high)
    anchor = overall if method == "to_overall" else reference
    gaps = per_group(values, kind, anchor)
    return _quiet(np.nanmax, gaps, -1) if kind == "difference" else _quiet(np.nanmin, gaps, -1)
