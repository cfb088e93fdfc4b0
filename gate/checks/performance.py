"""`type: performance`: one metric of the candidate against bounds and/or the baseline."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from gate.checks import multiclass
from gate.checks.base import CheckContext, CheckUnavailable, judged
from gate.checks.conditions import (
    apply_severity,
    combine,
    compare_baseline,
    judge_baseline,
    judge_bounds,
    missing_baseline,
    rule_of,
)
from gate.engine import measures, paired
from gate.engine.metrics import METRICS, ROWS, Metric
from gate.engine.paired_scores import Unresolved
from gate.engine.profile import Parts
from gate.engine.resample import percentile_interval
from gate.policy.model import BaselineRule, CheckSpec
from gate.results import BaselineComparison, CheckResult, Status, fmt, fmt_apart


def evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Compute the metric (and its interval, and the baseline's) and judge it."""
    metric = METRICS[spec.metric]
    common = judged(spec) | {"metric": metric.name, "n": ctx.rows}
    common |= multiclass.fields(spec, metric, ctx.task)
    name = multiclass.shown(spec, metric, ctx.task)
    try:
        parts = multiclass.outputs(spec, ctx, metric)
        value, bound = multiclass.value(spec, metric, parts)
    except (CheckUnavailable, ValueError) as exc:
        return CheckResult(status=Status.ERROR, message=str(exc), **common)
    if not math.isfinite(value):
        return CheckResult(
            status=Status.ERROR,
            value=None,
            message=f"{name} is undefined on this data{_why_undefined(metric, parts)}",
            **common,
        )
    ci = None
    if spec.confidence is not None:
        try:
            values = multiclass.bootstrap(spec, metric, parts, ctx.resamples, ctx.seed)
        except ValueError as exc:
            return CheckResult(status=Status.ERROR, value=value, message=str(exc), **common)
        ci = percentile_interval(values, spec.confidence)
        if ci is None:
            return CheckResult(
                status=Status.ERROR,
                value=value,
                message=(
                    f"{name} = {fmt(value)}, but its interval cannot be estimated: the "
                    "metric is undefined on most resamples"
                ),
                **common,
            )
    statuses, notes = [], []
    if spec.min is not None or spec.max is not None:
        status, more = judge_bounds(spec, value, ci)
        statuses.append(status)
        notes += more
    baseline = None
    if spec.baseline is not None:
        baseline, status, more = _against_baseline(spec, ctx, value)
        statuses.append(status)
        notes += more
    status = apply_severity(combine(statuses), spec.severity)
    near = [b for b in (spec.min, spec.max) if b is not None]
    point = fmt_apart(value, near[0]) if len(near) == 1 else fmt(value)
    shown = point if ci is None else f"{point} [{fmt(ci[0])}, {fmt(ci[1])}]"
    if bound:
        notes.append(f"computed from score bins, within {fmt(bound)} of the exact value")
    message = f"{name} {shown}: " + "; ".join(notes)
    return CheckResult(
        status=status,
        value=value,
        ci=ci,
        baseline=baseline,
        message=message,
        error_bound=bound or None,
        **common,
    )


def _against_baseline(
    spec: CheckSpec, ctx: CheckContext, value: float
) -> tuple[BaselineComparison | None, Status, list[str]]:
    metric, rule = METRICS[spec.metric], spec.baseline
    assert rule is not None
    if ctx.profile.baseline is None:
        status, notes = missing_baseline(rule)
        return None, status, notes
    try:
        base_parts = multiclass.outputs(spec, ctx, metric, "baseline")
        base, _ = multiclass.value(spec, metric, base_parts)
    except (CheckUnavailable, ValueError) as exc:
        return None, Status.ERROR, [f"baseline comparison impossible: {exc}"]
    if not math.isfinite(base):
        why = _why_undefined(metric, base_parts)
        return (
            None,
            Status.ERROR,
            [f"baseline comparison impossible: {metric.name} of the baseline is undefined{why}"],
        )
    cmp = compare_baseline(value, base, metric.greater_is_better)
    if rule.confidence is not None:
        try:
            cmp = _paired(metric.name, rule, ctx, cmp)
        except (CheckUnavailable, Unresolved) as exc:
            return None, Status.ERROR, [f"baseline comparison impossible: {exc}"]
    status, notes = judge_baseline(rule, cmp)
    return replace(cmp, rule=rule_of(rule)), status, notes


def _paired(
    name: str, rule: BaselineRule, ctx: CheckContext, cmp: BaselineComparison
) -> BaselineComparison:
    """`cmp` with the interval of the drop over resamples both models share."""
    assert rule.confidence is not None
    if name not in paired.PAIRED:
        raise CheckUnavailable(f"{name} has no paired interval")
    scores = name not in paired.LABELS
    joint = ctx.outputs().get("paired_scores" if scores else "paired")
    if joint is None:
        raise CheckUnavailable(paired.NO_JOINT)
    if scores:
        exact = (cmp.value + cmp.delta, cmp.value)
        boot = joint.bootstrap(name, ctx.resamples, ctx.seed, exact)
        points = (np.array([exact[0]]), np.array([exact[1]]))
        drops = paired.from_values(name, *points, *(v[:, None] for v in boot))
    else:
        drops = paired.paired_drop(name, paired.overall(joint), ctx.resamples, ctx.seed)
    relative = rule.max_relative_drop is not None
    return replace(
        cmp,
        confidence=rule.confidence,
        ci=drops.interval(rule.confidence)[0],
        relative_ci=drops.interval(rule.confidence, relative=True)[0] if relative else None,
    )


def _why_undefined(metric: Metric, parts: Parts) -> str:
    """': no rows of non-zero weight', ': no negative examples' for a rate over no rows, or ''."""
    if "classes" in parts:
        return ""
    if not measures.total_weight(parts) > 0:
        return ": no rows of non-zero weight"
    return f": {ROWS[metric.rows]}" if metric.rows else ""
