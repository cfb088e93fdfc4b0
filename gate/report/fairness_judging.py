"""A fairness check of an untrusted report.json judged on the groups it REQUIRES, not only the
ones it states (review12d #3): every group's exclusion must follow from its own `n` and the
check's options, every group must carry one baseline comparison per compared metric when the
check has a baseline rule, and the check's value must follow from the groups kept (with the
engine's own aggregate), so a deleted group, a deleted comparison or an unfounded `excluded`
is refused. The options are the trusted policy's (gate.report.pinning), else the spec the report
states (none in a report of an older model-gate: then only the value is re-derived)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gate.engine.disparity import aggregate
from gate.engine.fairness import combine_disparities, strictest_disparity
from gate.engine.groups import MISSING
from gate.policy.model import FairnessOptions
from gate.results import CheckResult
from gate.wording import group_name

ROUNDING = 1e-9  # report.json's 12 significant digits, summed over a few groups


def stated_options(r: CheckResult) -> tuple[FairnessOptions | None, bool]:
    """(the fairness options the report's own spec states, whether it states a baseline)."""
    spec = r.spec or {}
    raw = spec.get("fairness")
    if not isinstance(raw, dict):
        return None, False
    try:
        opts = FairnessOptions(
            **{k: _pairs(v) if k == "exclude" else _tuple(v) for k, v in raw.items()}
        )
    except TypeError:
        return None, False
    return opts, isinstance(spec.get("baseline"), dict)


def _pairs(exclude: Any) -> tuple[tuple[tuple[str, str], ...], ...]:
    """fairness.exclude as the spec states it: a list of groups, each a list of [feature,
    value] pairs; ValueError naming the key otherwise."""
    try:
        return tuple(tuple((str(k), str(v)) for k, v in group) for group in exclude or ())
    except (TypeError, ValueError):
        raise ValueError(
            f"its spec's fairness.exclude {exclude!r} is not a list of [feature, value] pairs"
        ) from None


def _tuple(value: Any) -> Any:
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def problem(r: CheckResult, opts: FairnessOptions | None, baselined: bool) -> str | None:
    """Why `r`'s groups do not add up under `opts`; None when they do."""
    totals: dict[tuple[str, ...], int] = {}
    for g in r.groups:  # the rows of each compared grouping, as the engine's share base
        key = tuple(sorted(g.get("group") or {}))
        totals[key] = totals.get(key, 0) + int(g.get("n") or 0)
    found = _count_problem(r, totals)
    if found:
        return found
    for g in r.groups:
        total = totals[tuple(sorted(g.get("group") or {}))]
        found = _exclusion_problem(g, total, opts) if opts is not None else None
        if found:
            return found
        if baselined and opts is not None:
            metrics = {e.get("metric") for e in g.get("baseline") or ()}
            lacking = [c for c in opts.components if c not in metrics]
            if lacking:
                return (
                    f"group {group_name(g.get('group') or {})} states no comparison with the "
                    f"baseline on {', '.join(lacking)}, and the check compares every group"
                )
    return _value_problem(r, opts)


def _count_problem(r: CheckResult, totals: dict[tuple[str, ...], int]) -> str | None:
    """Every compared grouping (one per sensitive feature, or the intersections) holds all
    the check's `n` rows (kept, excluded and `(missing)` groups, unweighted), and its
    `(missing)` groups hold the rows the check counts as unknown (review12e #1)."""
    if r.n is None:
        return None
    for key, total in totals.items():
        if total != r.n:
            return (
                f"its groups of {' x '.join(key) or '(no feature)'} hold {total} rows, but the "
                f"check counts {r.n} (a group deleted, or its rows moved)"
            )
    for feature, count in (r.unknown or {}).items():
        for key in (k for k in totals if feature in k):
            held = sum(
                int(g.get("n") or 0)
                for g in r.groups
                if tuple(sorted(g.get("group") or {})) == key
                and (g.get("group") or {}).get(feature) == MISSING
            )
            if held != int(count):
                return (
                    f"it counts {count} row(s) with '{feature}' unknown, but its "
                    f"{group_name({feature: MISSING})} groups hold {held}"
                )
    return None


def _exclusion_problem(g: dict[str, Any], total: int, opts: FairnessOptions) -> str | None:
    """An excluded group's reason must hold for its own n (of `total` rows in its grouping)
    and the options."""
    if not g.get("excluded"):
        return None
    reason, n = str(g.get("excluded_reason") or ""), int(g.get("n") or 0)
    labels = g.get("group") or {}
    holds = {
        "below": n < opts.min_group_size and reason.endswith(str(opts.min_group_size)),
        "under": bool(total) and n / total < opts.min_group_share,
        "unknown": opts.exclude_missing and MISSING in labels.values(),
        "waived": any(all(labels.get(k) == v for k, v in p) for p in opts.exclude),
    }
    kind = reason.split(" ")[0]
    if holds.get(kind):
        return None
    options = {
        "below": f"min_group_size {opts.min_group_size}",
        "under": f"min_group_share {opts.min_group_share:g} of its grouping's {total} rows",
        "unknown": f"exclude_missing {str(opts.exclude_missing).lower()}",
        "waived": "the check's group waivers",
    }
    under = options.get(kind, "any exclusion reason model-gate writes")
    return (
        f"group {group_name(labels)} (n={n}) is marked excluded ({reason or 'no reason'}), which "
        f"does not hold under {under}"
    )


def _value_problem(r: CheckResult, opts: FairnessOptions | None) -> str | None:
    """The check's value from its kept groups, for a between-groups comparison."""
    comparison = r.comparison or {}
    method = opts.method if opts else comparison.get("method")
    kind = opts.aggregate if opts else comparison.get("aggregate")
    if method != "between_groups" or kind not in ("difference", "ratio") or r.value is None:
        return None
    by_features: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for g in r.groups:
        if not g.get("excluded"):
            by_features.setdefault(tuple(sorted(g.get("group") or {})), []).append(g)
    if not by_features:
        return "it states a value but no group it was measured on"
    names = opts.components if opts else None
    per_feature = []
    for groups in by_features.values():
        components = names or tuple(groups[0].get("values") or ("value",))
        parts = [np.array([_value(g, c) for g in groups], dtype=float) for c in components]
        per_feature.append(
            combine_disparities(
                [aggregate(p, kind, method) for p in parts],
                kind,
                opts.agg if opts else "worst_case",
            )
        )
    derived = float(strictest_disparity(per_feature, kind))
    if math.isfinite(derived) and math.isclose(derived, r.value, rel_tol=0, abs_tol=ROUNDING):
        return None
    return (
        f"its value {r.value} does not follow from its groups: the {kind} between the groups "
        f"it keeps is {derived:.12g} (a group deleted, changed or marked excluded)"
    )


def _value(g: dict[str, Any], component: str) -> float:
    values = g.get("values")
    v = values.get(component) if isinstance(values, dict) else g.get("value")
    return float("nan") if v is None else float(v)
