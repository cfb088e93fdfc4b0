"""Checks the schema cannot express, then the frozen Policy. Every problem is collected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gate.engine.group_metrics import GROUP_METRICS, NAMED_DISPARITIES, task_of
from gate.engine.metrics import METRICS
from gate.errors import Location, PolicyError
from gate.policy.loader import Merged, Sourced
from gate.policy.model import (
    BaselineRule,
    CheckSpec,
    DataBinding,
    FairnessOptions,
    Policy,
    Waiver,
)
from gate.policy.schema import did_you_mean
from gate.results import Severity

Problems = list[tuple[Location, str]]


def build_policy(merged: Merged, sha256: str) -> Policy:
    """Freeze a merged policy, or raise PolicyError with every semantic problem found."""
    problems: Problems = []
    checks = tuple(_check_spec(s, problems) for s in merged.checks.values())
    if not checks:
        problems.append(
            (
                merged.root.loc(("checks",), key=True),
                "the policy has no checks: an empty gate would approve anything",
            )
        )
    fairness_ids = {i for i, c in merged.checks.items() if c.value["type"] == "fairness"}
    waivers = tuple(_waiver(w, set(merged.checks), fairness_ids, problems) for w in merged.waivers)
    data = _data_binding(merged.data)
    _check_task(data, merged, problems)
    if problems:
        raise PolicyError(sorted(problems, key=lambda p: (p[0].file, p[0].line or 0)))
    name = merged.root.data.get("name") or Path(merged.root.file).stem
    return Policy(
        name=name,
        path=merged.root.file,
        sha256=sha256,
        data=data,
        checks=checks,
        waivers=waivers,
        sources=tuple(merged.sources),
    )


FAIRNESS_KEYS = (
    "aggregate",
    "method",
    "reference",
    "sensitive",
    "intersectional",
    "min_group_size",
    "small_groups",
    "agg",
)
PERFORMANCE_ONLY = ("baseline",)


def _check_spec(s: Sourced, problems: Problems) -> CheckSpec:
    raw = s.value
    foreign = PERFORMANCE_ONLY if raw["type"] == "fairness" else FAIRNESS_KEYS
    for key in foreign:
        if key in raw:
            problems.append(
                (
                    s.loc(key, key=True),
                    f"check '{raw['id']}': '{key}' does not apply to {raw['type']} checks",
                )
            )
    lo, hi = raw.get("min"), raw.get("max")
    base = raw.get("baseline")
    rule = BaselineRule(base.get("max_drop"), base.get("max_relative_drop")) if base else None
    if "metric" not in raw:
        problems.append((s.loc(), f"check '{raw['id']}': a {raw['type']} check needs 'metric'"))
    elif raw["type"] == "performance" and raw["metric"] not in METRICS:
        problems.append(
            (
                s.loc("metric"),
                f"check '{raw['id']}': '{raw['metric']}' is not a "
                f"performance metric{did_you_mean(raw['metric'], set(METRICS))}",
            )
        )
    if lo is None and hi is None and base is None:
        problems.append(
            (s.loc(), f"check '{raw['id']}' has no condition: give 'min', 'max' or 'baseline'")
        )
    if lo is not None and hi is not None and lo > hi:
        problems.append(
            (
                s.loc("min"),
                f"check '{raw['id']}': min ({lo}) is greater than max ({hi}), so it can never pass",
            )
        )
    if "confidence" in raw and lo is None and hi is None:
        problems.append(
            (
                s.loc("confidence", key=True),
                f"check '{raw['id']}': 'confidence' needs a 'min' or 'max' to judge",
            )
        )
    return CheckSpec(
        id=raw["id"],
        type=raw["type"],
        location=s.loc(),
        metric=raw.get("metric"),
        severity=Severity(raw.get("severity", "block")),
        min=lo,
        max=hi,
        confidence=raw.get("confidence"),
        description=raw.get("description"),
        baseline=rule,
        fairness=_fairness(s, problems) if raw["type"] == "fairness" else None,
    )


def _fairness(s: Sourced, problems: Problems) -> FairnessOptions | None:
    """The fairness options of a check, or None (with problems noted) when unusable."""
    raw, cid = s.value, s.value["id"]
    metric = raw.get("metric")
    if metric is None:
        return None
    named = NAMED_DISPARITIES.get(metric)
    if named is None and metric not in GROUP_METRICS:
        known = set(GROUP_METRICS) | set(NAMED_DISPARITIES)
        problems.append(
            (
                s.loc("metric"),
                f"check '{cid}': '{metric}' is not a group metric "
                f"or a fairness metric{did_you_mean(metric, known)}",
            )
        )
        return None
    aggregate = raw.get("aggregate", named.aggregate if named else None)
    if named and aggregate != named.aggregate:
        problems.append(
            (
                s.loc("aggregate"),
                f"check '{cid}': {metric} is a {named.aggregate}; drop 'aggregate: {aggregate}'",
            )
        )
    if aggregate is None:
        problems.append(
            (
                s.loc(),
                f"check '{cid}': a fairness check on '{metric}' needs "
                "'aggregate: difference' or 'aggregate: ratio'",
            )
        )
    if "agg" in raw and not metric.startswith("equalized_odds"):
        problems.append(
            (s.loc("agg", key=True), f"check '{cid}': 'agg' applies to equalized_odds metrics only")
        )
    method = raw.get("method", "between_groups")
    reference = raw.get("reference")
    if reference is not None and method != "to_reference":
        problems.append(
            (
                s.loc("reference", key=True),
                f"check '{cid}': 'reference' needs 'method: to_reference'",
            )
        )
    return FairnessOptions(
        components=named.components if named else (metric,),
        aggregate=aggregate or "ratio",
        method=method,
        sensitive=tuple(raw.get("sensitive", ())),
        intersectional=raw.get("intersectional", False),
        reference=_reference(reference),
        min_group_size=raw.get("min_group_size", 1),
        small_groups=raw.get("small_groups", "exclude"),
        agg=raw.get("agg", "worst_case"),
    )


def _reference(raw: object) -> tuple[tuple[str, str], ...] | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        return tuple((str(k), str(v)) for k, v in raw.items())
    return (("", str(raw)),)  # one value, for whichever single feature is compared


def _waiver(s: Sourced, check_ids: set[str], fairness_ids: set[str], problems: Problems) -> Waiver:
    raw = s.value
    group = raw.get("group")
    if group is not None and raw["check"] in check_ids and raw["check"] not in fairness_ids:
        problems.append(
            (
                s.loc("group", key=True),
                f"waiver for '{raw['check']}': a group can be waived only on a fairness check",
            )
        )
    if raw["check"] not in check_ids:
        problems.append(
            (
                s.loc("check"),
                f"waiver for unknown check '{raw['check']}'{did_you_mean(raw['check'], check_ids)}",
            )
        )
    try:
        expires = dt.date.fromisoformat(raw["expires"])
    except ValueError:
        problems.append(
            (
                s.loc("expires"),
                f"waiver expires on '{raw['expires']}', which is not a calendar date (YYYY-MM-DD)",
            )
        )
        expires = dt.date.min
    return Waiver(
        check=raw["check"],
        reason=raw["reason"],
        approved_by=raw["approved_by"],
        expires=expires,
        location=s.loc(),
        group=tuple((str(k), str(v)) for k, v in group.items()) if group else None,
    )


def _data_binding(data: dict[str, Sourced]) -> DataBinding:
    values = {k: s.value for k, s in data.items() if s.value is not None}
    for key in ("sensitive", "features"):
        if key in values:
            values[key] = tuple(values[key])
    return DataBinding(**values)


def _check_task(data: DataBinding, merged: Merged, problems: Problems) -> None:
    """All metrics must belong to one task (the declared one, if any)."""
    by_task: dict[str, list[Sourced]] = {}
    for s in merged.checks.values():
        task = task_of(s.value.get("metric", ""))
        if task:
            by_task.setdefault(task.value, []).append(s)
    if data.task:
        for task, checks in by_task.items():
            if task != data.task:
                problems.extend(
                    (
                        c.loc("metric"),
                        f"metric '{c.value['metric']}' is a {task} "
                        f"metric but data.task is {data.task}",
                    )
                    for c in checks
                )
    elif len(by_task) > 1:
        summary = "; ".join(
            f"{t}: {', '.join(c.value['id'] for c in cs)}" for t, cs in by_task.items()
        )
        problems.append(
            (
                merged.root.loc(("checks",), key=True),
                f"the checks mix metrics of different tasks ({summary})",
            )
        )
