"""What a policy change loosens, by comparing the policy with its base (e.g. the version on the
target branch).

Every field of every check (CheckSpec and the options inside it, recursively), of the `data:`
binding and of the policy itself is compared strictly (type and value: `1`, `1.0`, `true` and
`"1"` all differ, as they may evaluate differently). RULES classifies the fields whose direction is
known (tightened, loosened or neutral); any other difference counts as a loosening, so a field
added later cannot slip through unclassified (fail closed)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from gate.policy.files import git_root
from gate.policy.model import CheckSpec, Policy, Waiver
from gate.wording import group_name

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


def ranked(*order: str) -> Rule:
    """An option whose values run from loosest to tightest."""

    def rule(before: Any, after: Any, *_: Any) -> str:
        rank = {v: i for i, v in enumerate(order)}
        return TIGHTENED if rank[_plain(after)] > rank[_plain(before)] else LOOSENED

    return rule


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
    "data.sensitive": members,
    "policy.name": neutral,
    "policy.path": neutral,
    "policy.sha256": neutral,
    "policy.mode": ranked("report", "gate"),
    "policy.require_change_approval": ranked(False, True),
    "policy.approval_set_in": approval_places,
    "policy.audit": neutral,  # what an audit summary states about itself, not what is judged
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
        "quality.missing_per_column",  # per-column limits: any change may loosen one
        "quality.ranges",
        "quality.allowed",
        "quality.constant",
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
SAME_FILE = (
    "{what} {label} is the same file for the base and the current policy, so changes inside it "
    "cannot be seen: check the base branch out separately, e.g. `git worktree add ../base main`, "
    "and pass --base-policy from there"
)


def same(a: Any, b: Any) -> bool:
    """Strict equality: the same type and value all the way down (1, 1.0, True and "1" differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return a == b


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _show(value: Any) -> str:
    return "(none)" if value is None else str(_plain(value))


def _shown(before: Any, after: Any) -> str:
    """'before -> after', with the types when the values read alike (1 -> 1.0 reads apart)."""
    old, new = _show(before), _show(after)
    if old == new or (before is not None and after is not None and before == after):
        old, new = f"{old} ({type(before).__name__})", f"{new} ({type(after).__name__})"
    return f"{old} -> {new}"


def field_changes(old: Any, new: Any, check: str, prefix: str = "") -> list[Change]:
    """Every differing field of two dataclasses, classified by RULES (default: loosened)."""
    out = []
    for f in dataclasses.fields(old):
        path, before, after = prefix + f.name, getattr(old, f.name), getattr(new, f.name)
        if same(before, after) or RULES.get(path) is neutral:
            continue
        if _both_dataclasses(before, after):  # options, baseline: compare field by field
            out += field_changes(before, after, check, f"{path}.")
            continue
        rule = RULES.get(path)
        kind = rule(before, after, old, new) if rule else LOOSENED
        if kind is not None:
            out.append(Change(kind, check, f"{path} {_shown(before, after)}"))
    return out


def _both_dataclasses(a: Any, b: Any) -> bool:
    return dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b) and type(a) is type(b)


def effective(spec: CheckSpec, policy: Policy) -> CheckSpec:
    """The check with its defaults filled from the policy (sensitive features, attributes)."""
    if spec.fairness and not spec.fairness.sensitive:
        fairness = dataclasses.replace(spec.fairness, sensitive=policy.data.sensitive)
        spec = dataclasses.replace(spec, fairness=fairness)
    if spec.governance and not spec.governance.attributes and spec.type != "prohibited_features":
        governance = dataclasses.replace(spec.governance, attributes=policy.data.sensitive)
        spec = dataclasses.replace(spec, governance=governance)
    return spec


def _waiver_key(w: Waiver) -> tuple:
    return (w.check, w.group, w.reason, w.approved_by, w.expires)


def _waiver_changes(base: Policy, current: Policy) -> list[Change]:
    known = {_waiver_key(w) for w in base.waivers}
    out = []
    for w in current.waivers:
        if _waiver_key(w) not in known:
            scope = f" ({group_name(w.group)})" if w.group else ""
            out.append(
                Change(
                    "waiver added",
                    w.check,
                    f"waiver{scope} by {w.approved_by}, "
                    f"expires {w.expires.isoformat()}: {w.reason}",
                )
            )
    return out


def _policy_changes(base: Policy, current: Policy) -> list[Change]:
    """The policy's own settings, its `data:` binding and the files it extends."""
    out = []
    for f in dataclasses.fields(Policy):
        path = f"{POLICY}.{f.name}"
        if path in COMPARED_APART:
            continue
        before, after = getattr(base, f.name), getattr(current, f.name)
        rule = RULES.get(path)
        if same(before, after):
            continue
        kind = rule(before, after, base, current) if rule else LOOSENED
        if kind is not None:
            out.append(Change(kind, POLICY, f"{f.name} {_shown(before, after)}"))
    out += field_changes(base.data, current.data, DATA, f"{DATA}.")
    out += [Change("removed", POLICY, f"extends {s} dropped") for s in _bases(base, current)]
    return out + _shared_files(base, current)


def _shared_files(base: Policy, current: Policy) -> list[Change]:
    """Fail closed on a file both policies read from the pull request's repository: comparing
    it with itself shows nothing. Files outside that repository (shared directories on
    MODEL_GATE_EXTENDS_PATH) are not the pull request's to change, so reading them twice is
    fine."""
    theirs = {path for _, path in base.files}
    repo = _repository(current)
    return [
        Change(
            LOOSENED,
            POLICY,
            SAME_FILE.format(what="extended file" if i else "policy file", label=label),
        )
        for i, (label, path) in enumerate(current.files)
        if path in theirs and Path(path).is_relative_to(repo)
    ]


def _repository(policy: Policy) -> Path:
    """The policy's repository: the nearest ancestor with `.git`, else its own directory."""
    own = Path(policy.files[0][1]) if policy.files else Path(policy.path).resolve()
    return git_root(own) or own.parent


def _bases(base: Policy, current: Policy) -> list[str]:
    """Files the base extends that the current policy no longer does."""
    return [s for s in base.sources[:-1] if s not in current.sources[:-1]]


def policy_changes(base: Policy, current: Policy) -> list[Change]:
    """Every change from `base` to `current`, loosenings first."""
    old = {c.id: effective(c, base) for c in base.checks}
    new = {c.id: effective(c, current) for c in current.checks}
    changes = [Change("removed", i, f"check {i} removed") for i in old if i not in new]
    changes += [Change("added", i, f"check {i} added") for i in new if i not in old]
    for i in old.keys() & new.keys():
        changes += field_changes(old[i], new[i], i)
    changes += _policy_changes(base, current) + _waiver_changes(base, current)
    return sorted(changes, key=lambda c: (c.kind not in LOOSENING, c.check, c.detail))
