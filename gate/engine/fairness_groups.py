"""Which groups a fairness disparity compares: the check's spec, the groupings folded out of the
finest one, the reference group, and why a group is left out of the aggregate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gate.engine.groups import MISSING, Grouping, project


class DisparityError(ValueError):
    """The disparity cannot be computed on these data (e.g. the reference group is absent)."""


@dataclass(frozen=True)
class Spec:
    """What to compare: metrics, aggregate, method, and the group filters."""

    components: tuple[str, ...]
    aggregate: str
    method: str
    features: tuple[str, ...]
    intersectional: bool = False
    reference: tuple[tuple[str, str], ...] | None = None
    min_group_size: int = 1
    agg: str = "worst_case"
    exclude: tuple[tuple[tuple[str, str], ...], ...] = ()  # groups left out, e.g. waived
    min_group_share: float = 0.0  # groups with a smaller share of the rows are left out
    exclude_missing: bool = False  # leave the "(missing)" category out of the aggregate


def excluded(grouping: Grouping, exclude: tuple[tuple[tuple[str, str], ...], ...]) -> np.ndarray:
    """Groups whose labels match any of `exclude` ({feature: value} pairs, all must match)."""
    hits = [
        any(all(grouping.label(j).get(k) == v for k, v in pattern) for pattern in exclude)
        for j in range(grouping.size)
    ]
    return np.asarray(hits, dtype=bool)


def exclusion_reasons(spec: Spec, grouping: Grouping, n: np.ndarray) -> list[str | None]:
    """Why each group is left out of the aggregate (None: it is kept)."""
    waived = excluded(grouping, spec.exclude)
    total = float(n.sum())
    out: list[str | None] = []
    for j in range(grouping.size):
        if spec.exclude_missing and MISSING in grouping.labels[j]:
            out.append("unknown category")
        elif waived[j]:
            out.append("waived")
        elif n[j] < spec.min_group_size:
            out.append(f"below min_group_size {spec.min_group_size}")
        elif total and n[j] / total < spec.min_group_share:
            out.append(f"under {spec.min_group_share:.0%} of the data")
        else:
            out.append(None)
    return out


@dataclass(frozen=True)
class Comparison:
    """One set of groups that is compared: one feature, or the intersection."""

    name: str
    grouping: Grouping
    fold: np.ndarray  # one-hot (finest groups x these groups)


def comparisons(finest: Grouping, spec: Spec) -> list[Comparison]:
    """How each compared grouping folds out of the finest one (the cross product of the
    spec's features): the intersection itself, or each feature's own groups."""
    if spec.intersectional or len(spec.features) == 1:
        return [Comparison(" x ".join(spec.features), finest, np.eye(finest.size))]
    out = []
    for feature in spec.features:
        marginal, fold = project(finest.labels, spec.features, (feature,))
        out.append(Comparison(feature, marginal, fold))
    return out


def reference_index(
    spec: Spec, grouping: Grouping, values: np.ndarray, keep: np.ndarray, greater_is_better: bool
) -> np.ndarray:
    """The reference group per resample: the named one, or the most favoured kept group."""
    if spec.reference is not None:
        wanted = dict(spec.reference)
        if "" in wanted:
            wanted = {grouping.features[0]: wanted[""]} if len(grouping.features) == 1 else wanted
        for j in range(grouping.size):
            if grouping.label(j) == wanted:
                return np.full(values.shape[:-1], j)
        raise DisparityError(f"reference group {wanted} does not occur in the data")
    masked = np.where(keep, values, -np.inf if greater_is_better else np.inf)
    masked = np.nan_to_num(masked, nan=-np.inf if greater_is_better else np.inf)
    return masked.argmax(axis=-1) if greater_is_better else masked.argmin(axis=-1)


def require_comparable(spec: Spec, comp: Comparison, reasons: list[str | None]) -> None:
    """DisparityError unless there is something to compare: two kept groups (between_groups,
    to_reference), a kept group other than a named reference, or one kept group of several
    (to_overall). A disparity over fewer groups is 0 or 1 by construction, never evidence."""
    grouping = comp.grouping
    if grouping.size < 2:
        only = "/".join(grouping.labels[0]) if grouping.size else "none"
        raise DisparityError(f"{comp.name} has a single group ({only}): nothing to compare")
    kept = [j for j, r in enumerate(reasons) if r is None]
    if not kept:
        raise DisparityError(f"every group of {comp.name} {_why(spec, reasons, every=True)}")
    if spec.method == "to_reference" and spec.reference is not None:
        ref = int(reference_index(spec, grouping, np.zeros(grouping.size), np.ones(1), True))
        kept = [j for j in kept if j != ref]
    needed = 1 if spec.method == "to_overall" or spec.reference is not None else 2
    if len(kept) < needed:
        raise DisparityError(
            f"{comp.name}: fewer than two groups left to compare ({_why(spec, reasons)})"
        )


_WHY = {
    "below": "fewer than {size} rows (min_group_size)",
    "waived": "waived or excluded",
    "unknown": "the unknown category (exclude_missing)",
    "under": "under {share:.0%} of the rows (min_group_share)",
}


def _why(spec: Spec, reasons: list[str | None], every: bool = False) -> str:
    """Why groups are left out: 'has fewer than 700 rows (min_group_size)' when every group
    is left out for one reason, else a count per reason."""
    kinds: dict[str, int] = {}
    for reason in reasons:
        if reason is not None:
            kind = reason.split(" ")[0]
            kinds[kind] = kinds.get(kind, 0) + 1
    text = {
        k: v.format(size=spec.min_group_size, share=spec.min_group_share) for k, v in _WHY.items()
    }
    if every and len(kinds) == 1:
        (kind,) = kinds
        return ("has " if kind == "below" else "is ") + text[kind]
    listed = ", ".join(f"{n} group(s) {text[k]}" for k, n in kinds.items()) or "none left out"
    return f"is left out: {listed}" if every else listed
