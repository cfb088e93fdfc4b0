"""Re-judging an importance, robustness or slices check of an untrusted report.json from the
tables it states (`features`, `perturbations`, `slices` and `sample`) with the checks' own
verdict code, against the bounds the report states or, when a trusted policy is given, the
policy's check spec (gate.report.pinning).

The entries the rule requires must be there: a row for every protected attribute and proxy
(importance), none marked "not a model input" that the report's model inputs contradict, and
every probe the check makes (robustness: gate.report.stated_inputs, from the policy's options
or the report's own spec and inputs.model), each counterfactual's groups adding up to it; a
check that states nothing measured cannot pass. What the report cannot show is not re-judged:
an importance `max_share_change` (the per-input intervals of the share change are not in the
report), and numbers forged consistently."""

from __future__ import annotations

import copy
from typing import Any

from gate.checks.conditions import combine
from gate.checks.importance_summary import Flagged, Summary
from gate.checks.importance_verdicts import rank_condition, share_condition
from gate.checks.robustness_verdicts import LIMITS, judge_entries
from gate.errors import Location
from gate.policy.importance_options import ImportanceOptions
from gate.policy.model import CheckSpec
from gate.policy.robustness_options import DEFAULT_CONFIDENCE, RobustnessOptions
from gate.report.stated_inputs import (
    StatedInputs,
    missing_probe,
    not_input_problem,
    robustness_options,
)
from gate.results import CheckResult, Status

#: check type -> how its status follows from its tables
Judged = tuple[Status, str]


def judge(
    r: CheckResult,
    spec: CheckSpec | None,
    sensitive: tuple[str, ...] = (),
    stated: StatedInputs | None = None,
) -> Judged:
    """The status the gate gives the numbers `r` states, and why; `spec` (trusted) supplies the
    bounds and the entries required, else they are the report's; `sensitive`: the trusted
    data.sensitive (an importance check's protected attributes when it names none); `stated`:
    the model inputs the report states (the probes and rows they require)."""
    stated = stated or StatedInputs(sensitive=sensitive)
    if r.type == "importance":
        problem = not_input_problem(r, stated)
        if problem:
            return Status.ERROR, problem
        return _importance(r, spec.importance if spec else None, sensitive)
    if r.type == "robustness":
        return _robustness(r, spec, stated)
    return _slices(r)


def _importance(
    r: CheckResult, trusted: ImportanceOptions | None, sensitive: tuple[str, ...]
) -> Judged:
    rows = {f["feature"]: f for f in r.features}
    if trusted is not None:
        flagged = Flagged(trusted.protected or sensitive, trusted.proxies)
        bounds = trusted.threshold
    else:  # the flags of the table, and the attributes the report's own spec names
        stated = (r.spec or {}).get("importance") or {}
        protected = [f for f, row in rows.items() if row.get("protected")]
        if r.spec is not None:  # no protected: list means data.sensitive
            protected += stated.get("protected") or list(sensitive)
        proxies = [f for f, row in rows.items() if row.get("proxy")]
        proxies += stated.get("proxies") or []
        protected = list(dict.fromkeys(protected))
        flagged = Flagged(
            tuple(protected), tuple(p for p in dict.fromkeys(proxies) if p not in protected)
        )
        bounds = dict(r.threshold)
    for name in flagged.names:
        row, role = rows.get(name), flagged.role(name)
        if row is None or not row.get(role):
            return Status.ERROR, f"its features table states no {role} row for '{name}'"
        if row.get("input") and row.get("importance") and "changed_rows" not in row:
            return Status.ERROR, (
                f"its {role} row for '{name}' states no changed_rows (the rows its shuffles "
                "changed, which a flagged input's importance is measured over)"
            )
    summary = _summary(r.features)
    present = [f for f in flagged.names if f in summary.inputs]
    statuses, notes = [], []
    if bounds.get("max_share") is not None:
        statuses, notes, *_ = share_condition(bounds["max_share"], present, flagged, summary)
    if bounds.get("max_rank") is not None:
        level = r.confidence or 0.95
        ranked = rank_condition(int(bounds["max_rank"]), present, flagged, summary, level)
        statuses, notes = ranked[0] + statuses, ranked[1] + notes
    judged = combine(statuses) if statuses else Status.PASS
    why = [n for n, s in zip(notes, statuses, strict=True) if s is judged] or notes
    return judged, "; ".join(why[:3]) or "its features table"


def _summary(features: tuple[dict[str, Any], ...]) -> Summary:
    """The importance Summary the features table states (its model inputs only; a point rank
    may be null: unranked)."""
    inputs = tuple(f["feature"] for f in features if f.get("input"))
    rows = [f for f in features if f.get("input")]
    return Summary(
        inputs,
        {f["feature"]: None if f["rank"] is None else int(f["rank"]) for f in rows},
        {f["feature"]: float(f["share"]) for f in rows},
        {f["feature"]: tuple(map(int, f["rank_ci"])) for f in rows},
        {f["feature"]: tuple(map(float, f["share_ci"])) for f in rows},
        {
            f["feature"]: (float(f["changed_share"]), float(f["changed_rows"]))
            for f in rows
            if "changed_rows" in f
        },
    )


def _robustness(r: CheckResult, spec: CheckSpec | None, stated: StatedInputs) -> Judged:
    opts = spec.robustness if spec is not None else None
    declared = opts or robustness_options(r.spec)  # the probes it must state
    if opts is None:
        limits = {k: v for k, v in r.threshold.items() if k in LIMITS}
        opts = RobustnessOptions(**limits, confidence=r.confidence or DEFAULT_CONFIDENCE)
    measured = [copy.deepcopy(e) for e in r.perturbations if e.get("status") != "skipped"]
    if not measured:
        return Status.ERROR, "it states no probe that was measured"
    problem = (missing_probe(r, declared, stated) if declared else None) or _groups_problem(r)
    if problem:
        return Status.ERROR, problem
    try:
        statuses = judge_entries(_judging_spec(r, opts), measured)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        return Status.ERROR, f"its perturbations cannot be re-judged ({exc!r})"
    judged = combine(statuses)
    worst = [e for e, s in zip(measured, statuses, strict=True) if s is judged]
    shown = ", ".join(f"{e['probe']} of '{e['feature']}'" for e in worst[:3])
    return judged, f"its probes' counts give {judged.value} ({shown})"


def _groups_problem(r: CheckResult) -> str | None:
    """Each counterfactual entry's groups: one per value it lists, their rows and flips adding
    up to the entry's (a deleted group is refused)."""
    for e in r.perturbations:
        if e.get("probe") != "counterfactual" or e.get("status") == "skipped":
            continue
        groups = e.get("groups") or []
        values = sorted(str(g.get("value")) for g in groups)
        sums = (sum(int(g["n"]) for g in groups), sum(int(g["flips"]) for g in groups))
        if values != sorted(map(str, e.get("values") or ())) or sums != (
            int(e["rows"]),
            int(e["flips"]),
        ):
            return (
                f"its counterfactual of '{e.get('feature')}' lists values "
                f"{e.get('values')} over {e['rows']} rows with {e['flips']} flips, but its "
                f"groups are {values} with {sums[0]} rows and {sums[1]} flips"
            )
    return None


def _judging_spec(r: CheckResult, opts: RobustnessOptions) -> CheckSpec:
    return CheckSpec(r.id, r.type, Location("report.json"), severity=r.severity, robustness=opts)


def _slices(r: CheckResult) -> Judged:
    """Fail when a weak slice is reported, else pass when a slice was tested, else
    inconclusive (checks/slices.py `_status`), on the counts the report states."""
    sample = r.sample or {}
    reported = max(len(r.slices), int(sample.get("slices_reported", 0) or 0))
    if reported and r.value is None:
        return Status.ERROR, "it reports a weak slice but no value"
    if reported:
        return Status.FAIL, f"it reports {reported} weak slice(s)"
    if "slices_tested" not in sample:
        return Status.ERROR, "it states no count of the slices tested"
    if r.value is not None:
        return Status.ERROR, "it states a weakest slice's value but reports no slice"
    if not sample["slices_tested"]:
        return Status.INCONCLUSIVE, "no slice could be tested"
    return Status.PASS, f"no weak slice among {sample['slices_tested']} tested"
