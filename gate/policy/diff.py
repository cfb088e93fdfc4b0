"""What a policy change loosens, by comparing the policy with its base (e.g. the version on the
target branch).

Every field of every check (CheckSpec and the options inside it, recursively), of the `data:`
binding and of the policy itself is compared strictly (type and value: `1`, `1.0`, `true` and
`"1"` all differ, as they may evaluate differently). RULES (in diff_rules.py) classifies the
fields whose direction is known (tightened, loosened or neutral); any other difference counts as
a loosening, so a field added later cannot slip through unclassified (fail closed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from gate import durations
from gate.policy.diff_rules import (
    COMPARED_APART,
    DATA,
    LOOSENED,
    LOOSENING,
    POLICY,
    RULES,
    Change,
    neutral,
    plain_value,
)
from gate.policy.files import git_root
from gate.policy.model import CheckSpec, Policy, Waiver
from gate.wording import group_name

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


def _show(value: Any) -> str:
    """A value as a policy writes it: a duration as '1d12h', not '1 day, 12:00:00'."""
    if isinstance(value, dt.timedelta):
        return durations.shown(value)
    return "(none)" if value is None else str(plain_value(value))


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
