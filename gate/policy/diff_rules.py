"""The direction rules of policy/diff: which field changes tighten, loosen or change nothing.

RULES classifies the fields whose direction is known; DEFAULT_LOOSENING lists the fields left to
the default on purpose (any change counts as a loosening), COMPARED_APART those diff.py compares
on its own. A field in none of them also counts as a loosening (fail closed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

LOOSENED, TIGHTENED = "loosened", "tightened"
LOOSENING = ("removed", LOOSENED, "waiver added")
CHANGES_CHECK_ID = "policy-changes"  # the check a loosening becomes; waive it to approve
DATA, POLICY = "data", "policy"  # the `check` of changes to the binding / the whole policy

#: (before, after, old parent, new parent) -> LOOSENED, TIGHTENED or None (no effect)
Rule = Callable[[Any, Any, Any, Any], str | None]


@dataclass(frozen=True)
class Change:
    """One difference; `kind` is removed, loosened, tightened, added or waiver added."""

    kind: str
    check: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "check": self.check, "detail": self.detail}


def neutral(*_: Any) -> None:
    """Names, descriptions and positions do not change what passes."""
    return None


def bound(tighter_if_higher: bool) -> Rule:
    """A bound: absent is the loosest; otherwise the direction of the move decides."""

    def rule(before: Any, after: Any, *_: Any) -> str:
        if after is None or before == after:  # equal but of another type: direction unknown
            return LOOSENED
        if before is None:
            return TIGHTENED
        return TIGHTENED if (after > before) == tighter_if_higher else LOOSENED

    return rule


def at_least(default: Any) -> Rule:
    """A least amount whose absence means `default`: higher is tighter, equal is no change."""

    def rule(before: Any, after: Any, *_: Any) -> str | None:
        was, now = (default if v is None else v for v in (before, after))
        return None if now == was else TIGHTENED if now > was else LOOSENED

    return rule


def ranked(*order: str) -> Rule:
    """An option whose values run from loosest to tightest."""

    def rule(before: Any, after: Any, *_: Any) -> str:
        rank = {v: i for i, v in enumerate(order)}
        return TIGHTENED if rank[plain_value(after)] > rank[plain_value(before)] else LOOSENED

    return rule


def any_change(before: Any, after: Any, *_: Any) -> str | None:
    """A setting with no direction: any change counts as loosening (fail closed)."""
    return None if before == after else LOOSENED


def members(before: Any, after: Any, *_: Any) -> str:
    """A list of things that are all checked: dropping any one loosens. From none (a check
    that cannot run, or a default not known here) any change counts as loosening."""
    if not before or after is None:
        return LOOSENED
    return TIGHTENED if set(before) <= set(after) else LOOSENED


def approval_places(before: Any, after: Any, old: Any, new: Any) -> str | None:
    """The files that set changes.require_approval: dropping it from any one loosens, even
    while another still sets it (when the switch itself flips, that change says it)."""
    if old.require_change_approval != new.require_change_approval:
        return None
    return TIGHTENED if set(before) <= set(after) else LOOSENED


def screened(before: Any, after: Any, *_: Any) -> str:
    """proxy_features.features: empty means every model input, so any change from or to
    empty cannot be judged here."""
    return members(before, after) if before and after else LOOSENED


def small_group_cut(before: Any, after: Any, old: Any, new: Any) -> str:
    """min_group_size / min_group_share: while small groups are left out, a higher cut leaves
    out more groups (looser); when they fail the check the direction flips, so any change
    then counts as loosening."""
    if old.small_groups == new.small_groups == "exclude" and after != before:
        return LOOSENED if after > before else TIGHTENED
    return LOOSENED


RULES: dict[str, Rule] = {
    "id": neutral,
    "location": neutral,
    "description": neutral,
    "extended_at": neutral,
    "severity": ranked("info", "warn", "block"),
    "min": bound(tighter_if_higher=True),
    "max": bound(tighter_if_higher=False),
    "confidence": bound(tighter_if_higher=True),
    "baseline": bound(tighter_if_higher=False),  # only when added or removed as a whole
    "baseline.max_drop": bound(tighter_if_higher=False),
    "baseline.max_relative_drop": bound(tighter_if_higher=False),
    "baseline.confidence": bound(tighter_if_higher=True),  # as a check's confidence
    "baseline.when_missing": ranked("skip", "error"),
    "fairness.sensitive": members,
    "fairness.min_group_size": small_group_cut,
    "fairness.min_group_share": small_group_cut,
    "fairness.small_groups": ranked("exclude", "fail"),
    "fairness.agg": ranked("mean", "worst_case"),
    "fairness.exclude_missing": ranked(True, False),
    "governance.features": screened,
    "governance.attributes": members,
    "governance.match": ranked("exact", "normalized", "contains"),
    "governance.required": members,
    "governance.tolerance": bound(tighter_if_higher=False),
    "governance.max_missing": bound(tighter_if_higher=False),
    "drift.columns": screened,  # None: every column
    "drift.p_value": bound(tighter_if_higher=True),  # a larger alpha flags more
    "drift.correction": ranked("bonferroni", "bh", "none"),
    "drift.max_drifted_share": bound(tighter_if_higher=False),
    "drift.max_missing_change": bound(tighter_if_higher=False),
    "drift.outputs": ranked(False, True),
    "drift.by_group": neutral,  # only where a shift is shown, never whether it counts
    "quality.max_missing_share": bound(tighter_if_higher=False),
    "quality.expected": members,
    "quality.expected_from_model": ranked(False, True),
    "quality.max_unseen_share": bound(tighter_if_higher=False),
    "quality.max_duplicate_share": bound(tighter_if_higher=False),
    "quality.min_rows": bound(tighter_if_higher=True),
    "quality.min_class_share": bound(tighter_if_higher=True),
    "quality.max_conflicting_share": bound(tighter_if_higher=False),
    "quality.max_overlap_share": bound(tighter_if_higher=False),
    "importance.protected": members,  # empty (data.sensitive) is judged as data.sensitive is
    "importance.proxies": members,
    "importance.max_rank": bound(tighter_if_higher=True),  # a larger k bars more ranks
    "importance.max_share": bound(tighter_if_higher=False),
    "importance.min_rank_correlation": bound(tighter_if_higher=True),
    "importance.max_share_change": bound(tighter_if_higher=False),
    "importance.when_missing": ranked("skip", "error"),
    "importance.measure": ranked("metric", "reliance"),  # the metric drop misses reliance
    "slices.max_gap": bound(tighter_if_higher=False),
    "slices.min_size": bound(tighter_if_higher=False),  # a higher cut tests fewer slices
    "slices.fdr": bound(tighter_if_higher=True),  # a larger level reports more slices
    "slices.max_reported": neutral,  # how many reported slices are listed, not which count
    "robustness.counterfactual": members,
    "robustness.max_flip_rate": bound(tighter_if_higher=False),
    "robustness.max_score_change": bound(tighter_if_higher=False),
    "robustness.max_monotonic_violations": bound(tighter_if_higher=False),
    "robustness.repeats": bound(tighter_if_higher=True),  # more draws find more flips
    "robustness.confidence": bound(tighter_if_higher=True),  # as a check's confidence
    "data.sensitive": members,
    "policy.name": neutral,
    "policy.path": neutral,
    "policy.sha256": neutral,
    "policy.mode": ranked("report", "gate"),
    "policy.require_change_approval": ranked(False, True),
    "policy.approval_set_in": approval_places,
    "policy.audit": neutral,  # what an audit summary states about itself, not what is judged
    "policy.label_delay": at_least(dt.timedelta(0)),  # shorter: younger labels count
    "policy.min_samples": at_least(100),  # fewer rows decide (absent: analyze's 100)
    "policy.rollout_mode": any_change,  # shadow / canary / detected: which rules apply
    "policy.rollout_from": neutral,  # where the three above are written
}

#: fields deliberately left to the default: any change counts as loosening, because it changes
#: what is measured (the metric, the groups, the columns) in no single direction
DEFAULT_LOOSENING = frozenset(
    {
        "type",
        "metric",
        "fairness.components",
        "fairness.aggregate",
        "fairness.method",
        "fairness.intersectional",
        "fairness.reference",
        "fairness.exclude",
        "governance.bins",
        "drift.method",  # what is measured changes, in no single direction
        "drift.methods",
        "drift.verdict",
        "drift.engine",
        "importance.method",  # permutation vs SHAP measure different things
        "importance.repeats",  # other rows / shuffles: a narrower interval may turn an
        "importance.sample_rows",  # inconclusive into a pass, a new draw a fail into one
        "quality.missing_per_column",  # per-column limits: any change may loosen one
        "quality.ranges",
        "quality.allowed",
        "quality.constant",
        # what a slices check cuts (more slices also dilute the correction): no one direction
        "slices.features",
        "slices.bins",
        "slices.depth",
        "slices.sample_rows",  # None: the whole sample
        "robustness.features",  # per-feature constraints: any change may loosen one
        "robustness.features.name",  # (a tuple of rules, compared whole: these are listed so
        "robustness.features.noise",  # that a field added to FeatureRule must be classified)
        "robustness.features.swap",
        "robustness.features.range",
        "robustness.features.immutable",
        "robustness.features.monotonic",
        "robustness.noise",  # another size or kind of noise: no single direction
        "robustness.proxies",  # which columns move with an attribute
        "robustness.tolerance",  # regression: from none (the check errors) any value loosens
        "robustness.sample_rows",  # fewer rows: wider intervals, fewer chances to see a flip
        "data.label",
        "data.score",
        "data.prediction",
        "data.weight",
        "data.threshold",
        "data.positive_label",
        "data.features",
        "data.task",
        "data.baseline_score",
        "data.baseline_prediction",
        "data.unknown_values",  # which rows form the groups: no single direction
        "data.scores",  # multiclass probability columns
        "data.encoded",  # which columns form one input: no single direction
        "average",  # multiclass: how a metric averages over the classes
        "of_class",  # multiclass `class:`: which class a metric is of
    }
)
#: Policy fields compared elsewhere in this module (checks, waivers, sources)
COMPARED_APART = frozenset(
    {
        "policy.checks",
        "policy.waivers",
        "policy.sources",
        "policy.data",
        "policy.files",
        "policy.digests",
    }
)


def plain_value(value: Any) -> Any:
    """An enum as its value, a tuple as a list: what a rule compares and a message shows."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [plain_value(v) for v in value]
    return value
