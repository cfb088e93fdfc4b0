"""Canary logs with a `baseline:` performance check: the candidate on its own labelled rows
against the live model on the live model's labelled rows of the same period (the models
answered different requests), each bootstrapped on its own rows (gate/engine/two_sample.py);
a `baseline:` fairness check likewise per group (analysis_two_sample_groups.py).

The checks run on the candidate's rows first (bounds judged as always; the baseline part has
no baseline there); each compared check's result is then rebuilt with the two-sample
comparison, and the decision is taken again over the rebuilt results (whole-check waivers
apply as before). A fairness check comparing a metric with no per-group two-sample
comparison (only binary label metrics have one) is refused on canary logs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from gate.api import Result
from gate.checks.conditions import (
    apply_severity,
    combine,
    compare_baseline,
    judge_baseline,
    judge_bounds,
    rule_of,
)
from gate.commands.analysis_groups import Outputs
from gate.commands.analysis_mix import (
    Mix,
    at_best_inconclusive,
    confounded_note,
    mix_differences,
    mixes,
)
from gate.commands.analysis_mix_effect import effect, immaterial
from gate.commands.analysis_two_sample_groups import rebuilt_groups, unsupported
from gate.decision import decide
from gate.engine.metrics import METRICS, Input, Metric, Task
from gate.engine.two_sample import MIN_CLASS_ROWS, Sample, rarer_class, two_sample_drop
from gate.errors import InputError
from gate.inputs.predictions import matches
from gate.policy.model import CheckSpec, Policy
from gate.results import CheckResult, Status, fmt


def refuse_unsupported(compared: list[CheckSpec]) -> None:
    """InputError for a compared check canary logs cannot serve: a fairness baseline on a
    metric with no per-group two-sample comparison (only binary label metrics have one)."""
    for c in compared:  # whatever when_missing says: the live model, the baseline, is there
        if c.type != "fairness":
            continue
        missing = unsupported(c)
        if missing:
            raise InputError(
                f"check '{c.id}' compares each group's {', '.join(missing)} with the live "
                "model's; on canary logs (the models answered different requests) a group is "
                "compared across two samples for binary label metrics only. Log the live "
                "model's outputs for the candidate's requests (shadow logs), or drop the "
                "check from the rollout's policy (`when_missing: skip` is for a missing "
                "baseline; the live model is the baseline here)"
            )


def rebuilt(
    result: Result,
    policy: Policy,
    rows: tuple[pd.DataFrame, pd.DataFrame],
    bound: Outputs,
    resamples: int,
    seed: int,
    today: dt.date,
) -> Result:
    """`result` with every compared check judged on the two samples: `rows`, the
    candidate's and the live model's labelled rows."""
    live = rows[1]
    specs = {c.id: c for c in policy.checks if c.baseline is not None}
    checks = [
        (_again(r, specs[r.id], policy, rows, bound, resamples, seed) if len(live) else _none(r))
        if r.id in specs
        else r
        for r in result.checks
    ]
    decision = decide(checks, policy.waivers, today)
    return Result(dataclasses.replace(result.evaluation, decision=decision))


def _again(
    r: CheckResult,
    spec: CheckSpec,
    policy: Policy,
    rows: tuple[pd.DataFrame, pd.DataFrame],
    bound: Outputs,
    resamples: int,
    seed: int,
) -> CheckResult:
    """One compared check judged on the two samples (performance or fairness); inconclusive
    when the samples' mix differs (analysis_mix.py)."""
    if spec.type == "performance":
        tests = mixes(policy, spec, rows, bound.label)
        return _check(r, spec, policy, *rows, bound, resamples, seed, tests)
    if spec.type != "fairness" or unsupported(spec):
        return r  # refused before
    mixed = mix_differences(policy, spec, rows, bound.label)
    unlike = confounded_note(mixed) if mixed else None
    samples = (_sample(policy, rows[0], bound), _sample(policy, rows[1], bound))
    return rebuilt_groups(r, spec, policy, samples, rows, resamples, seed, unlike)


def _check(
    r: CheckResult,
    spec: CheckSpec,
    policy: Policy,
    candidate: pd.DataFrame,
    live: pd.DataFrame,
    bound: Outputs,
    resamples: int,
    seed: int,
    tests: list[Mix] | None = None,
) -> CheckResult:
    metric, rule = METRICS[spec.metric], spec.baseline
    assert rule is not None
    if r.value is None:
        return r  # undefined on the candidate's rows: the check's own error stands
    read = _scores if metric.input is Input.SCORE else _sample
    cand, base = read(policy, candidate, bound), read(policy, live, bound)
    draws = resamples if rule.confidence is not None else 0
    try:
        drops = two_sample_drop(metric, cand, base, draws, seed)
    except KeyError:
        return _error(r, f"{metric.name} has no two-sample interval")
    c, b = float(drops.candidate[0]), float(drops.baseline[0])
    if not (np.isfinite(c) and np.isfinite(b)):
        return _error(r, f"{metric.name} is undefined for the candidate or the live model")
    cmp = dataclasses.replace(
        compare_baseline(c, b, metric.greater_is_better), two_sample=True, rule=rule_of(rule)
    )
    if rule.confidence is not None:
        relative = rule.max_relative_drop is not None
        cmp = dataclasses.replace(
            cmp,
            confidence=rule.confidence,
            ci=drops.interval(rule.confidence)[0],
            relative_ci=drops.interval(rule.confidence, relative=True)[0] if relative else None,
        )
    statuses, notes = [], []
    if spec.min is not None or spec.max is not None:
        status, notes = judge_bounds(spec, r.value, r.ci)
        statuses.append(status)
    status, more = judge_baseline(rule, cmp)
    pair = (cand, base), (candidate, live)
    tests = [effect(m, metric, rule, cmp, *pair, status) for m in tests or ()]
    rarer = (rarer_class(cand), rarer_class(base)) if metric.needs_both_classes else None
    cmp = dataclasses.replace(cmp, mix=tuple(m.as_dict() for m in tests), rarer_class_rows=rarer)
    held = [m.sentence() for m in tests if m.held_back]
    more += [immaterial(m) for m in tests if m.differs and not m.held_back]
    for why in (confounded_note(held) if held else None, few_of_a_class(metric, cand, base)):
        if why is not None:  # the interval says nothing about a confounded comparison
            status, more = at_best_inconclusive(status), [*more, why]
    statuses.append(status)
    notes += more
    notes.append(
        f"two-sample: the live model on {len(base)} other labelled request(s) of the same "
        f"period, the candidate on {len(cand)}"
    )
    shown = fmt(r.value) if r.ci is None else f"{fmt(r.value)} [{fmt(r.ci[0])}, {fmt(r.ci[1])}]"
    return dataclasses.replace(
        r,
        status=apply_severity(combine(statuses), spec.severity),
        baseline=cmp,
        message=f"{metric.name} {shown}: " + "; ".join(notes),
        waiver=None,  # taken again by decide()
    )


def few_of_a_class(metric: Metric, cand: Sample, base: Sample) -> str | None:
    """Why a two-sample interval of `metric` cannot be trusted (too few rows of a class in
    a sample), or None."""
    if not metric.needs_both_classes:
        return None
    for who, sample in (("candidate", cand), ("live model", base)):
        least = rarer_class(sample)
        if least < MIN_CLASS_ROWS:
            return (
                f"not decided: the {who}'s sample has {least} labelled row(s) of its rarer "
                f"class, fewer than {MIN_CLASS_ROWS}: the interval of {metric.name} is not "
                "reliable yet"
            )
    return None


def _none(r: CheckResult) -> CheckResult:
    """A compared check with no labelled live row of the candidate's period yet: not compared
    (inconclusive at best), never "skipped: no baseline given" (review12d #5)."""
    why = "not compared: no labelled live row of the candidate's period yet (two-sample)"
    status = at_best_inconclusive(r.status)
    message = why if r.status is Status.SKIPPED else f"{r.message}; {why}"
    return dataclasses.replace(r, status=status, message=message, waiver=None)


def _error(r: CheckResult, why: str) -> CheckResult:
    message = f"baseline comparison impossible: {why}"
    status = apply_severity(Status.ERROR, r.severity)
    return dataclasses.replace(r, status=status, message=message, baseline=None, waiver=None)


def _weights(policy: Policy, rows: pd.DataFrame) -> np.ndarray | None:
    name = policy.data.weight
    return rows[name].to_numpy(dtype=float) if name and name in rows.columns else None


def _truth(policy: Policy, rows: pd.DataFrame, bound: Outputs) -> np.ndarray:
    if policy.data.task == Task.REGRESSION.value:
        return rows[bound.label].to_numpy(dtype=float)
    return matches(rows[bound.label], policy.data.positive_label).astype(np.int64)


def _sample(policy: Policy, rows: pd.DataFrame, bound: Outputs) -> Sample:
    """Truth and the predicted labels (regression: values), as the data binding reads them."""
    if policy.data.task == Task.REGRESSION.value:
        pred = rows[bound.prediction or bound.score].to_numpy(dtype=float)
    elif bound.prediction:
        pred = matches(rows[bound.prediction], policy.data.positive_label).astype(np.int64)
    else:
        pred = (rows[bound.score].to_numpy(dtype=float) >= policy.data.threshold).astype(np.int64)
    return Sample(_truth(policy, rows, bound), pred, _weights(policy, rows))


def _scores(policy: Policy, rows: pd.DataFrame, bound: Outputs) -> Sample:
    scores = rows[bound.score].to_numpy(dtype=float) if bound.score else np.array([])
    return Sample(_truth(policy, rows, bound), scores, _weights(policy, rows))
