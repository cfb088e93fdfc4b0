"""The effect of a two-sample comparison's mix difference on its verdict (review12e #8): the
live model's metric re-weighted to the candidate's mix of the column (post-stratification),
the comparison judged again with it (its interval moved by the same shift), and the
difference held against the verdict only when that changes it. Significance alone grows with
the traffic: a large canary on an immaterial routing imbalance stayed inconclusive for ever."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from gate.checks.conditions import compare_baseline, judge_baseline
from gate.commands.analysis_mix import Mix, restratified
from gate.engine.metrics import Metric
from gate.engine.two_sample import Sample
from gate.policy.model import BaselineRule
from gate.results import BaselineComparison, Status, fmt


def effect(
    mix: Mix,
    metric: Metric,
    rule: BaselineRule,
    cmp: BaselineComparison,
    samples: tuple[Sample, Sample],
    frames: tuple[pd.DataFrame, pd.DataFrame],
    status: Status,
) -> Mix:
    """`mix` with `material` set when it differs: whether the comparison re-weighted to the
    candidate's mix gets another status than `status` (or cannot be re-weighted)."""
    if not mix.differs:
        return mix
    moved = reweighted(mix, metric, cmp, samples, frames)
    if moved is None:
        return dataclasses.replace(mix, material=True)
    judged, _ = judge_baseline(rule, moved)
    return dataclasses.replace(mix, material=judged is not status, shifted=moved.value)


def reweighted(
    mix: Mix,
    metric: Metric,
    cmp: BaselineComparison,
    samples: tuple[Sample, Sample],
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> BaselineComparison | None:
    """The comparison with the live model's value re-weighted to the candidate's mix of the
    column, its intervals moved by the shift of the drop; None when it cannot be."""
    cand, base = samples
    weights = restratified(frames[0][mix.column], frames[1][mix.column], base.weight)
    if weights is None:
        return None
    c = float(metric(cand.y, cand.pred, cand.weight))
    b = float(metric(base.y, base.pred, weights))
    if not (np.isfinite(c) and np.isfinite(b)):
        return None
    point = compare_baseline(c, b, metric.greater_is_better)
    moved = dataclasses.replace(
        cmp, value=b, delta=point.delta, drop=point.drop, relative_drop=point.relative_drop
    )
    if cmp.ci is not None:
        shift = point.drop - cmp.drop
        moved = dataclasses.replace(moved, ci=(cmp.ci[0] + shift, cmp.ci[1] + shift))
    if cmp.relative_ci is not None and point.relative_drop is not None:
        shift = point.relative_drop - (cmp.relative_drop or 0.0)
        rel = cmp.relative_ci
        moved = dataclasses.replace(moved, relative_ci=(rel[0] + shift, rel[1] + shift))
    return moved


def immaterial(mix: Mix) -> str:
    """The note of a mix difference that does not change the verdict."""
    return (
        f"the rows differ in {mix.sentence()} (candidate vs live), but re-weighted to the "
        f"candidate's mix the live model's value is {fmt(mix.shifted)}: the same verdict"
    )
