"""What a policy change loosens: thresholds relaxed, checks removed, severities lowered, waivers
added — by comparing the policy with its base (e.g. the version on the target branch)."""

from __future__ import annotations

from dataclasses import dataclass

from gate.policy.model import CheckSpec, Policy, Waiver

SEVERITY_RANK = {"block": 2, "warn": 1, "info": 0}
LOOSENING = ("removed", "loosened", "waiver added")
CHANGES_CHECK_ID = "policy-changes"  # the check a loosening becomes; waive it to approve


@dataclass(frozen=True)
class Change:
    """One difference; `kind` is removed, loosened, tightened, added or waiver added."""

    kind: str
    check: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "check": self.check, "detail": self.detail}


def _bound_changes(old: CheckSpec, new: CheckSpec) -> list[Change]:
    out = []

    def compare(name: str, before: float | None, after: float | None, looser_if_lower: bool):
        if before == after:
            return
        if after is None:
            out.append(Change("loosened", new.id, f"{name} {before} removed"))
        elif before is None:
            out.append(Change("tightened", new.id, f"{name} {after} added"))
        else:
            looser = after < before if looser_if_lower else after > before
            out.append(
                Change("loosened" if looser else "tightened", new.id, f"{name} {before} -> {after}")
            )

    compare("min", old.min, new.min, looser_if_lower=True)
    compare("max", old.max, new.max, looser_if_lower=False)
    ob, nb = old.baseline, new.baseline
    compare("baseline.max_drop", ob and ob.max_drop, nb and nb.max_drop, looser_if_lower=False)
    compare(
        "baseline.max_relative_drop",
        ob and ob.max_relative_drop,
        nb and nb.max_relative_drop,
        looser_if_lower=False,
    )
    compare("confidence", old.confidence, new.confidence, looser_if_lower=True)
    if SEVERITY_RANK[new.severity.value] != SEVERITY_RANK[old.severity.value]:
        looser = SEVERITY_RANK[new.severity.value] < SEVERITY_RANK[old.severity.value]
        out.append(
            Change(
                "loosened" if looser else "tightened",
                new.id,
                f"severity {old.severity.value} -> {new.severity.value}",
            )
        )
    if old.metric != new.metric:
        out.append(Change("loosened", new.id, f"metric {old.metric} -> {new.metric}"))
    return out


def _waiver_key(w: Waiver) -> tuple:
    return (w.check, w.group, w.reason, w.approved_by, w.expires)


def policy_changes(base: Policy, current: Policy) -> list[Change]:
    """Every change from `base` to `current`, loosenings first."""
    old = {c.id: c for c in base.checks}
    new = {c.id: c for c in current.checks}
    changes = [Change("removed", i, f"check {i} removed") for i in old if i not in new]
    changes += [Change("added", i, f"check {i} added") for i in new if i not in old]
    for i in old.keys() & new.keys():
        changes += _bound_changes(old[i], new[i])
    known = {_waiver_key(w) for w in base.waivers}
    for w in current.waivers:
        if _waiver_key(w) not in known:
            scope = f" ({', '.join(f'{k}={v}' for k, v in w.group)})" if w.group else ""
            changes.append(
                Change(
                    "waiver added",
                    w.check,
                    f"waiver{scope} by {w.approved_by}, "
                    f"expires {w.expires.isoformat()}: {w.reason}",
                )
            )
    return sorted(changes, key=lambda c: (c.kind not in LOOSENING, c.check, c.detail))
