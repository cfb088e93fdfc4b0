"""Whether the checks of an untrusted report.json follow from what the report itself states:
structure (ids unique, at least one check, a gate with a blocking check) and every status
re-judged from its value, interval, bounds and baseline numbers with the gate's own code.

A report forged consistently (numbers and statuses changed together) passes; only evaluating
in a trusted job, or pinning the checks to a trusted policy (gate.report.pinning), defends
against that."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from gate.checks.conditions import apply_severity, compare_baseline, judge_bounds
from gate.engine.metrics import METRICS
from gate.errors import InputError, Location
from gate.policy.model import BEHAVIOUR, CheckSpec
from gate.report import behaviour_judging, fairness_judging
from gate.report.baseline_judging import (
    BY_GROUPS,
    follows,
    group_verdicts,
    judge_stated,
    stated_rule,
)
from gate.report.stated_inputs import StatedInputs, robustness_options, skip_problem
from gate.results import CheckResult, Severity, Status

#: how far from "met" a status is; a report may state a worse status than its numbers give
#: (a failed baseline rule or small group is not in the report), never a better one
RANK = {Status.PASS: 0, Status.INCONCLUSIVE: 1, Status.FAIL: 2, Status.ERROR: 3}
#: check types that compare with a baseline: skipped when there is none and when_missing: skip
BASELINED = frozenset({"performance", "fairness", "importance"})
#: check types whose status re-judging knows (a report stating another type is refused): the
#: generic rules below, plus gate.report.behaviour_judging for the behaviour checks
JUDGED = frozenset(
    {
        "data_quality",
        "documentation",
        "drift",
        "fairness",
        "performance",
        "policy",
        "prohibited_features",
        "proxy_features",
        "representation",
        *BEHAVIOUR,
    }
)
#: check types whose result always carries the measured value when it is judged
MEASURED = frozenset({"performance", "fairness", "proxy_features", "representation"})


def check_structure(path: str, results: list[CheckResult], report_only: bool) -> None:
    """At least one check, unique ids, and (unless report-only) a blocking check."""
    if not results:
        raise InputError(f"report {path} has no checks: an empty gate approves anything")
    twice = sorted(i for i, n in Counter(r.id for r in results).items() if n > 1)
    if twice:
        raise InputError(f"report {path}: check id {', '.join(twice)} appears more than once")
    if not report_only and all(r.severity is not Severity.BLOCK for r in results):
        raise InputError(
            f"report {path} claims a gate decision but no check has severity block; the gate "
            "refuses such a policy, so the report cannot come from it"
        )


def check_statuses(
    path: str,
    results: list[CheckResult],
    today: dt.date,
    sensitive: tuple[str, ...] = (),
    stated: StatedInputs | None = None,
) -> None:
    """Each status follows from the severity, waiver, value, interval, bounds and baseline
    stated; `sensitive`: the data.sensitive the report states (inputs.binding); `stated`: the
    model inputs it states."""
    for r in results:
        problem = status_problem(r, today, sensitive, stated)
        if problem:
            raise InputError(
                f"report {path}: check '{r.id}' says {r.status.value} ({r.severity.value}), "
                f"but {problem}; refusing it"
            )


def status_problem(
    r: CheckResult,
    today: dt.date,
    sensitive: tuple[str, ...] = (),
    stated: StatedInputs | None = None,
) -> str | None:
    """Why `r`'s status cannot be what the gate gave for the numbers `r` states, or None."""
    if r.type not in JUDGED:
        return (
            f"model-gate does not know check type '{r.type}', so it cannot re-judge it "
            "(a report of a newer model-gate, or not of model-gate)"
        )
    rules = (
        _severity_problem,
        _value_problem,
        _bounds_problem,
        _baseline_problem,
        _fairness_groups,
    )
    for rule in rules:
        problem = rule(r)
        if problem:
            return problem
    stated = stated or StatedInputs(sensitive=sensitive)
    return _behaviour(r, sensitive, stated) or _waiver_problem(r, today)


def _waiver_problem(r: CheckResult, today: dt.date) -> str | None:
    if r.status is not Status.WAIVED or r.waiver is None:
        return None
    expires = dt.date.fromisoformat(r.waiver["expires"])
    if expires < today:
        return f"its waiver expired on {expires.isoformat()}"
    return None


def _severity_problem(r: CheckResult) -> str | None:
    skip = _baseline_skip(r) or _nothing_probed(r)
    if r.status is Status.SKIPPED and r.severity is Severity.BLOCK and not skip:
        return (
            "the gate never skips a blocking check (it is met, unmet, waived or an error) "
            "but a baseline comparison under 'when_missing: skip' or a robustness check "
            "that probed nothing"
        )
    if r.status is Status.WARN and r.severity is not Severity.WARN:
        return "only a check of severity warn reports `warn`"
    if r.status is Status.FAIL and r.severity is Severity.WARN:
        return "a failed check of severity warn reports `warn`"
    return None


def _baseline_skip(r: CheckResult) -> bool:
    """A check skipped for want of a baseline (when_missing: skip) compares with a baseline
    only: it states no bounds and no baseline numbers."""
    return r.type in BASELINED and not r.threshold and r.baseline is None


def _nothing_probed(r: CheckResult) -> bool:
    """A robustness check skipped because nothing could be probed (the model takes none of its
    counterfactual attributes) states no probe at all, as the gate writes it, and no value."""
    return r.type == "robustness" and not r.perturbations and r.value is None and not r.groups


def _behaviour(r: CheckResult, sensitive: tuple[str, ...], stated: StatedInputs) -> str | None:
    """An importance, robustness or slices check re-judged from its own tables (a skip: from
    the model inputs the report states)."""
    if r.type not in BEHAVIOUR or r.status is Status.WAIVED:
        return None
    if r.status is Status.SKIPPED:
        return skip_problem(r, robustness_options(r.spec), stated)
    judged, why = behaviour_judging.judge(r, None, sensitive, stated)
    return worse_than(r, judged, why)


def _fairness_groups(r: CheckResult) -> str | None:
    """A fairness check's groups against the options its own spec states."""
    if r.type != "fairness" or r.status in (Status.WAIVED, Status.SKIPPED, Status.ERROR):
        return None
    opts, baselined = fairness_judging.stated_options(r)
    return fairness_judging.problem(r, opts, baselined)


def _value_problem(r: CheckResult) -> str | None:
    if r.type == "slices":
        return _slices_problem(r)
    if r.status is Status.PASS and r.value is None and (r.type in MEASURED or r.threshold):
        return "it states no value, and this check passes only on a measured value"
    if r.ci is not None and not r.ci[0] <= r.ci[1]:
        return f"its interval [{r.ci[0]}, {r.ci[1]}] is upside down"
    if r.baseline is not None and r.value is None:
        return "it states a baseline comparison without a value"
    return None


def _slices_problem(r: CheckResult) -> str | None:
    """A slices check is judged on the slices it reports (its value is the weakest one's):
    it passes reporting none and fails reporting some."""
    if r.status is Status.PASS and (r.slices or r.value is not None):
        return "it reports a weak slice, and this check passes only when it reports none"
    if r.status in (Status.FAIL, Status.WARN) and not r.slices:
        return "it reports no weak slice, and this check fails only on a reported slice"
    return None


def _bounds_problem(r: CheckResult) -> str | None:
    if r.value is None or not r.threshold or r.status in (Status.WAIVED, Status.SKIPPED):
        return None
    spec = CheckSpec(
        r.id,
        r.type,
        Location("report.json"),
        severity=r.severity,
        min=r.threshold.get("min"),
        max=r.threshold.get("max"),
    )
    judged, notes = judge_bounds(spec, r.value, r.ci)
    return worse_than(r, judged, "; ".join(notes))


def worse_than(r: CheckResult, judged: Status, why: str) -> str | None:
    """A problem when `r`'s status is better than `judged`, what the gate gives."""
    stated = Status.FAIL if r.status is Status.WARN else r.status
    if stated in RANK and RANK[stated] < RANK[judged]:
        shown = r.value if r.ci is None else f"{r.value} in {list(r.ci)}"
        expected = apply_severity(judged, r.severity).value
        return f"{r.metric or 'its value'} {shown}: {why}, so the gate gives {expected}"
    return None


def _baseline_problem(r: CheckResult) -> str | None:
    """The baseline comparisons re-judged: a performance check's against the rule it states,
    a fairness check's per group (baseline_judging); the check's status may not be better."""
    if r.type == "fairness" and r.baseline is None:
        verdicts = group_verdicts(r)
        if verdicts is None:
            return None
        judged, problems = verdicts
        return problems[0] if problems else worse_than(r, judged, BY_GROUPS)
    if r.baseline is None or r.value is None:
        return None
    metric = METRICS.get(r.metric or "")
    if r.type != "performance" or metric is None:
        return "only a performance check of a known metric compares with a baseline"
    if not follows(r.value, r.baseline, metric.greater_is_better):
        expected = compare_baseline(r.value, r.baseline.value, metric.greater_is_better)
        return (
            f"its baseline numbers do not follow from value {r.value} and baseline "
            f"{r.baseline.value} (delta {expected.delta}, drop {expected.drop})"
        )
    rule = stated_rule(r.baseline.rule, r.baseline.confidence)
    if rule is None:
        return "it states a baseline comparison but not the rule it was judged by (max_drop)"
    judged, notes, problem = judge_stated(r.value, r.baseline, rule, metric.greater_is_better)
    return problem or worse_than(r, judged, "; ".join(notes))
