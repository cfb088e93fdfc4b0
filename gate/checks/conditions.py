"""Judging a value against a policy's bounds and baseline rule; shared by check types."""

from __future__ import annotations

from gate.policy.model import BaselineRule, CheckSpec
from gate.results import BaselineComparison, Severity, Status, fmt
from gate.wording import baseline_delta


def judge_bounds(
    spec: CheckSpec, value: float, ci: tuple[float, float] | None
) -> tuple[Status, list[str]]:
    """pass / fail / inconclusive against min and max; with an interval, judge its bounds."""
    statuses, notes = [], []
    for name, bound in (("min", spec.min), ("max", spec.max)):
        if bound is None:
            continue
        ok = (lambda v, b=bound: v >= b) if name == "min" else (lambda v, b=bound: v <= b)
        if ci is None:
            status = Status.PASS if ok(value) else Status.FAIL
        elif ok(ci[0]) and ok(ci[1]):
            status = Status.PASS
        elif not ok(ci[0]) and not ok(ci[1]):
            status = Status.FAIL
        else:
            status = Status.INCONCLUSIVE
        word = {"min": (">=", "below"), "max": ("<=", "above")}[name]
        what = "interval" if ci is not None else "value"
        notes.append(
            {
                Status.PASS: f"{word[0]} {name} {fmt(bound)}",
                Status.FAIL: f"{word[1]} {name} {fmt(bound)}",
                Status.INCONCLUSIVE: f"{what} straddles {name} {fmt(bound)}",
            }[status]
        )
        statuses.append(status)
    return combine(statuses), notes


def compare_baseline(value: float, base: float, greater_is_better: bool) -> BaselineComparison:
    """The candidate's delta vs the baseline; `drop` is the worsening (positive = worse)."""
    delta = value - base
    drop = -delta if greater_is_better else delta
    relative = drop / abs(base) if base != 0 else None
    return BaselineComparison(value=base, delta=delta, drop=drop, relative_drop=relative)


def judge_baseline(rule: BaselineRule, cmp: BaselineComparison) -> tuple[Status, list[str]]:
    """pass / fail against max_drop and max_relative_drop."""
    statuses, notes = [], []
    if rule.max_drop is not None:
        ok = cmp.drop <= rule.max_drop
        statuses.append(Status.PASS if ok else Status.FAIL)
        notes.append(
            f"{baseline_delta(cmp.drop)} {fmt(cmp.value)}, "
            f"{'within' if ok else 'exceeds'} max_drop {fmt(rule.max_drop)}"
        )
    if rule.max_relative_drop is not None:
        if cmp.relative_drop is None:
            statuses.append(Status.ERROR)
            notes.append("relative drop undefined: the baseline value is 0")
        else:
            ok = cmp.relative_drop <= rule.max_relative_drop
            statuses.append(Status.PASS if ok else Status.FAIL)
            rel = cmp.relative_drop
            change = f"relative drop {rel:.2%}" if rel >= 0 else f"relative gain {-rel:.2%}"
            notes.append(
                f"{change} {'within' if ok else 'exceeds'} max_relative_drop "
                f"{rule.max_relative_drop:.2%}"
            )
    return combine(statuses), notes


def combine(statuses: list[Status]) -> Status:
    """The worst of several outcomes: error > fail > inconclusive > pass."""
    for worst in (Status.ERROR, Status.FAIL, Status.INCONCLUSIVE):
        if worst in statuses:
            return worst
    return Status.PASS


def apply_severity(status: Status, severity: Severity) -> Status:
    """A failed warn-severity check reports as `warn`."""
    return Status.WARN if status is Status.FAIL and severity is Severity.WARN else status
