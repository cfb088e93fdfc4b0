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


#: relative difference below which two metric values are the same number: the same model
#: through float32 (an ONNX export; float32 keeps 6e-8 relative) moves a log loss by ~1e-9;
#: no drop this small against the values compared is evidence
SAME = 1e-7


def same_within(*values: float) -> float:
    """The absolute difference within which metric values near `values` count as equal:
    relative to their magnitude only (an MSE of 9e-8 is not the same as one of 1e-8), so
    values of 0 are equal only to 0."""
    return SAME * max(abs(v) for v in values)


def compare_baseline(value: float, base: float, greater_is_better: bool) -> BaselineComparison:
    """The candidate's delta vs the baseline; `drop` is the worsening (positive = worse)."""
    if abs(value - base) <= same_within(value, base):  # exactly 0, never -0.0: an unchanged
        # model shows no drop at all, nor does one whose scores differ in float noise
        return BaselineComparison(value=base, delta=0.0, drop=0.0, relative_drop=0.0)
    delta = value - base
    drop = -delta if greater_is_better else delta
    relative = drop / abs(base) if base != 0 else None
    return BaselineComparison(value=base, delta=delta, drop=drop, relative_drop=relative)


def rule_of(rule: BaselineRule) -> dict[str, float]:
    """The bounds of a baseline rule as report.json states them beside the comparison, so that
    a reader re-judges the verdict from the report alone."""
    bounds = (("max_drop", rule.max_drop), ("max_relative_drop", rule.max_relative_drop))
    return {k: v for k, v in bounds if v is not None}


def judge_drop(
    allowed: float, drop: float, ci: tuple[float, float] | None, tol: float = 0.0
) -> Status:
    """pass when the drop (or, paired, its interval's upper bound) is within `allowed`; paired:
    fail when the lower bound is beyond it, inconclusive when the interval straddles it. `tol`:
    how far past `allowed` is still float noise (same_within)."""
    limit = allowed + tol
    if ci is None:
        return Status.PASS if drop <= limit else Status.FAIL
    if ci[1] <= limit:
        return Status.PASS
    return Status.FAIL if ci[0] > limit else Status.INCONCLUSIVE


def judge_baseline(rule: BaselineRule, cmp: BaselineComparison) -> tuple[Status, list[str]]:
    """pass / fail (paired: or inconclusive) against max_drop and max_relative_drop."""
    statuses, notes = [], []
    paired = cmp.confidence is not None
    if paired and (cmp.ci is None or (rule.max_relative_drop and cmp.relative_ci is None)):
        return Status.ERROR, [
            f"{baseline_delta(cmp.drop)} {fmt(cmp.value)}, but the interval of the drop cannot "
            "be estimated: the metric is undefined on most resamples"
        ]
    if rule.max_drop is not None:
        status = judge_drop(rule.max_drop, cmp.drop, cmp.ci, same_within(cmp.value))
        statuses.append(status)
        shown = "" if cmp.ci is None else f" (drop {_interval(cmp.ci, cmp.confidence)})"
        notes.append(
            f"{baseline_delta(cmp.drop)} {fmt(cmp.value)}{shown}, "
            f"{VERDICT[status]} max_drop {fmt(rule.max_drop)}"
        )
    if rule.max_relative_drop is not None:
        if cmp.relative_drop is None:
            statuses.append(Status.ERROR)
            notes.append("relative drop undefined: the baseline value is 0")
        else:
            rel = cmp.relative_drop
            status = judge_drop(rule.max_relative_drop, rel, cmp.relative_ci, SAME)
            statuses.append(status)
            change = f"relative drop {rel:.2%}" if rel >= 0 else f"relative gain {-rel:.2%}"
            if cmp.relative_ci is not None:
                change += f" ([{cmp.relative_ci[0]:.2%}, {cmp.relative_ci[1]:.2%}])"
            allowed = f"max_relative_drop {rule.max_relative_drop:.2%}"
            notes.append(f"{change} {VERDICT[status]} {allowed}")
    return combine(statuses), notes


SKIPPED = "baseline comparison skipped: no baseline given (when_missing: skip)"
VERDICT = {Status.PASS: "within", Status.FAIL: "exceeds", Status.INCONCLUSIVE: "straddles"}


def _interval(ci: tuple[float, float], confidence: float | None) -> str:
    return f"{confidence:.0%} interval [{fmt(ci[0])}, {fmt(ci[1])}]"


def missing_baseline(rule: BaselineRule) -> tuple[Status, list[str]]:
    """No baseline was given: error (fail closed), or skipped under `when_missing: skip`."""
    if rule.when_missing == "skip":
        return Status.SKIPPED, [SKIPPED]
    return Status.ERROR, [
        "no baseline: pass --baseline-model (or bind data.baseline_score / "
        "data.baseline_prediction), or set 'when_missing: skip' for a first release"
    ]


def combine(statuses: list[Status]) -> Status:
    """The worst of several outcomes: error > fail > inconclusive > pass; skipped only when
    every outcome was skipped (a skipped baseline leaves the other conditions to judge)."""
    if statuses and all(s is Status.SKIPPED for s in statuses):
        return Status.SKIPPED
    for worst in (Status.ERROR, Status.FAIL, Status.INCONCLUSIVE):
        if worst in statuses:
            return worst
    return Status.PASS


def apply_severity(status: Status, severity: Severity) -> Status:
    """A failed warn-severity check reports as `warn`."""
    return Status.WARN if status is Status.FAIL and severity is Severity.WARN else status
