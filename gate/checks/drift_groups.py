"""Drift within each group of the sensitive features: where a column's shift is concentrated."""

from __future__ import annotations

from typing import Any

from gate.checks.base import CheckContext, CheckUnavailable
from gate.checks.drift_verdicts import beyond, widened
from gate.engine.drift_methods import column_drift
from gate.engine.profile import columns_by_group
from gate.policy.model import CheckSpec

Folded = dict[str, tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]]


def fold_groups(ctx: CheckContext) -> Folded:
    """Per sensitive feature, the (current, reference) column profiles of each of its groups,
    folded once for every column of the check; empty when either profile has no per-group
    columns (e.g. a saved reference profile built without them)."""
    if ctx.reference is None or ctx.profile.group_columns is None:
        return {}
    if ctx.reference.group_columns is None:
        return {}
    return {
        f: (columns_by_group(ctx.profile, f), columns_by_group(ctx.reference, f))
        for f in ctx.sensitive
    }


def group_drift(
    spec: CheckSpec,
    ctx: CheckContext,
    folded: Folded,
    pair: Any,
    method: str,
    confidence: float | None,
) -> list[dict[str, Any]]:
    """Per group of each sensitive feature: the column's statistic, interval and verdict (groups
    present on both sides only)."""
    if pair.role != "feature":
        return []
    out = []
    for f, (feature, (current, reference)) in enumerate(folded.items()):
        for g, name in enumerate(sorted(set(current) & set(reference))):
            cur, ref = current[name].get(pair.column), reference[name].get(pair.column)
            if cur is None or ref is None:
                continue
            seed = ctx.seed + 104_729 * (f + 1) + 131 * g
            try:
                stat = column_drift(
                    method, ref, cur, confidence=confidence, resamples=ctx.resamples, seed=seed
                )
            except ValueError as exc:  # e.g. a group whose column has another kind
                raise CheckUnavailable(f"group {feature}={name}: {exc}") from exc
            out.append(
                {
                    "group": {feature: name},
                    "n": {"reference": ref.present, "current": cur.present},
                    "value": stat.value,
                    "ci": list(stat.ci) if stat.ci else None,
                    "drifted": False
                    if stat.value is None  # no values in this group on one side
                    else beyond(
                        stat.value, widened(stat.value, stat.ci, stat.error_bound), spec.max
                    ),
                }
            )
    return out


def concentrated(groups: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The groups that drifted while some other group of the same feature did not."""
    out = []
    for feature in dict.fromkeys(k for g in groups for k in g["group"]):
        mine = [g for g in groups if feature in g["group"]]
        if any(g["drifted"] is False for g in mine):
            out += [g["group"] for g in mine if g["drifted"] is True]
    return out
