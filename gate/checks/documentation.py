"""`type: documentation`: required model-card fields, and declared metrics vs measured ones."""

from __future__ import annotations

import math

from gate.checks.base import CheckContext, CheckUnavailable, identity
from gate.checks.conditions import apply_severity
from gate.engine import measures
from gate.engine.metrics import METRICS
from gate.policy.model import CheckSpec
from gate.results import CheckResult, Status, fmt


def _measured(name: str, ctx: CheckContext) -> float | None:
    metric = METRICS.get(name)
    if metric is None or ctx.profile.candidate is None or metric.task is not ctx.task:
        return None
    try:
        value, _ = measures.value(metric, ctx.require(metric))
    except (CheckUnavailable, ValueError):
        return None
    return value if math.isfinite(value) else None


def evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Fail on a missing required field or a declared metric off by more than `tolerance`."""
    common = identity(spec)
    card, opts = ctx.model_card, spec.governance
    if card is None:
        return CheckResult(
            status=Status.ERROR, message="no model card: pass --model-card", **common
        )
    missing = [f for f in opts.required if card.get(f) is None]
    problems = [f"missing field{'s' * (len(missing) > 1)} {', '.join(missing)}"] if missing else []
    groups, unverifiable = [], []
    if opts.tolerance is not None:
        for name, declared in sorted(card.declared_metrics().items()):
            measured = _measured(name, ctx)
            if measured is None:
                unverifiable.append(name)
                continue
            off = abs(measured - declared)
            groups.append(
                {
                    "group": {"metric": name},
                    "n": ctx.rows,
                    "value": measured,
                    "values": {"declared": declared, "measured": measured, "difference": off},
                }
            )
            if off > opts.tolerance:
                problems.append(
                    f"{name} declared {fmt(declared)}, measured {fmt(measured)} "
                    f"(off by {fmt(off)} > tolerance {fmt(opts.tolerance)})"
                )
    notes = [f"{len(opts.required) - len(missing)}/{len(opts.required)} required fields present"]
    if groups:
        notes.append(f"{len(groups)} declared metric(s) compared")
    if unverifiable:
        notes.append(f"not verifiable here: {', '.join(unverifiable)}")
    status = Status.FAIL if problems else Status.PASS
    message = "; ".join(problems + notes) + f" ({card.path})"
    return CheckResult(
        status=apply_severity(status, spec.severity),
        groups=tuple(groups),
        message=message,
        **common,
    )
