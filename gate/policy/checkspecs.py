"""One check entry of a policy -> CheckSpec, with the rules a schema cannot express.

Which keys a check type takes, their types and their values are the schema's part
(gate/schemas/policy.schema.json, one object per type); a key whose value broke the schema is
left out here (`Sourced.valid`), so each mistake is reported once, by the schema.
"""

from __future__ import annotations

from gate.engine.class_names import class_text
from gate.engine.group_metrics import GROUP_METRICS, NAMED_DISPARITIES
from gate.engine.paired import PAIRED
from gate.policy.data_checks import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MAX,
    drift_options,
    quality_options,
)
from gate.policy.importance_options import importance_options
from gate.policy.model import (
    BaselineRule,
    CheckSpec,
    FairnessOptions,
    GovernanceOptions,
)
from gate.policy.robustness_options import robustness_options
from gate.policy.slices_options import slices_options
from gate.policy.sourced import Problems, Sourced
from gate.results import Severity

GOVERNANCE = {"prohibited_features", "proxy_features", "documentation", "representation"}
#: rates with no better direction: a drop from the baseline's value is not a regression, nor is
#: a rise progress (a model approving everyone raises selection_rate), so `baseline:` refuses them
NO_DIRECTION = frozenset({"selection_rate", "scoring_rate", "mean_prediction"})


def check_spec(s: Sourced, problems: Problems) -> CheckSpec:
    """The typed check; every problem found is appended to `problems`."""
    raw, kind = s.valid, s.value["type"]
    if kind in ("performance", "fairness"):
        _metric_rules(s, problems)
        _baseline_rules(s, problems)
    elif kind in GOVERNANCE:
        _governance_rules(s, problems)
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
            "confidence",
            DEFAULT_CONFIDENCE
            if (drift and drift.verdict == "effect_size") or kind == "importance"
            else None,
        ),
        description=raw.get("description"),
        baseline=_baseline(base) if base and kind != "importance" else None,  # its own
        fairness=_fairness(s, problems) if kind == "fairness" else None,
        governance=_governance(raw) if kind in GOVERNANCE else None,
        drift=drift,
        quality=quality_options(s, problems) if kind == "data_quality" else None,
        importance=importance_options(s, problems) if kind == "importance" else None,
        slices=slices_options(s, problems) if kind == "slices" else None,
        robustness=robustness_options(s, problems) if kind == "robustness" else None,
        extended_at=s.origin,
        average=raw.get("average"),
        of_class=class_text(raw["class"]) if "class" in raw else None,
    )


def _baseline(base: dict) -> BaselineRule:
    return BaselineRule(
        base.get("max_drop"),
        base.get("max_relative_drop"),
        base.get("confidence"),
        base.get("when_missing", "error"),
    )


def _baseline_rules(s: Sourced, problems: Problems) -> None:
    """A baseline block states a drop to judge, and `confidence` only on a pairable metric."""
    base, cid = s.valid.get("baseline"), s.value["id"]
    if not isinstance(base, dict):
        return
    if not {"max_drop", "max_relative_drop"} & set(base):
        message = f"check '{cid}': 'baseline' needs 'max_drop' or 'max_relative_drop' to judge"
        problems.append((s.loc("baseline", key=True), message))
    metric = s.valid.get("metric")
    named = NAMED_DISPARITIES.get(metric)
    components = named.components if named else (metric,)
    aimless = [c for c in components if c in NO_DIRECTION]
    if aimless:
        message = (
            f"check '{cid}': {', '.join(aimless)} has no better direction (more selected is "
            "not better, nor fewer), so 'baseline' cannot judge a drop from the baseline; "
            "bound it with min / max instead"
        )
        problems.append((s.loc("baseline", key=True), message))
        return
    unpaired = [c for c in components if c is not None and c not in PAIRED]
    if unpaired and ("confidence" in base or s.value["type"] == "fairness"):
        fair = s.value["type"] == "fairness"
        what = "per-group baseline comparison" if fair else "paired interval"
        fix = "compare another metric" if fair else "drop 'confidence' to compare point values"
        message = (
            f"check '{cid}': {', '.join(unpaired)} has no {what} (the metrics of binary models "
            f"that have one: {', '.join(sorted(PAIRED))}); {fix}"
        )
        key = "confidence" if "confidence" in base else None
        loc = s.loc("baseline", key, key=True) if key else s.loc("baseline", key=True)
        problems.append((loc, message))


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


def _governance_rules(s: Sourced, problems: Problems) -> None:
    given, cid, kind = s.value, s.value["id"], s.value["type"]
    if kind == "prohibited_features" and "features" not in given:
        problems.append((s.loc(), f"check '{cid}': list the prohibited 'features'"))
    elif kind == "documentation" and "required" not in given and "tolerance" not in given:
        message = f"check '{cid}': give 'required' fields and/or a 'tolerance' for declared metrics"
        problems.append((s.loc(), message))
    elif kind == "proxy_features" and "max" not in given:
        message = (
            f"check '{cid}': give 'max', the largest association "
            "(Cramér's V, 0..1) a feature may have with an attribute"
        )
        problems.append((s.loc(), message))


def _metric_rules(s: Sourced, problems: Problems) -> None:
    given, raw, cid = s.value, s.valid, s.value["id"]
    lo, hi = raw.get("min"), raw.get("max")
    if not {"min", "max", "baseline"} & set(given):
        problems.append(
            (s.loc(), f"check '{cid}' has no condition: give 'min', 'max' or 'baseline'")
        )
    if lo is not None and hi is not None and lo > hi:
        message = f"check '{cid}': min ({lo}) is greater than max ({hi}), so it can never pass"
        problems.append((s.loc("min"), message))
    if "confidence" in given and not {"min", "max"} & set(given):
        message = f"check '{cid}': 'confidence' needs a 'min' or 'max' to judge"
        if "baseline" in given:
            message += "; for the interval of the drop from the baseline, put it in 'baseline'"
        problems.append((s.loc("confidence", key=True), message))


def _fairness(s: Sourced, problems: Problems) -> FairnessOptions | None:
    """The fairness options of a check, or None (with problems noted) when unusable."""
    raw = s.valid
    metric = raw.get("metric")
    if metric not in GROUP_METRICS and metric not in NAMED_DISPARITIES:
        return None  # missing or unknown: the schema said so
    named = NAMED_DISPARITIES.get(metric)
    aggregate = raw.get("aggregate", named.aggregate if named else None)
    _fairness_rules(s, metric, aggregate, problems)
    return FairnessOptions(
        components=named.components if named else (metric,),
        aggregate=aggregate or "ratio",
        method=raw.get("method", "between_groups"),
        sensitive=tuple(raw.get("sensitive", ())),
        intersectional=raw.get("intersectional", False),
        reference=_reference(raw.get("reference")),
        min_group_size=raw.get("min_group_size", 1),
        small_groups=raw.get("small_groups", "exclude"),
        agg=raw.get("agg", "worst_case"),
        min_group_share=raw.get("min_group_share", 0.0),
        exclude_missing=raw.get("exclude_missing", False),
    )


def _fairness_rules(s: Sourced, metric: str, aggregate: str | None, problems: Problems) -> None:
    raw, cid = s.valid, s.value["id"]
    named = NAMED_DISPARITIES.get(metric)
    if named and aggregate != named.aggregate:
        message = f"check '{cid}': {metric} is a {named.aggregate}; drop 'aggregate: {aggregate}'"
        problems.append((s.loc("aggregate"), message))
    if aggregate is None and "aggregate" not in s.value:
        message = (
            f"check '{cid}': a fairness check on '{metric}' needs "
            "'aggregate: difference' or 'aggregate: ratio'"
        )
        problems.append((s.loc(), message))
    if "agg" in raw and not metric.startswith("equalized_odds"):
        message = f"check '{cid}': 'agg' applies to equalized_odds metrics only"
        problems.append((s.loc("agg", key=True), message))
    method_ok = "method" not in s.broken
    if "reference" in s.value and method_ok and raw.get("method") != "to_reference":
        message = f"check '{cid}': 'reference' needs 'method: to_reference'"
        problems.append((s.loc("reference", key=True), message))


def _reference(raw: object) -> tuple[tuple[str, str], ...] | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        return tuple((str(k), str(v)) for k, v in raw.items())
    return (("", str(raw)),)  # one value, for whichever single feature is compared
