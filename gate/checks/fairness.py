"""`type: fairness`: a disparity of per-group metrics, judged against bounds."""

from __future__ import annotations

import math
from typing import Any

from gate.checks import fairness_baseline, multiclass
from gate.checks.base import CheckContext, CheckUnavailable, judged
from gate.checks.conditions import SKIPPED, apply_severity, combine, judge_bounds
from gate.engine import fairness
from gate.engine.fairness import Disparity, GroupOutcome
from gate.engine.fairness_groups import DisparityError
from gate.engine.group_metrics import ABOVE_MEDIAN
from gate.engine.groups import missing_rows
from gate.engine.metrics import Task
from gate.engine.profile import Parts
from gate.policy.model import CheckSpec
from gate.results import CheckResult, Status, fmt
from gate.wording import disparity, group_name


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def group_entry(g: GroupOutcome, components: tuple[str, ...]) -> dict[str, Any]:
    """One group as report.json lists it (values are fractions; NaN becomes null)."""
    first = components[0]
    entry: dict[str, Any] = {"group": g.group, "n": g.n, "value": _finite(g.values[first])}
    if len(components) > 1:
        entry["values"] = {k: _finite(v) for k, v in g.values.items()}
    ci = g.ci.get(first)
    if ci is not None:
        entry["ci"] = list(ci)
    if g.gap:
        entry["disparity"] = _finite(g.gap[first])
    if g.p_value is not None:
        entry["p_value"] = g.p_value
    if g.reference:
        entry["reference"] = True
    if g.excluded:
        entry["excluded"] = True
        entry["excluded_reason"] = g.excluded
    return entry


def evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Group the rows, compute the disparity (and its interval), and judge it."""
    opts = spec.fairness
    common = judged(spec) | {"n": ctx.rows}
    if ctx.task is Task.MULTICLASS and spec.of_class is not None:
        common["of_class"] = spec.of_class
    features = opts.sensitive or ctx.sensitive
    if not features:
        return CheckResult(
            status=Status.ERROR,
            message=("no sensitive features: set data.sensitive or the check's 'sensitive'"),
            **common,
        )
    try:
        outputs = multiclass.class_parts(spec, ctx)
        part = _cells(spec, outputs)
    except CheckUnavailable as exc:
        return CheckResult(status=Status.ERROR, message=str(exc), **common)
    dspec = engine_spec(spec, tuple(features))
    try:
        result = fairness.evaluate_cells(
            fairness.Cells(ctx.profile.features, ctx.profile.groups, part),
            dspec,
            confidence=spec.confidence,
            resamples=ctx.resamples,
            seed=ctx.seed,
        )
    except DisparityError as exc:
        return CheckResult(status=Status.ERROR, message=str(exc), **common)
    groups = tuple(group_entry(g, opts.components) for g in result.groups)
    undefined = [g for g in result.groups if g.undefined and not g.excluded]
    if undefined:
        return CheckResult(
            status=Status.ERROR, groups=groups, message=_undefined_message(undefined), **common
        )
    if not math.isfinite(result.value):
        return CheckResult(
            status=Status.ERROR,
            groups=groups,
            message=(f"{spec.metric} is undefined on these groups"),
            **common,
        )
    judged_groups = None
    if spec.baseline is not None:
        left_out = {fairness_baseline.key(g.group) for g in result.groups if g.excluded}
        small = frozenset(
            fairness_baseline.key(g.group)
            for g in result.groups
            if g.excluded and g.excluded.startswith("below min_group_size")
        )
        try:
            judged_groups = fairness_baseline.judge_groups(
                spec.baseline, ctx, dspec, left_out, small
            )
        except CheckUnavailable as exc:
            return CheckResult(status=Status.ERROR, groups=groups, message=str(exc), **common)
    status, notes, groups = conclude(spec, result.value, result.ci, groups, judged_groups)
    message = _message(spec, result, notes, [g for g in result.groups if g.excluded])
    return CheckResult(
        comparison={"aggregate": opts.aggregate, "method": opts.method},
        unknown=_unknown(ctx, tuple(features)),
        score_median=_median(spec, outputs),
        status=apply_severity(status, spec.severity),
        value=result.value,
        ci=result.ci,
        groups=groups,
        message=message,
        **common,
    )


def engine_spec(spec: CheckSpec, features: tuple[str, ...]) -> fairness.Spec:
    """What the engine compares for this check, over `features`."""
    opts = spec.fairness
    return fairness.Spec(
        opts.components,
        opts.aggregate,
        opts.method,
        features,
        opts.intersectional,
        opts.reference,
        opts.min_group_size,
        opts.agg,
        opts.exclude,
        opts.min_group_share,
        opts.exclude_missing,
    )


def conclude(
    spec: CheckSpec,
    value: float,
    ci: tuple[float, float] | None,
    groups: tuple[dict[str, Any], ...],
    judged: fairness_baseline.GroupsJudged | None,
) -> tuple[Status, list[str], tuple[dict[str, Any], ...]]:
    """The check's status (before its severity), notes and group entries: its own bounds,
    each group's comparison with the baseline (`judged`, when it has one) and the small-groups
    rule, combined."""
    statuses, notes = [], []
    if spec.min is not None or spec.max is not None:
        status, notes = judge_bounds(spec, value, ci)
        statuses.append(status)
    if judged is not None:
        groups = with_baseline(groups, judged.entries)
        statuses.append(judged.status)
        notes += judged.notes or [all_within(judged.status)]
    status = combine(statuses)
    too_small = small_groups_fail(spec, groups)
    if too_small:
        status, notes = Status.FAIL, [*notes, too_small]
    return status, notes, groups


def left_out_note(left: list[tuple[dict[str, str], int, str]]) -> str:
    """'left out: a=x (n=12, below min_group_size 30), ...': the groups left out of the
    aggregate (labels, rows, why), the first five named."""
    names = ", ".join(f"{group_name(g)} (n={n}, {why})" for g, n, why in left[:5])
    return f"left out: {names}" + (f" and {len(left) - 5} more" if len(left) > 5 else "")


def small_groups_fail(spec: CheckSpec, groups: tuple[dict[str, Any], ...]) -> str | None:
    """Under `small_groups: fail`, the note that fails the check for its groups left out as
    too small (report.json entries); None otherwise."""
    opts = spec.fairness
    small = [g for g in groups if g.get("excluded_reason", "").startswith("below")]
    if not small or opts.small_groups != "fail":
        return None
    return f"{len(small)} group(s) below min_group_size {opts.min_group_size}"


def with_baseline(
    groups: tuple[dict[str, Any], ...], entries: dict[Any, list[dict[str, Any]]]
) -> tuple[dict[str, Any], ...]:
    """The group entries, each with its comparisons against the baseline model."""
    out = []
    for g in groups:
        found = entries.get(fairness_baseline.key(g["group"]))
        out.append(g | {"baseline": found} if found else g)
    return tuple(out)


def all_within(status: Status) -> str:
    if status is Status.SKIPPED:
        return SKIPPED
    return "every group within the allowed drop from the baseline"


def _cells(spec: CheckSpec, parts: Parts) -> Any:
    """The per-group cells the check compares: the model's confusion (or regression) cells, or
    for scoring_rate the confusion of "score above the whole sample's median"."""
    if not set(spec.fairness.components) & ABOVE_MEDIAN:
        return parts["regression"] if "regression" in parts else parts["confusion"]
    if "scores" not in parts:
        raise CheckUnavailable(
            f"{spec.metric} needs scores: bind data.score or use a model with scores"
        )
    from gate.engine.score_values import above_median

    try:
        return above_median(parts["scores"])
    except ValueError as exc:
        raise CheckUnavailable(str(exc)) from None


def _unknown(ctx: CheckContext, features: tuple[str, ...]) -> dict[str, int]:
    """Per feature: the rows whose value is missing or declared unknown (data.unknown_values)."""
    p = ctx.profile
    return missing_rows(p.features, p.groups, p.group_rows, features)


def _median(spec: CheckSpec, parts: Parts) -> float | None:
    """scoring_rate's threshold: the whole sample's median score (None for other metrics)."""
    if not set(spec.fairness.components) & ABOVE_MEDIAN:
        return None
    from gate.engine.score_values import median_score

    return median_score(parts["scores"])


def _message(
    spec: CheckSpec, result: Disparity, notes: list[str], left_out: list[GroupOutcome]
) -> str:
    opts = spec.fairness
    parts = [f"{head(spec, result.value, result.ci)}: " + "; ".join(notes)]
    if len(result.per_feature) > 1:
        worst = (max if opts.aggregate == "difference" else min)(
            result.per_feature, key=result.per_feature.get
        )
        parts.append(f"worst feature {worst}")
    if left_out:
        parts.append(left_out_note([(g.group, g.n, str(g.excluded)) for g in left_out]))
    return "; ".join(parts)


def head(spec: CheckSpec, value: float, ci: tuple[float, float] | None) -> str:
    """The message's start: the disparity measured, its value and interval."""
    opts = spec.fairness
    shown = fmt(value) if ci is None else f"{fmt(value)} [{fmt(ci[0])}, {fmt(ci[1])}]"
    what = disparity(spec.metric, opts.aggregate, opts.method, worst=True)
    if spec.of_class is not None:
        what += f" of class {spec.of_class}"
    return f"{what} {shown}"


def _undefined_message(groups: list[GroupOutcome]) -> str:
    """Why the check cannot judge: a kept group's rate is a share of no rows."""
    parts = [
        f"{name} is undefined for {group_name(g.group)} ({lacks})"
        for g in groups
        for name, lacks in g.undefined.items()
    ]
    return (
        "; ".join(parts[:5])
        + (f" and {len(parts) - 5} more" if len(parts) > 5 else "")
        + ": leave such groups out (min_group_size, a group waiver) or compare another metric"
    )
