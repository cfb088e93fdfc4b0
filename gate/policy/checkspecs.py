"""One check entry of a policy -> CheckSpec, with the rules each check type imposes."""

from __future__ import annotations

from gate.engine.group_metrics import GROUP_METRICS, NAMED_DISPARITIES
from gate.engine.metrics import METRICS
from gate.errors import Location
from gate.policy.data_checks import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MAX,
    DRIFT_KEYS,
    QUALITY_RULES,
    drift_options,
    quality_options,
)
from gate.policy.loader import Sourced
from gate.policy.model import (
    BaselineRule,
    CheckSpec,
    FairnessOptions,
    GovernanceOptions,
)
from gate.policy.schema import did_you_mean
from gate.results import Severity

Problems = list[tuple[Location, str]]

COMMON = {"id", "type", "description", "severity"}
KEYS = {
    "performance": {"metric", "min", "max", "confidence", "baseline"},
    "fairness": {
        "metric",
        "min",
        "max",
        "confidence",
        "aggregate",
        "method",
        "reference",
        "sensitive",
        "intersectional",
        "min_group_size",
        "small_groups",
        "agg",
        "min_group_share",
        "exclude_missing",
    },
    "prohibited_features": {"features", "match"},
    "proxy_features": {"max", "attributes", "features", "bins"},
    "documentation": {"required", "tolerance"},
    "representation": {"attributes", "features", "max_missing"},
    "drift": DRIFT_KEYS,
    "data_quality": set(QUALITY_RULES),
}
NEEDS_METRIC = {"performance", "fairness"}
GOVERNANCE = {"prohibited_features", "proxy_features", "documentation", "representation"}


def _governance(raw: dict) -> GovernanceOptions:
    return GovernanceOptions(
        features=tuple(raw.get("features", ())),
        attributes=tuple(raw.get("attributes", ())),
        bins=raw.get("bins", 10),
        match=raw.get("match", "normalized"),
        required=tuple(raw.get("required", ())),
        tolerance=raw.get("tolerance"),
        max_missing=raw.get("max_missing"),
    )


def check_spec(s: Sourced, problems: Problems) -> CheckSpec:
    """The typed check; every problem found is appended to `problems`."""
    raw, kind = s.value, s.value["type"]
    for key in sorted(set(raw) - COMMON - KEYS[kind]):
        problems.append(
            (s.loc(key, key=True), f"check '{raw['id']}': '{key}' does not apply to {kind} checks")
        )
    if kind in NEEDS_METRIC:
        _metric_rules(s, problems)
    elif kind == "prohibited_features" and not raw.get("features"):
        problems.append((s.loc(), f"check '{raw['id']}': list the prohibited 'features'"))
    elif kind == "documentation" and not raw.get("required") and raw.get("tolerance") is None:
        problems.append(
            (
                s.loc(),
                f"check '{raw['id']}': give 'required' fields and/or a "
                "'tolerance' for declared metrics",
            )
        )
    elif kind == "proxy_features" and raw.get("max") is None:
        problems.append(
            (
                s.loc(),
                f"check '{raw['id']}': give 'max', the largest association "
                "(Cramér's V, 0..1) a feature may have with an attribute",
            )
        )
    base = raw.get("baseline")
    drift = drift_options(s, problems) if kind == "drift" else None
    return CheckSpec(
        id=raw["id"],
        type=kind,
        location=s.loc(),
        metric=raw.get("metric"),
        severity=Severity(raw.get("severity", "block")),
        min=raw.get("min"),
        max=raw.get("max", DEFAULT_MAX if drift else None),
        confidence=raw.get(
            "confidence", DEFAULT_CONFIDENCE if drift and drift.verdict == "effect_size" else None
        ),
        description=raw.get("description"),
        baseline=BaselineRule(base.get("max_drop"), base.get("max_relative_drop"))
        if base
        else None,
        fairness=_fairness(s, problems) if kind == "fairness" else None,
        governance=_governance(raw) if kind in GOVERNANCE else None,
        drift=drift,
        quality=quality_options(s, problems) if kind == "data_quality" else None,
        extended_at=s.origin,
    )


def _metric_rules(s: Sourced, problems: Problems) -> None:
    raw, cid = s.value, s.value["id"]
    lo, hi = raw.get("min"), raw.get("max")
    if "metric" not in raw:
        problems.append((s.loc(), f"check '{cid}': a {raw['type']} check needs 'metric'"))
    elif raw["type"] == "performance" and raw["metric"] not in METRICS:
        problems.append(
            (
                s.loc("metric"),
                f"check '{cid}': '{raw['metric']}' is not a "
                f"performance metric{did_you_mean(raw['metric'], set(METRICS))}",
            )
        )
    if lo is None and hi is None and raw.get("baseline") is None:
        problems.append(
            (s.loc(), f"check '{cid}' has no condition: give 'min', 'max' or 'baseline'")
        )
    if lo is not None and hi is not None and lo > hi:
        problems.append(
            (
                s.loc("min"),
                f"check '{cid}': min ({lo}) is greater than max ({hi}), so it can never pass",
            )
        )
    if "confidence" in raw and lo is None and hi is None:
        problems.append(
            (
                s.loc("confidence", key=True),
                f"check '{cid}': 'confidence' needs a 'min' or 'max' to judge",
            )
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
        min_group_share=raw.get("min_group_share", 0.0),
        exclude_missing=raw.get("exclude_missing", False),
    )


def _reference(raw: object) -> tuple[tuple[str, str], ...] | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        return tuple((str(k), str(v)) for k, v in raw.items())
    return (("", str(raw)),)  # one value, for whichever single feature is compared
