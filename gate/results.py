"""Result types shared by every layer: CheckResult and Decision (imports nothing above it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: numbers in report.json carry 12 significant digits: far below any statistical precision, and
#: above the last-bit differences float sums have under another batching or engine
SIGNIFICANT = 12


def significant(value: float) -> float:
    """A finite `value` at report.json's SIGNIFICANT digits (NaN and infinities as they are)."""
    import math

    return float(f"{value:.{SIGNIFICANT}g}") if math.isfinite(value) else value


#: below this magnitude four decimals would drop significant digits (2.0e-08 would print "0"):
#: such numbers print with four significant digits instead
SMALL = 1e-3


def fmt(value: float) -> str:
    """A number as reports print it: four decimals, no trailing noise; four significant digits
    when the number is small (2e-08, 9.034e-08, never "0" for a number that is not 0) or large;
    never "-0"."""
    if value == 0:
        return "0"
    if SMALL <= abs(value) < 1e6:
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def fmt_apart(value: float, other: float) -> str:
    """fmt(value), with as many more digits as it takes not to print it equal to `other` when
    it is not (a reason such as "0.3 above max 0.3" must show the difference)."""
    if value == other or fmt(value) != fmt(other):
        return fmt(value)
    for digits in range(5, 18):
        text = f"{value:.{digits}g}"
        if text != f"{other:.{digits}g}":
            return text
    return repr(value)


def split_location(location: str | None) -> tuple[str, int | None]:
    """("policy.yaml", 5) from "policy.yaml:5:3"; ('', None) when unknown."""
    if not location:
        return "", None
    parts = location.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1])
    return location, None


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    WAIVED = "waived"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"
    SKIPPED = "skipped"


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


#: statuses that mean "the check did not show the condition holds"
NOT_MET = frozenset({Status.FAIL, Status.WARN, Status.INCONCLUSIVE, Status.ERROR})


RULE_KEYS = ("max_drop", "max_relative_drop")  # a baseline rule's bounds, as report.json states


@dataclass(frozen=True)
class BaselineComparison:
    """The same metric on the baseline (production) model, and the candidate's delta."""

    value: float
    delta: float
    drop: float
    relative_drop: float | None
    confidence: float | None = None  # paired: the interval's confidence
    ci: tuple[float, float] | None = None  # paired: the interval of the drop (positive = worse)
    relative_ci: tuple[float, float] | None = None  # paired: of the relative drop, when judged
    #: the policy's rule it was judged against: {"max_drop": x, "max_relative_drop": y}
    rule: dict[str, float] | None = None
    #: the baseline measured on other rows (a canary analysis): independent resamples
    two_sample: bool = False
    #: two-sample: the mix tests of the columns it rests on (gate/commands/analysis_mix.py)
    mix: tuple[dict[str, Any], ...] = ()
    #: two-sample, a metric needing both classes: the rows of its rarer class (candidate, live)
    rarer_class_rows: tuple[int, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        """As report.json lists it; a comparison with an interval adds "paired",
        "confidence", "ci"; a two-sample one says "paired": false, "two_sample": true."""
        out: dict[str, Any] = {
            "value": self.value,
            "delta": self.delta,
            "drop": self.drop,
            "relative_drop": self.relative_drop,
        } | (self.rule or {})
        if self.two_sample:
            out |= {"paired": False, "two_sample": True}
        if self.mix:
            out["mix"] = [dict(m) for m in self.mix]
        if self.rarer_class_rows is not None:
            out["rarer_class_rows"] = list(self.rarer_class_rows)
        if self.confidence is not None:
            out |= {"paired": not self.two_sample, "confidence": self.confidence}
            out |= {"ci": list(self.ci) if self.ci is not None else None}
            if self.relative_ci is not None:
                out["relative_ci"] = list(self.relative_ci)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BaselineComparison:
        """The inverse of as_dict."""
        ci, rel = d.get("ci"), d.get("relative_ci")
        return cls(
            d["value"],
            d["delta"],
            d["drop"],
            d.get("relative_drop"),
            d.get("confidence"),
            tuple(ci) if ci else None,
            tuple(rel) if rel else None,
            {k: d[k] for k in RULE_KEYS if d.get(k) is not None} or None,
            bool(d.get("two_sample", False)),
            tuple(d.get("mix") or ()),
            tuple(d["rarer_class_rows"]) if d.get("rarer_class_rows") else None,
        )


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, as every report format shows it."""

    id: str
    type: str
    status: Status
    severity: Severity
    message: str
    metric: str | None = None
    value: float | None = None
    threshold: dict[str, float] = field(default_factory=dict)
    ci: tuple[float, float] | None = None
    confidence: float | None = None
    error_bound: float | None = None  # |value - exact| at most this (values computed from bins)
    baseline: BaselineComparison | None = None
    groups: tuple[dict[str, Any], ...] = ()
    n: int | None = None
    location: str | None = None  # "policy.yaml:LINE:COLUMN" of the check's entry
    extended_at: str | None = None  # a built-in pack's check: the user's `extends:` entry
    waiver: dict[str, str] | None = None
    comparison: dict[str, str] | None = None  # fairness: {"aggregate": ..., "method": ...}
    columns: tuple[dict[str, Any], ...] = ()  # drift: one entry per column compared
    rules: tuple[dict[str, Any], ...] = ()  # data_quality: one entry per rule, naming its columns
    unknown: dict[str, int] | None = None  # fairness: rows missing / unknown, per feature
    score_median: float | None = None  # scoring_rate: the median score rows must score above
    average: str | None = None  # multiclass: how the metric averages over the classes
    of_class: str | None = None  # multiclass `class:`: the class judged against the rest
    features: tuple[dict[str, Any], ...] = ()  # importance: one entry per model input
    perturbations: tuple[dict[str, Any], ...] = ()  # robustness: one entry per probe
    slices: tuple[dict[str, Any], ...] = ()  # slices: the weak segments found
    sample: dict[str, Any] | None = None  # behaviour checks: the rows they probed, and how drawn
    spec: dict[str, Any] | None = None  # what the check measured (gate.policy.spec_dict)

    @property
    def source(self) -> tuple[str, int | None]:
        """(policy file, line) parsed from `location`; ('', None) when unknown."""
        return split_location(self.location)

    @property
    def blocking(self) -> bool:
        """True when this result alone prevents approval."""
        return self.severity is Severity.BLOCK and self.status in NOT_MET

    @property
    def warning(self) -> bool:
        """True when this result is a warning (a non-blocking check that was not met)."""
        return self.severity is Severity.WARN and self.status in NOT_MET


class Verdict(StrEnum):
    APPROVE = "approve"
    BLOCK = "block"
    REPORT = "report"  # a report-only policy (mode: report): no gate decision, exit 0
    #: a rollout analysis (model-gate analyze) that more labelled rows will decide, exit 4;
    #: the checks' own decision never is
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Decision:
    """Approve, block or report only, with the results it rests on; the exit code is here."""

    verdict: Verdict
    results: tuple[CheckResult, ...]
    fail_on_warn: bool = False
    notes: tuple[str, ...] = ()
    report_only: bool = False  # mode: report (the verdict is REPORT unless a policy check blocks)
    #: the checks' own verdict when a rollout analysis decided otherwise (block or inconclusive)
    checks_verdict: Verdict | None = None

    @property
    def exit_code(self) -> int:
        return {Verdict.BLOCK: 1, Verdict.INCONCLUSIVE: 4}.get(self.verdict, 0)

    @property
    def held_back(self) -> str | None:
        """What a rollout analysis decided over the checks' own verdict, in one sentence; None
        when it did not hold that verdict back."""
        if self.checks_verdict is None:
            return None
        own = self.checks_verdict.value
        return f"the analysis decides {self.verdict.value}; the checks' own verdict is {own}"

    @property
    def blocking(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.blocking)

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.warning)

    def counts(self) -> dict[str, int]:
        """How many results have each status (every status present, zero or not)."""
        return {s.value: sum(r.status is s for r in self.results) for s in Status}


@dataclass(frozen=True)
class Evaluation:
    """A whole run: the decision plus what it was computed from, as reports show it."""

    decision: Decision
    policy_name: str
    inputs: dict[str, Any]
    seed: int
    tool_version: str
    policy_changes: tuple[dict[str, str], ...] = ()
    curves: dict[str, Any] | None = None  # {"candidate": {"roc", "pr", "calibration"}, "baseline"}
    audit: dict[str, Any] | None = None  # the policy's `audit:` block (AuditInfo.as_dict)
