"""`model-gate comment --policy P.yaml`: a report.json must be a report of exactly the checks of
a trusted policy (same ids, types, metrics, severities, bounds, confidence, mode), its statuses
re-judged against the policy's baseline rules too, and `waived` only under the policy's active
waivers. It still cannot tell numbers forged consistently from measured ones."""

from __future__ import annotations

import datetime as dt

from gate.checks.conditions import judge_baseline
from gate.errors import InputError
from gate.policy.diff_rules import CHANGES_CHECK_ID
from gate.policy.model import CheckSpec, Policy
from gate.report.baseline_judging import BY_GROUPS, group_verdicts
from gate.report.consistency import worse_than
from gate.results import CheckResult, Severity, Status


def check_pinned(path: str, results: list[CheckResult], policy: Policy, today: dt.date) -> None:
    """InputError naming the first check in which the report departs from `policy` (its mode
    is the caller's: the decision is recomputed in the policy's mode)."""
    where = f"report {path} does not match the trusted policy {policy.path}"
    specs = {s.id: s for s in policy.checks}
    stated = {r.id: r for r in results if r.id != CHANGES_CHECK_ID}
    missing, extra = sorted(specs.keys() - stated), sorted(stated.keys() - specs)
    if missing or extra:
        raise InputError(
            f"{where}: checks missing from the report: {', '.join(missing) or 'none'}; "
            f"checks not in the policy: {', '.join(extra) or 'none'}"
        )
    if policy.require_change_approval and not any(r.id == CHANGES_CHECK_ID for r in results):
        raise InputError(
            f"{where}: the policy requires approval of policy changes, but the report has no "
            f"'{CHANGES_CHECK_ID}' check (evaluate with --base-policy)"
        )
    for r in results:
        spec = specs.get(r.id)
        problem = _policy_check_problem(r) if spec is None else _problem(r, spec)
        problem = problem or _waiver_problem(r, policy, today)
        if problem:
            raise InputError(f"{where}: check '{r.id}' {problem}")


def _policy_check_problem(r: CheckResult) -> str | None:
    if r.type != "policy":
        return f"is of type {r.type}; the policy-changes check is of type policy"
    if r.severity is not Severity.BLOCK:
        return f"has severity {r.severity.value}; the policy-changes check always blocks"
    return None


def _problem(r: CheckResult, spec: CheckSpec) -> str | None:
    stated = {
        "type": (r.type, spec.type),
        "severity": (r.severity.value, spec.severity.value),
        "threshold": (r.threshold, spec.threshold),
    }
    if spec.metric is not None:  # an importance check's value is a rank: its metric is sampled
        mine = (r.sample or {}).get("metric") if r.type == "importance" else r.metric
        stated["metric"] = (mine, spec.metric)
    if spec.confidence is not None or r.confidence is not None:
        stated["confidence"] = (r.confidence, spec.confidence)
    for key, (mine, theirs) in stated.items():
        if mine != theirs:
            return f"has {key} {mine}, the policy says {theirs}"
    return _baseline_problem(r, spec) or _missing_problem(r, spec)


def _baseline_problem(r: CheckResult, spec: CheckSpec) -> str | None:
    if spec.baseline is None or r.status in (Status.WAIVED, Status.ERROR):
        return None
    if spec.type == "fairness":
        verdicts = group_verdicts(r, spec.baseline)
        if verdicts is None:
            return f"says {r.status.value}, but states no group's comparison with the baseline"
        judged, problems = verdicts
        problem = problems[0] if problems else worse_than(r, judged, BY_GROUPS)
        return f"says {r.status.value}, but {problem}" if problem else None
    if r.baseline is None:
        return f"says {r.status.value}, but states no comparison with the policy's baseline"
    judged, notes = judge_baseline(spec.baseline, r.baseline)
    problem = worse_than(r, judged, "; ".join(notes))
    return f"says {r.status.value}, but {problem}" if problem else None


def _missing_problem(r: CheckResult, spec: CheckSpec) -> str | None:
    """representation: the largest missing share (its value) against the policy's max_missing."""
    limit = spec.governance.max_missing if spec.governance else None
    if spec.type != "representation" or limit is None or r.value is None:
        return None
    if r.status in (Status.WAIVED, Status.ERROR):
        return None
    judged = Status.FAIL if r.value > limit else Status.PASS
    problem = worse_than(r, judged, f"above max_missing {limit}")
    return f"says {r.status.value}, but {problem}" if problem else None


def _waiver_problem(r: CheckResult, policy: Policy, today: dt.date) -> str | None:
    if r.status is not Status.WAIVED:
        return None
    if any(w.check == r.id and w.active_on(today) for w in policy.waivers):
        return None
    return "is waived, but the policy has no active waiver for it"
