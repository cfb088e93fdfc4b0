"""Fairness disparities from per-group statistics, with bootstrap intervals and significance.

One pass builds the statistics of the finest grouping (the cross product of the sensitive
features); each feature's own groups are sums of those, so point values and every bootstrap
resample (drawn once, jointly) come from the same statistics.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gate.engine.confusion import ConfusionCells
from gate.engine.disparity import aggregate, per_group
from gate.engine.fairness_groups import (
    Spec,
    comparisons,
    exclusion_reasons,
    reference_index,
    require_comparable,
)
from gate.engine.group_metrics import GROUP_METRICS, RATE_ROWS
from gate.engine.groups import Grouping, group_rows, project
from gate.engine.interval_methods import disparity_contrasts, disparity_interval
from gate.engine.metrics import Task
from gate.engine.resample import percentile_interval
from gate.engine.significance import selection_p_values
from gate.engine.stats import ConfusionStats, Stats


@dataclass(frozen=True)
class GroupOutcome:
    """One group: its size, metric values, intervals, and its gap to the anchor."""

    group: dict[str, str]
    n: int
    values: dict[str, float]
    ci: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    gap: dict[str, float] = field(default_factory=dict)
    excluded: str | None = None  # why the group is left out of the aggregate, if it is
    reference: bool = False
    p_value: float | None = None
    undefined: dict[str, str] = field(default_factory=dict)  # rate -> the rows the group lacks


@dataclass(frozen=True)
class Disparity:
    """The aggregate disparity over every comparison, its interval, and every group."""

    value: float
    ci: tuple[float, float] | None
    groups: tuple[GroupOutcome, ...]
    per_feature: dict[str, float]


def combine_disparities(values: list[np.ndarray], kind: str, how: str) -> np.ndarray:
    """Several disparities into one: the worst (max difference, min ratio) or the mean.

    As in fairlearn (Python's max / min over the components; pandas' mean): a NaN first value
    stays NaN, a later NaN is passed over; the mean skips NaN.
    """
    stacked = np.stack([np.asarray(v, dtype=float) for v in values])
    if how == "mean":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(stacked, axis=0)
    result = stacked[0]
    for value in stacked[1:]:
        worse = value > result if kind == "difference" else value < result
        result = np.where(worse, value, result)
    return result


def strictest_disparity(values: list[np.ndarray], kind: str) -> np.ndarray:
    """The worst over compared features; NaN if any is NaN (undefined fails closed)."""
    stacked = np.stack([np.asarray(v, dtype=float) for v in values])
    return stacked.max(axis=0) if kind == "difference" else stacked.min(axis=0)


def disparity_of(
    stats: Stats, spec: Spec, grouping: Grouping, keep: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Aggregate, per-component group values and gaps, for stats with groups on the last axis."""
    results, values, gaps = [], {}, {}
    for name in spec.components:
        metric = GROUP_METRICS[name]
        vals = metric.compute(stats)
        overall = metric.compute(stats.total())[..., 0]
        kept = vals[..., keep]
        reference = None
        if spec.method == "to_reference":
            ref = reference_index(spec, grouping, vals, keep, metric.greater_is_better)
            reference = np.take_along_axis(vals, ref[..., None], axis=-1)[..., 0]
        results.append(aggregate(kept, spec.aggregate, spec.method, overall, reference))
        anchor = overall if spec.method == "to_overall" else reference
        values[name] = vals
        if anchor is not None:
            gaps[name] = per_group(vals, spec.aggregate, anchor)
    return combine_disparities(results, spec.aggregate, spec.agg), values, gaps


@dataclass(frozen=True)
class Cells:
    """Per-group statistics of some rows: confusion cells (binary) or regression moments,
    keyed by the groups of `features` (labels sorted, as groups.project orders them)."""

    features: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    part: Any  # ConfusionCells | RegressionCells


def evaluate(
    frame: pd.DataFrame,
    task: Task,
    y: np.ndarray,
    pred: np.ndarray,
    weight: np.ndarray | None,
    spec: Spec,
    *,
    confidence: float | None = None,
    resamples: int = 1000,
    seed: int = 0,
) -> Disparity:
    """The disparity of rows in memory (tests, the Python API): their cells, then evaluate_cells."""
    grouping = group_rows(frame, spec.features)
    args = (grouping.codes, y, pred, weight, grouping.size)
    if task is Task.BINARY:
        part = ConfusionCells.from_rows(*args)
    else:
        from gate.engine.regression import RegressionCells

        part = RegressionCells.from_rows(*args)
    cells = Cells(spec.features, grouping.labels, part)
    return evaluate_cells(cells, spec, confidence=confidence, resamples=resamples, seed=seed)


def evaluate_cells(
    cells: Cells,
    spec: Spec,
    *,
    confidence: float | None = None,
    resamples: int = 1000,
    seed: int = 0,
) -> Disparity:
    """The disparity, its interval (when `confidence` is given) and per-group details."""
    finest, onehot = project(cells.groups, cells.features, spec.features)
    part = cells.part.remap(onehot.argmax(axis=1), finest.size)
    stats = _point(part)
    boot = _resampled(part, resamples, seed) if confidence is not None else None
    counts = _selection_counts(spec, part)
    totals, boot_totals, outcomes, per_feature = [], [], [], {}
    points, boots = [], []  # signed contrasts per grouping, for the aggregate's interval
    for comp in comparisons(finest, spec):
        local = stats.fold(comp.fold)
        reasons = exclusion_reasons(spec, comp.grouping, local.n)
        keep = np.array([r is None for r in reasons], dtype=bool)
        require_comparable(spec, comp, reasons)
        value, values, gaps = disparity_of(local, spec, comp.grouping, keep)
        per_feature[comp.name] = float(value)
        totals.append(value)
        group_ci = {}
        if boot is not None:
            b_local = boot.fold(comp.fold)
            b_value, b_values, _ = disparity_of(b_local, spec, comp.grouping, keep)
            boot_totals.append(b_value)
            named = _observed_reference(spec, comp.grouping, values, keep)
            named = named if spec.reference is not None else None  # else: all pairs
            how = (spec.components, spec.aggregate, spec.method, keep, named)
            points.append(disparity_contrasts(local, *how))
            boots.append(disparity_contrasts(b_local, *how))
            group_ci = {
                name: [percentile_interval(v, confidence) for v in b_values[name].T]
                for name in spec.components
            }
        ref = _observed_reference(spec, comp.grouping, values, keep)
        p_values = (
            selection_p_values(*counts.fold(comp.fold).selected(), ref)
            if counts is not None
            else [None] * comp.grouping.size
        )
        outcomes += _outcomes(comp.grouping, local, values, gaps, group_ci, reasons, ref, p_values)
    total = float(strictest_disparity(totals, spec.aggregate))
    ci = None
    if boot_totals:
        resampled = strictest_disparity(boot_totals, spec.aggregate)
        ci = disparity_interval(points, boots, resampled, spec.aggregate, spec.agg, confidence)
    return Disparity(total, ci, tuple(outcomes), per_feature)


def _observed_reference(
    spec: Spec, grouping: Grouping, values: dict[str, np.ndarray], keep: np.ndarray
) -> int | None:
    if spec.method != "to_reference":
        return None
    first = spec.components[0]
    return int(
        reference_index(spec, grouping, values[first], keep, GROUP_METRICS[first].greater_is_better)
    )


def _point(part: Any) -> Stats:
    """Per-group statistics of confusion cells or regression moments."""
    if isinstance(part, ConfusionCells):
        return part.stats()
    from gate.engine import regression

    return regression.stats(part)


def _resampled(part: Any, resamples: int, seed: int) -> Stats:
    """Per-group statistics of each bootstrap resample, drawn over the cells."""
    if isinstance(part, ConfusionCells):
        return part.resample(resamples, seed)
    from gate.engine import regression

    return regression.resample_stats(part, resamples, seed)


def _selection_counts(spec: Spec, part: Any) -> ConfusionStats | None:
    """Unweighted per-group counts for Fisher's test, when selection rates are compared."""
    if "selection_rate" not in spec.components or not isinstance(part, ConfusionCells):
        return None
    return ConfusionCells(part.n).stats()


def _outcomes(
    grouping: Grouping,
    stats: Stats,
    values: dict[str, np.ndarray],
    gaps: dict[str, np.ndarray],
    group_ci: dict[str, list],
    reasons: list[str | None],
    reference: int | None,
    p_values: list[float | None],
) -> list[GroupOutcome]:
    return [
        GroupOutcome(
            group=grouping.label(j),
            n=int(stats.n[j]),
            values={k: float(v[j]) for k, v in values.items()},
            ci={k: v[j] for k, v in group_ci.items()},
            gap={k: float(v[j]) for k, v in gaps.items()},
            excluded=reasons[j],
            reference=reference == j,
            p_value=p_values[j],
            undefined=_undefined_rates(stats, values, j),
        )
        for j in range(grouping.size)
    ]


def _undefined_rates(stats: Stats, values: dict[str, np.ndarray], j: int) -> dict[str, str]:
    """Group j's metrics that are undefined, each with what the group lacks: no rows of
    non-zero weight (NaN), or none of the rows a rate is a share of (reported as 0, as
    fairlearn does), e.g. {'true_positive_rate': 'no positive examples'}."""
    out = {}
    for name, v in values.items():
        if not np.isfinite(v[j]):
            out[name] = "no rows of non-zero weight"
        elif isinstance(stats, ConfusionStats) and name in RATE_ROWS:
            lacks, rows = RATE_ROWS[name]
            if not rows(stats)[j] > 0:
                out[name] = lacks
    return out
