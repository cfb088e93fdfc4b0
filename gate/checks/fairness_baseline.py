"""A fairness check's `baseline:`: each group's metric against the baseline model's on the same
rows ("no group may lose more than 2 points of recall"), paired when `confidence` is given."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gate.checks.base import CheckContext, CheckUnavailable
from gate.checks.conditions import (
    combine,
    compare_baseline,
    judge_baseline,
    missing_baseline,
    rule_of,
)
from gate.engine import fairness, paired
from gate.engine.groups import Grouping, project
from gate.policy.model import BaselineRule
from gate.results import BaselineComparison, Status, fmt
from gate.wording import group_name

Key = tuple[tuple[str, str], ...]
SHOWN = 5  # groups named in the message (report.json lists every one)


@dataclass(frozen=True)
class GroupsJudged:
    """Per group (by its sorted {feature: value} pairs): the report entries, and the verdict."""

    entries: dict[Key, list[dict[str, Any]]]
    status: Status
    notes: list[str]


def key(group: dict[str, str]) -> Key:
    return tuple(sorted(group.items()))


def judge_groups(
    rule: BaselineRule,
    ctx: CheckContext,
    spec: fairness.Spec,
    left_out: set[Key],
    small: frozenset[Key] = frozenset(),
) -> GroupsJudged:
    """Every group's drop per compared metric; the groups in `left_out` are listed, not judged —
    but one left out only for its size (`small`) whose paired interval lies wholly beyond the
    allowed drop is judged: min_group_size guards a disparity against noise, and this drop's
    own interval already rules noise out."""
    if ctx.profile.baseline is None:
        status, notes = missing_baseline(rule)
        return GroupsJudged({}, status, notes)
    joint = ctx.outputs().get("paired")
    unpaired = [c for c in spec.components if c not in paired.PAIRED]
    if unpaired:
        raise CheckUnavailable(f"no per-group baseline comparison for {', '.join(unpaired)}")
    if joint is None:
        raise CheckUnavailable(paired.NO_JOINT)
    p = ctx.profile
    finest, onehot = project(p.groups, p.features, spec.features)
    part = joint.remap(onehot.argmax(axis=1), finest.size)
    resamples = ctx.resamples if rule.confidence is not None else 0
    drops = [
        (comp.grouping, name, paired.paired_drop(name, part.fold(comp.fold), resamples, ctx.seed))
        for comp in fairness.comparisons(finest, spec)
        for name in spec.components
    ]
    return judged(rule, drops, left_out, small)


def judged(
    rule: BaselineRule,
    drops: list[tuple[Grouping, str, paired.PairedDrop]],
    left_out: set[Key],
    small: frozenset[Key] = frozenset(),
) -> GroupsJudged:
    """Every group's drop, per (grouping, metric, drops of its groups), judged against `rule`
    (paired, or two-sample: gate/commands/analysis_two_sample_groups.py); see judge_groups."""
    entries: dict[Key, list[dict[str, Any]]] = {}
    statuses, notes = [], []
    for grouping, name, drop in drops:
        for j in range(grouping.size):
            group = grouping.label(j)
            entry, status, why = _one(name, rule, drop, j)
            conclusive = status is Status.FAIL and rule.confidence is not None
            if key(group) not in left_out or (conclusive and key(group) in small):
                statuses.append(status)
                if status is not Status.PASS:
                    notes.append(f"{group_name(group)}: {name} {why}")
            entries.setdefault(key(group), []).append(entry)
    if len(notes) > SHOWN:
        notes = [*notes[:SHOWN], f"and {len(notes) - SHOWN} more"]
    return GroupsJudged(entries, combine(statuses), notes)


def _one(
    name: str, rule: BaselineRule, drops: paired.PairedDrop, j: int
) -> tuple[dict[str, Any], Status, str]:
    """One group's comparison on one metric: its report entry, status and note."""
    cand, base = float(drops.candidate[j]), float(drops.baseline[j])
    entry: dict[str, Any] = {"metric": name, "value": _finite(base), "drop": None}
    entry |= rule_of(rule) | ({"confidence": rule.confidence} if rule.confidence else {})
    if not (math.isfinite(cand) and math.isfinite(base)):
        entry["status"] = Status.ERROR.value
        return entry, Status.ERROR, "is undefined for the candidate or the baseline"
    cmp = compare_baseline(cand, base, paired.greater_is_better(name))
    if rule.confidence is not None:
        ci = drops.interval(rule.confidence)[j]
        rel = drops.interval(rule.confidence, relative=True)[j]
        cmp = _with_interval(cmp, rule, ci, rel if rule.max_relative_drop is not None else None)
    status, why = judge_baseline(rule, cmp)
    entry |= {"drop": cmp.drop, "relative_drop": cmp.relative_drop, "status": status.value}
    entry |= {"ci": list(cmp.ci)} if cmp.ci is not None else {}
    entry |= {"relative_ci": list(cmp.relative_ci)} if cmp.relative_ci is not None else {}
    # as a performance check reads: the value, then how far from the baseline's value
    return entry, status, f"{fmt(cand)}, " + "; ".join(why)


def _with_interval(
    cmp: BaselineComparison, rule: BaselineRule, ci: tuple | None, rel: tuple | None
) -> BaselineComparison:
    return BaselineComparison(
        cmp.value, cmp.delta, cmp.drop, cmp.relative_drop, rule.confidence, ci, rel
    )


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None
