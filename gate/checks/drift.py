"""`type: drift`: each column of the data against the reference (--reference), one statistic per
column, judged as an effect size on its interval (default) or as a corrected p-value; missing-rate
change counts as drift of its own; the model's outputs are compared too; per group of each
sensitive feature, to say where a shift is concentrated. See drift_verdicts.py for the rules."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from gate.checks.base import CheckContext, CheckUnavailable, identity
from gate.checks.conditions import apply_severity
from gate.checks.drift_groups import concentrated, fold_groups, group_drift
from gate.checks.drift_messages import message, reason
from gate.checks.drift_verdicts import (
    Verdict,
    beyond,
    by_p_value,
    either,
    outputs_verdict,
    outside,
    share_verdict,
    status_of,
    widened,
    worst,
)
from gate.engine.drift_methods import P_VALUE_METHODS, Drift, auto_method, column_drift
from gate.engine.missing_change import missing_change as missing_change_of
from gate.engine.multiple_testing import adjust
from gate.engine.profile import Profile
from gate.policy.model import CheckSpec, DataBinding, DriftOptions
from gate.results import CheckResult, Status

KIND_OF = {"datetime": "numeric", "duration": "numeric"}  # what `method: {numeric: ...}` covers
KINDS = ("numeric", "categorical")
WORKERS = min(4, os.cpu_count() or 1)  # threads computing columns' drift at once


@dataclass(frozen=True)
class Compared:
    """One column of both sides: its name, role and the two column profiles."""

    column: str
    role: str  # feature | output
    reference: Any  # ColumnProfile
    current: Any


def evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Compare every chosen column with the reference and judge the share that drifted."""
    try:
        reference = ctx.require_reference(f"drift check '{spec.id}'")
        pairs = compared(spec.drift, ctx.profile, reference, ctx.binding)
        entries = _entries(spec, ctx, pairs)
    except CheckUnavailable as exc:
        return CheckResult(status=Status.ERROR, message=str(exc), **identity(spec))
    return _result(spec, entries, ctx.rows)


def compared(
    opts: DriftOptions, profile: Profile, reference: Profile, binding: DataBinding
) -> list[Compared]:
    """The columns to compare, in data order, then the model's outputs."""
    roles = _bound_columns(binding)
    if opts.columns is None:
        names = [c for c in profile.columns if c not in roles and c in reference.columns]
        _require_both_sides(profile, reference, roles)
    else:
        absent = [c for c in opts.columns if c not in profile.columns or c not in reference.columns]
        if absent:
            where = ["the data" if c not in profile.columns else "the reference" for c in absent]
            listed = ", ".join(f"{c!r} (not in {w})" for c, w in zip(absent, where, strict=True))
            raise CheckUnavailable(f"drift columns missing: {listed}")
        names = list(opts.columns)
    pairs = [Compared(c, "feature", reference.columns[c], profile.columns[c]) for c in names]
    if opts.outputs and profile.outputs:
        if not reference.outputs:
            raise CheckUnavailable(
                "the reference has no model outputs to compare: pass --model so they are "
                "computed on the reference data too, or set 'outputs: false'"
            )
        pairs += [
            Compared(name, "output", reference.outputs[name], column)
            for name, column in profile.outputs.items()
            if name in reference.outputs
        ]
    if not pairs:
        raise CheckUnavailable("no column is in both the data and the reference")
    unknown = [k for k, _ in opts.methods if k not in KINDS and k not in {p.column for p in pairs}]
    if unknown:
        raise CheckUnavailable(
            f"method given for {', '.join(map(repr, unknown))}, which is not a compared column "
            f"(nor a kind: {', '.join(KINDS)})"
        )
    return pairs


def _require_both_sides(profile: Profile, reference: Profile, roles: set[str]) -> None:
    """`columns: all` compares every column: one that is on one side only is named (a column
    that disappeared is a change, never silently left out)."""
    gone = [c for c in reference.columns if c not in profile.columns and c not in roles]
    new = [c for c in profile.columns if c not in reference.columns and c not in roles]
    if gone or new:
        parts = [f"not in the data: {', '.join(map(repr, gone))}"] if gone else []
        parts += [f"not in the reference: {', '.join(map(repr, new))}"] if new else []
        raise CheckUnavailable(
            f"columns on one side only ({'; '.join(parts)}): list the columns to compare "
            "(columns: [...]) to leave them out"
        )


def _bound_columns(binding: DataBinding) -> set[str]:
    roles = (
        binding.label,
        binding.score,
        binding.prediction,
        binding.weight,
        binding.baseline_score,
        binding.baseline_prediction,
    )
    return {c for c in roles if c}


def method_for(opts: DriftOptions, pair: Compared, reference_rows: int) -> str:
    """The column's own method, else its kind's, else the check's, else Evidently's choice."""
    chosen = dict(opts.methods)
    kind = KIND_OF.get(pair.current.kind, pair.current.kind)
    method = chosen.get(pair.column) or chosen.get(kind)
    if method:
        return method
    if opts.method != "auto":
        return opts.method
    return auto_method(pair.reference, pair.current, opts.verdict, reference_rows)


def _entries(spec: CheckSpec, ctx: CheckContext, pairs: list[Compared]) -> list[dict[str, Any]]:
    opts = spec.drift
    confidence = spec.confidence if opts.verdict == "effect_size" else None
    features = [p for p in pairs if p.role == "feature"]
    jobs = [
        (pair, ctx.seed + i)
        for i, pair in enumerate(pairs)
        if opts.engine == "native" or pair.role == "output"
    ]
    stats = _each_column(lambda job: _native(opts, job[0], confidence, ctx.resamples, job[1]), jobs)
    engines = ["native"] * len(pairs)
    if opts.engine == "evidently":
        from gate.checks.drift_evidently import evidently_stats

        stats = evidently_stats(opts, ctx, features) + stats
        engines = ["evidently"] * len(features) + ["native"] * (len(pairs) - len(features))
    p_adjusted = adjust([s.p_value for s in stats], opts.correction)
    grouped = opts.by_group and opts.verdict == "effect_size"
    folded = fold_groups(ctx) if grouped else {}
    entries = []
    for i, (pair, stat, p_adj) in enumerate(zip(pairs, stats, p_adjusted, strict=True)):
        entry = _entry(spec, pair, stat, p_adj, confidence, ctx, i) | {"engine": engines[i]}
        if folded:
            _with_groups(entry, group_drift(spec, ctx, folded, pair, stat.method, confidence))
        entries.append(entry)
    return entries


def _with_groups(entry: dict[str, Any], groups: list[dict[str, Any]]) -> None:
    """Add the per-group results; a shift in one group is drift of the column even when the
    whole column's statistic stays under the threshold (a small group dilutes it)."""
    if not groups:
        return
    entry["groups"] = groups
    where = concentrated(groups)
    if where:
        entry["concentrated"] = where
    if any(g["drifted"] is True for g in groups) and entry["drifted"] is not True:
        entry["drifted"], entry["status"] = True, "drifted"
        entry["reason"] = "within a group"


def _each_column(work: Callable[[Any], Drift], jobs: list[Any]) -> list[Drift]:
    """`work` of each column, in order, on up to WORKERS threads: each column's bootstrap has
    its own seeded generator and runs in numpy without the GIL, so the results are the same
    as one after the other (the first column's error is raised, as it would be)."""
    if len(jobs) < 2 or WORKERS < 2:
        return [work(job) for job in jobs]
    with ThreadPoolExecutor(min(WORKERS, len(jobs))) as pool:
        return list(pool.map(work, jobs))


def _native(
    opts: DriftOptions, pair: Compared, confidence: float | None, resamples: int, seed: int
) -> Drift:
    try:
        method = method_for(opts, pair, pair.reference.present)
        return column_drift(
            method, pair.reference, pair.current, confidence=confidence,
            resamples=resamples, seed=seed,
        )  # fmt: skip
    except ValueError as exc:
        raise CheckUnavailable(str(exc)) from exc  # the engine's message names the column


def _entry(
    spec: CheckSpec,
    pair: Compared,
    stat: Drift,
    p_adj: float | None,
    confidence: float | None,
    ctx: CheckContext,
    index: int,
) -> dict[str, Any]:
    opts = spec.drift
    values = _values_verdict(opts, stat, p_adj, spec.max)
    missing = _missing(opts, pair, confidence, ctx.resamples, ctx.seed + 7919 + index)
    verdict = either(values, missing["drifted"])
    threshold = (
        {"p_value": opts.p_value}
        if opts.verdict == "p_value" and stat.method in P_VALUE_METHODS
        else {"max": spec.max}
    )
    entry: dict[str, Any] = {
        "column": pair.column,
        "role": pair.role,
        "kind": pair.current.kind,
        "method": stat.method,
        "value": stat.value,
        "ci": list(stat.ci) if stat.ci else None,
        "p_value": stat.p_value,
        "p_adjusted": p_adj,
        "threshold": threshold,
        "drifted": verdict,
        "status": status_of(verdict),
        "reason": reason(values, missing["drifted"]),
        "n": {"reference": pair.reference.present, "current": pair.current.present},
        "missing": missing,
    }
    if stat.error_bound is not None:
        entry["error_bound"] = stat.error_bound
    if stat.distribution:
        entry["distribution"] = stat.distribution
    return entry


def _values_verdict(opts: DriftOptions, stat: Drift, p_adj: float | None, limit: float) -> Verdict:
    if stat.value is None and stat.p_value is None:
        return False  # a side without values: nothing to compare, its missing share decides
    if opts.verdict == "p_value" and stat.method in P_VALUE_METHODS:
        return by_p_value(p_adj, opts.p_value, inclusive=stat.method == "ks")  # Evidently's
    if opts.verdict == "p_value":
        return None if stat.value is None else stat.value >= limit
    return beyond(stat.value, widened(stat.value, stat.ci, stat.error_bound), limit)


def _missing(
    opts: DriftOptions, pair: Compared, confidence: float | None, resamples: int, seed: int
) -> dict[str, Any]:
    ref, cur = _unusable(pair.reference), _unusable(pair.current)
    change, ci = missing_change_of(ref, cur, confidence=confidence, resamples=resamples, seed=seed)
    return {
        "reference": ref.missing / ref.count if ref.count else 0.0,
        "current": cur.missing / cur.count if cur.count else 0.0,
        "change": change,
        "ci": list(ci) if ci else None,
        "threshold": opts.max_missing_change,
        "drifted": outside(change, ci, opts.max_missing_change),
    }


def _unusable(column: Any) -> Any:
    """The column with its infinite values counted as missing: a value no statistic can use is
    a change of its own (half the rows turning to inf must not pass as stable)."""
    numbers = column.numbers
    if numbers is None or not (numbers.posinf or numbers.neginf):
        return column
    return dataclasses.replace(column, missing=column.missing + numbers.posinf + numbers.neginf)


def _result(spec: CheckSpec, entries: list[dict[str, Any]], rows: int) -> CheckResult:
    opts = spec.drift
    features = [e["drifted"] for e in entries if e["role"] == "feature"]
    status, share = share_verdict(features, opts.max_drifted_share)
    status = worst(
        status, outputs_verdict([e["drifted"] for e in entries if e["role"] == "output"])
    )
    threshold = {"max": opts.max_drifted_share}  # of the drifted share; columns carry their own
    return CheckResult(
        status=apply_severity(Status(status), spec.severity),
        metric="drifted_share",
        value=share,
        threshold=threshold,
        confidence=spec.confidence,
        n=rows,
        columns=tuple(entries),
        message=message(entries, share, opts),
        **identity(spec),
    )
