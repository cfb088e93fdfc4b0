"""`engine: evidently`: the feature columns' statistics from Evidently's own data-drift
calculation on the rows of both files (the model's outputs stay native: Evidently never sees
them). The verdict is then the check's own (p-values corrected across columns)."""

from __future__ import annotations

from typing import Any

from gate.checks.base import CheckContext, CheckUnavailable
from gate.engine.drift_methods import Drift
from gate.errors import UsageError
from gate.policy.model import DriftOptions

KINDS = {"numeric": "numeric", "datetime": "numeric", "duration": "numeric"}


def evidently_stats(opts: DriftOptions, ctx: CheckContext, pairs: list[Any]) -> list[Drift]:
    """One Drift per feature pair, as Evidently computes it."""
    from gate.engine.evidently_drift import evidently_drift

    if ctx.read_rows is None or ctx.reference_source is None:
        raise UsageError(
            "engine: evidently reads the rows of both files: pass --reference as a data file "
            "(a saved profile holds no rows)"
        )
    mixed = [
        f"{p.column!r} ({p.reference.kind} in the reference, {p.current.kind} in the data)"
        for p in pairs
        if "empty" not in (p.reference.kind, p.current.kind) and p.reference.kind != p.current.kind
    ]
    if mixed:
        raise CheckUnavailable(f"columns of another kind on each side: {', '.join(mixed)}")
    names = [p.column for p in pairs]
    kinds = {p.column: KINDS.get(p.current.kind, "categorical") for p in pairs}
    methods = _methods(opts, pairs)
    reference, current = ctx.read_rows("reference"), ctx.read_rows("current")
    try:
        found = evidently_drift(reference[names], current[names], kinds, methods, None)
    except (ImportError, ValueError) as exc:  # EvidentlyDriftError names the column
        raise CheckUnavailable(str(exc)) from exc
    by_name = {c.column: c for c in found}
    return [
        Drift(
            method=by_name[n].method,
            value=by_name[n].value,
            p_value=by_name[n].p_value,
            ci=None,
            error_bound=None,
            distribution={},
        )
        for n in names
    ]


def _methods(opts: DriftOptions, pairs: list[Any]) -> dict[str, str] | None:
    """Our choice per column where the policy makes one; None leaves it to Evidently."""
    from gate.checks.drift import method_for

    if opts.method == "auto" and not opts.methods:
        return None
    return {p.column: method_for(opts, p, p.reference.present) for p in pairs}
