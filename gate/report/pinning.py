"""`model-gate comment --policy P.yaml`: a report.json must be a report of exactly the checks of
a trusted policy: the same data binding and, for every check, the same whole check spec (what it
measures: gate.policy.spec_dict, so a new key is pinned by default) and the bounds, metric and
confidence it states; its statuses re-judged against the policy's own rules (baseline rules,
fairness groups, behaviour checks), and `waived` only under the policy's active waivers. It
still cannot tell numbers forged consistently from measured ones."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from gate.checks.conditions import judge_baseline
from gate.checks.robustness_verdicts import LIMITS
from gate.errors import InputError
from gate.policy.diff_rules import CHANGES_CHECK_ID
from gate.policy.model import BEHAVIOUR, CheckSpec, Policy
from gate.policy.spec_dict import first_difference, measured_spec, plain
from gate.report import behaviour_judging, fairness_judging
from gate.report.analysis_binding import analysed
from gate.report.baseline_judging import BY_GROUPS, group_verdicts
from gate.report.consistency import worse_than
from gate.report.stated_inputs import StatedInputs, skip_problem
from gate.results import CheckResult, Severity, Status


def check_pinned(
    path: str,
    results: list[CheckResult],
    policy: Policy,
    today: dt.date,
    binding: dict[str, Any] | None,
    model_inputs: StatedInputs | None = None,
    analysis: bool = False,
) -> None:
    """InputError naming the first check in which the report departs from `policy` (its mode
    is the caller's: the decision is recomputed in the policy's mode); `binding` is the data
    binding the report states (inputs.binding), `model_inputs` the model inputs it states,
    `analysis` whether it is a report of model-gate analyze (inputs.analysis)."""
    where = f"report {path} does not match the trusted policy {policy.path}"
    problem = _binding_problem(analysed(binding, policy, analysis), policy)
    if problem:
        raise InputError(f"{where}: {problem}")
    specs, sensitive = {s.id: s for s in policy.checks}, policy.data.sensitive
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
        if spec is None:
            problem = _policy_check_problem(r)
        else:
            problem = _problem(r, spec) or _behaviour_problem(
                r, spec, policy.data.sensitive, model_inputs or StatedInputs(sensitive=sensitive)
            )
        problem = problem or _waiver_problem(r, policy, today)
        if problem:
            raise InputError(f"{where}: check '{r.id}' {problem}")


def _policy_check_problem(r: CheckResult) -> str | None:
    if r.type != "policy":
        return f"is of type {r.type}; the policy-changes check is of type policy"
    if r.severity is not Severity.BLOCK:
        return f"has severity {r.severity.value}; the policy-changes check always blocks"
    return None


def _binding_problem(binding: dict[str, Any] | None, policy: Policy) -> str | None:
    """The data binding the report was evaluated with is the policy's `data:` section (flags
    that override it change what every check measures)."""
    if binding is None:
        return "it states no data binding (inputs.binding)"
    found = first_difference(plain(binding), plain(policy.data.as_dict()))
    if found is None:
        return None
    key, mine, theirs = found
    return f"it was evaluated with data.{key} {_shown(mine)}, the policy says {_shown(theirs)}"


def _spec_problem(r: CheckResult, spec: CheckSpec) -> str | None:
    """The whole check spec the report states against the policy's."""
    if r.spec is None:
        return "states no check spec (a report of an older model-gate): evaluate it again"
    found = first_difference(r.spec, measured_spec(spec))
    if found is None:
        return None
    key, mine, theirs = found
    return f"measures {key} {_shown(mine)}, the policy says {_shown(theirs)}"


def _shown(value: Any) -> str:
    return "(unset)" if value is None else json.dumps(value)


def _problem(r: CheckResult, spec: CheckSpec) -> str | None:
    problem = _spec_problem(r, spec)
    if problem:
        return problem
    stated = {
        "type": (r.type, spec.type),
        "severity": (r.severity.value, spec.severity.value),
        "threshold": (r.threshold, stated_threshold(spec)),
    }
    if spec.metric is not None:  # an importance check's value is a rank: its metric is sampled
        mine = (r.sample or {}).get("metric") if r.type == "importance" else r.metric
        stated["metric"] = (mine, spec.metric)
    confidence = spec.robustness.confidence if spec.robustness else spec.confidence
    if confidence is not None or r.confidence is not None:
        stated["confidence"] = (r.confidence, confidence)
    # a check that could not be judged (skipped, error) may state no bounds at all
    unjudged = r.status in (Status.SKIPPED, Status.ERROR)
    for key, (mine, theirs) in stated.items():
        if mine != theirs and not (unjudged and mine in ({}, None)):
            return f"has {key} {mine}, the policy says {theirs}"
    if r.type == "robustness" and r.status is Status.SKIPPED and not _may_skip(spec):
        return (
            "says skipped, but the policy's check has noise, swap or monotonic probes (or "
            "default noise), which end in a result or an error, never skipped"
        )
    return _baseline_problem(r, spec) or _missing_problem(r, spec)


def _may_skip(spec: CheckSpec) -> bool:
    """Whether the gate can skip a robustness check of `spec`: only when its probes are all
    counterfactual attributes (a model that takes none of them); a declared noise, swap or
    monotonic probe, or the default noise, always gives a result or an error."""
    opts = spec.robustness
    if opts is None or not opts.counterfactual:
        return False
    return not any(f.noise or f.swap or f.monotonic for f in opts.features)


def stated_threshold(spec: CheckSpec) -> dict[str, float]:
    """The bounds a check of `spec` states in report.json (a robustness check: its limits;
    its confidence is also its options')."""
    if spec.robustness is not None:
        limits = ((k, getattr(spec.robustness, k)) for k in LIMITS)
        return {k: v for k, v in limits if v is not None}
    return spec.threshold


def _behaviour_problem(
    r: CheckResult, spec: CheckSpec, sensitive: tuple[str, ...], stated: StatedInputs
) -> str | None:
    """An importance, robustness or slices check re-judged against the policy's bounds, with
    the entries the policy requires (a skip: against the model inputs the report states)."""
    if r.type not in BEHAVIOUR or r.status is Status.WAIVED:
        return None
    if r.status is Status.SKIPPED:
        return skip_problem(r, spec.robustness, stated)
    judged, why = behaviour_judging.judge(r, spec, sensitive, stated)
    problem = worse_than(r, judged, why)
    return f"says {r.status.value}, but {problem}" if problem else None


def _baseline_problem(r: CheckResult, spec: CheckSpec) -> str | None:
    if spec.baseline is None or r.status in (Status.WAIVED, Status.ERROR):
        return None
    if spec.type == "fairness":
        required = fairness_judging.problem(r, spec.fairness, True)
        if required:
            return f"says {r.status.value}, but {required}"
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
