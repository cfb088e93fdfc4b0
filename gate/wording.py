"""How every output names what a number is: disparities (an impact ratio is not a selection
rate), baseline deltas (better or worse, not a signed "drop"), and statuses (an inconclusive
check that blocks reads as blocking). Shared by the checks' messages and every report format,
so the terminal, report.md, report.html and the CI formats say the same thing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gate.engine.group_metrics import NAMED_DISPARITIES
from gate.results import CheckResult, Decision, Severity, Status, Verdict, fmt

GROUP_JOIN = " & "


def group_name(group: Mapping[str, object] | Iterable[tuple[str, object]]) -> str:
    """A group as every output names it: 'race=A', an intersection 'sex=F & race=A'."""
    pairs = group.items() if isinstance(group, Mapping) else group
    return GROUP_JOIN.join(f"{k}={v}" for k, v in pairs)


_TO = {"to_reference": " to the reference group", "to_overall": " to overall"}


def components(metric: str | None) -> tuple[str, ...]:
    """The per-group metrics a fairness metric compares (two for equalized odds)."""
    named = NAMED_DISPARITIES.get(metric or "")
    return named.components if named else ((metric,) if metric else ())


def disparity(
    metric: str | None, aggregate: str | None, method: str | None, worst: bool = False
) -> str:
    """'impact ratio of selection_rate', 'difference in true_positive_rate between groups',
    'demographic_parity_ratio (ratio of selection_rate between groups)'; `worst` marks the
    check's value, the worst group's ('impact ratio (worst) of ...')."""
    parts = " and ".join(components(metric)) or "the metric"
    method = method or "between_groups"
    mark = " (worst)" if worst and method in _TO else ""
    if aggregate == "ratio" and method == "to_reference":
        what = f"impact ratio{mark} of {parts}"
    elif aggregate == "ratio":
        what = f"ratio{mark} of {parts}{_TO.get(method, ' between groups')}"
    else:
        what = f"difference{mark} in {parts}{_TO.get(method, ' between groups')}"
    return f"{metric} ({what})" if metric in NAMED_DISPARITIES else what


def value_name(r: CheckResult) -> str:
    """What a check's value is: the metric, or for fairness the disparity (per group: the
    worst; slices: the weakest reported slice's); 'impact ratio (worst) of scoring_rate',
    never just 'scoring_rate'."""
    if r.type == "slices" and r.metric:
        return f"{r.metric} (weakest slice)"
    if r.type != "fairness" or not r.comparison:
        return (
            (r.metric or "")
            + (f" ({r.average})" if r.average else "")
            + (f" (class {r.of_class})" if r.of_class is not None else "")
        )
    comparison = r.comparison
    what = disparity(r.metric, comparison.get("aggregate"), comparison.get("method"), worst=True)
    return what + (f" of class {r.of_class}" if r.of_class is not None else "")


def group_heading(comparison: dict[str, str] | None) -> str:
    """The per-group gap column: 'impact ratio', 'difference to the reference group', ..."""
    if not comparison or comparison.get("method") not in _TO:
        return "disparity"
    aggregate, method = comparison.get("aggregate"), comparison["method"]
    if aggregate == "ratio" and method == "to_reference":
        return "impact ratio"
    return f"{aggregate}{_TO[method]}"


def baseline_delta(drop: float) -> str:
    """'+0.0215 better than baseline' or '0.0215 worse than baseline' (`drop` > 0 is worse)."""
    if drop == 0:
        return "same as baseline"
    return f"+{fmt(-drop)} better than baseline" if drop < 0 else f"{fmt(drop)} worse than baseline"


NOT_ENFORCED = "not enforced (report-only)"


def report_only(d: Decision) -> bool:
    """True for a run of a report-only policy (`mode: report`), even when its policy check
    blocks."""
    return d.report_only or d.verdict is Verdict.REPORT


def not_enforced(r: CheckResult, d: Decision) -> bool:
    """True when `r` would block a gate but this run is report-only: it was not met, it is
    reported, and it is not enforced."""
    return report_only(d) and r.type != "policy" and r.blocking


def blocks(r: CheckResult, d: Decision) -> bool:
    """True when `r` is part of why `d` blocks (a report-only run blocks on policy checks only)."""
    if report_only(d) and r.type != "policy":
        return False
    return r.blocking or (d.fail_on_warn and r.warning)


def status_label(r: CheckResult, d: Decision) -> str:
    """The status as reports show it: 'fail · not enforced (report-only)' for what a
    report-only run does not enforce, 'inconclusive (blocks)' when it blocks, 'inconclusive
    (warning)' when it only warns, '(no gate)' when it neither blocks nor warns, else the
    status."""
    if not_enforced(r, d):
        return f"{r.status.value} · {NOT_ENFORCED}"
    if r.status is Status.INCONCLUSIVE:
        if blocks(r, d):
            return "inconclusive (blocks)"
        return "inconclusive (warning)" if r.severity is Severity.WARN else "inconclusive (no gate)"
    return r.status.value


def severity_label(r: CheckResult, d: Decision) -> str:
    """The severity as reports show it: 'block (not enforced)' in a report-only run."""
    return f"{r.severity.value} (not enforced)" if not_enforced(r, d) else r.severity.value


def weight(r: CheckResult, d: Decision) -> Status:
    """The status whose look (colour, glyph) `r` takes: a blocking inconclusive looks like a
    fail, a non-blocking one like a warning, and so does what a report-only run reports but
    does not enforce."""
    if not_enforced(r, d):
        return Status.WARN
    if r.status is Status.INCONCLUSIVE:
        return Status.FAIL if blocks(r, d) else Status.WARN
    return r.status


def summary(d: Decision) -> str:
    """'0 of 2 checks passed · 2 warnings': what the verdict rests on (a report-only run has
    failures, not blocking checks; a check that could not be computed is an error, never
    counted as a warning)."""
    counts = d.counts()
    parts = [f"{counts[Status.PASS.value]} of {len(d.results)} checks passed"]
    blocking = [r for r in d.results if blocks(r, d) and not r.warning]
    unmet = [r for r in d.results if not_enforced(r, d)]
    if blocking:
        parts.append(f"{len(blocking)} blocking")
    if unmet:
        parts.append(f"{len(unmet)} not met, {NOT_ENFORCED}")
    warnings = [r for r in d.warnings if r.status is not Status.ERROR]
    if warnings:
        many = "s" * (len(warnings) > 1)
        parts.append(
            f"{len(warnings)} warning{many}" + (" (--fail-on-warn)" if d.fail_on_warn else "")
        )
    if counts[Status.ERROR.value]:  # named apart: a check that could not be computed
        many = "s" * (counts[Status.ERROR.value] > 1)
        parts.append(f"{counts[Status.ERROR.value]} error{many} (not computed)")
    if counts[Status.WAIVED.value]:
        parts.append(f"{counts[Status.WAIVED.value]} waived")
    return " · ".join(parts)


HEADLINES = {
    Verdict.APPROVE: "approved",
    Verdict.BLOCK: "blocked",
    Verdict.REPORT: "report only — no gate decision",
    Verdict.INCONCLUSIVE: "inconclusive — more labelled rows will decide",
}


def headline(d: Decision) -> str:
    """'approved', 'blocked' or 'report only — no gate decision' (never 'approved' without a
    gate decision); what it rests on is `summary`."""
    return HEADLINES[d.verdict]
