"""`type: robustness`: how the candidate model reacts to small, valid changes of its inputs
(noise within the declared constraints, swaps among interchangeable categories), whether it is
monotone where the policy says it must be, and whether setting a protected attribute (and its
proxies) to another value changes its decisions (counterfactual fairness).

Rows: the profile's row sample, subsampled (seeded by the run's seed and the check id) to
`sample_rows`. Every probe's copies are stacked and the model is called a few times on large
frames. Verdicts: gate/checks/robustness_verdicts.py.

Multiclass: a decision flips when the predicted class changes; the largest score change is the
largest change of any class's probability; a monotonic feature is judged on the probability of
the check's `class:` (validation requires it)."""

from __future__ import annotations

import zlib
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from gate.checks.base import CheckContext, CheckUnavailable, ModelOutputs, identity
from gate.checks.robustness_counterfactual import plan_counterfactual
from gate.checks.robustness_plan import Plan, Refused, skip
from gate.checks.robustness_verdicts import Outputs, judged_result
from gate.engine.counterfactual import attribute_values
from gate.engine.metrics import Task
from gate.engine.robustness_probes import (
    Change,
    Probe,
    is_numeric,
    is_whole,
    monotonic_probe,
    noise_probe,
    noised,
    stacked,
    swap_matches,
    swapped,
)
from gate.errors import InputError
from gate.policy.model import CheckSpec
from gate.policy.robustness_options import RobustnessOptions
from gate.results import CheckResult, Status

CHUNK_ROWS = 250_000  # rows per model call: a few large calls, memory bounded


def evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Probe the candidate model; judge flips, score changes and monotonicity."""
    what = f"robustness check '{spec.id}'"
    try:
        plan = _plan(spec, ctx, what)
        outputs = _run(plan, ctx, what)
        _known_class(spec, outputs.all.classes)
    except CheckUnavailable as exc:
        return CheckResult(status=Status.ERROR, message=str(exc), **identity(spec))
    except Refused as exc:
        return CheckResult(status=exc.status, message=str(exc), **identity(spec))
    sample = {"rows": len(plan.rows), "of": plan.of, "seed": plan.seed[0]}
    sample |= {"repeats": spec.robustness.repeats, "probed": outputs.probed}
    return judged_result(spec, ctx.task is Task.REGRESSION, plan, outputs, sample)


def _known_class(spec: CheckSpec, classes: tuple[str, ...] | None) -> None:
    """A multiclass check's `class:` (what a monotonic feature is judged on) is a class of
    the model's."""
    if classes is not None and spec.of_class is not None and spec.of_class not in classes:
        raise Refused(
            Status.ERROR,
            f"class {spec.of_class!r} (class:) is none of the model's classes "
            f"({', '.join(classes)})",
        )


def _seed(ctx: CheckContext, spec: CheckSpec) -> list[int]:
    """The run's seed and the check id: two checks differ, a rerun is identical."""
    return [ctx.seed, zlib.crc32(spec.id.encode())]


def _plan(spec: CheckSpec, ctx: CheckContext, what: str) -> Plan:
    opts = spec.robustness
    if ctx.predict is None or "candidate" not in ctx.has_model:  # predictions only: fail closed
        raise CheckUnavailable(f"{what} calls the candidate model, and none was given (--model)")
    inputs = ctx.model_features or ctx.binding.features
    if inputs is None:
        raise CheckUnavailable(f"{what} needs the model's input names (set data.features)")
    unknown = [r.name for r in opts.features if r.name not in inputs]
    if unknown:
        raise Refused(
            Status.ERROR,
            f"'features' names {', '.join(unknown)}, which the model does not take as input "
            f"(its inputs: {', '.join(inputs)}): a probe of what the model never sees proves "
            "nothing; fix the names",
        )
    if ctx.task is Task.REGRESSION and opts.tolerance is None and opts.max_flip_rate is not None:
        raise Refused(
            Status.ERROR,
            "a regression model's decision is its predicted value: set 'tolerance', the change "
            "of the predicted value that counts as a changed decision, to judge max_flip_rate",
        )
    frame = ctx.sample_rows(what)
    seed = _seed(ctx, spec)
    plan = Plan(_rows(frame, [*inputs, *opts.columns], opts.sample_rows, seed), len(frame), seed)
    _noise(plan, opts, inputs, ctx.sensitive)
    _monotonic(plan, opts)
    plan_counterfactual(plan, opts, inputs, dict(ctx.binding.encoded))
    if not plan.probes:
        reasons = "; ".join(s["reason"] for s in plan.skipped) or "no input to perturb"
        only_absent = plan.skipped and all(s["probe"] == "counterfactual" for s in plan.skipped)
        raise Refused(
            Status.SKIPPED if only_absent else Status.ERROR, f"nothing to probe: {reasons}"
        )
    return plan


def _rows(frame: pd.DataFrame, columns: list[str], size: int, seed: list[int]) -> pd.DataFrame:
    kept = [c for c in dict.fromkeys(columns) if c in frame.columns]
    if len(frame) > size:
        picked = np.sort(np.random.default_rng(seed).choice(len(frame), size, replace=False))
        frame = frame.iloc[picked]
    return frame[kept].reset_index(drop=True)


def _noise(plan: Plan, opts: RobustnessOptions, inputs: tuple[str, ...], sensitive: Any) -> None:
    """One noise probe per perturbed input, and one with all of them at once. A probe the
    policy declared (`features:`) that changes no row is an error naming it; the default
    noise on an input it cannot move (constant, all missing) is skipped, with the reason."""
    protected = {*opts.counterfactual, *sensitive}
    changes: list[tuple[str, Change, dict[str, Any]]] = []
    for name in inputs:
        rule = opts.rule(name)
        if rule.immutable or name not in plan.rows:
            continue
        column = plan.rows[name]
        if rule.swap:
            _swap_values(name, column, rule.swap)
            change: Change = partial(swapped, values=rule.swap)
            detail: dict[str, Any] = {"swap": list(rule.swap)}
        elif rule.noise is not None or (
            opts.noise and name not in protected and is_numeric(column)
        ):
            noise = rule.noise or opts.noise
            if not is_numeric(column):
                raise Refused(
                    Status.ERROR,
                    f"noise on '{name}', which is not numeric ({column.dtype}); "
                    "categorical features take 'swap: [values]'",
                )
            change = partial(noised, noise=noise, bounds=rule.range)
            detail = {"noise": {noise[0]: noise[1]}, "integer": is_whole(column)}
        else:
            continue
        if rule.range is not None:
            detail["range"] = list(rule.range)
        changes.append((name, change, detail))
    moved = []
    for name, change, detail in changes:  # each input's draws its own: adding one moves none
        seed = [*plan.seed, 1, zlib.crc32(name.encode())]
        probe = noise_probe(plan.rows, name, [(name, change)], opts.repeats, seed, detail)
        if probe.changed_rows(len(plan.rows)).any():
            plan.probes.append(probe)
            moved.append((name, change))
        elif name in {r.name for r in opts.features}:
            raise Refused(
                Status.ERROR, f"{_kind(detail)} of '{name}' {_unmoved(plan.rows[name], detail)}"
            )
        else:
            plan.skipped.append(
                skip("noise", name, f"the noise {_unmoved(plan.rows[name], detail)}")
            )
    if len(moved) > 1:
        seed = [*plan.seed, 2]
        plan.probes.append(noise_probe(plan.rows, "*", moved, opts.repeats, seed, {}))


def _kind(detail: dict[str, Any]) -> str:
    return "swap" if "swap" in detail else "noise"


def _unmoved(column: pd.Series, detail: dict[str, Any]) -> str:
    """Why a probe changed no row: what the column holds."""
    present = column.dropna()
    if present.empty:
        held = "every value is missing"
    elif present.nunique() == 1:
        held = f"it holds the single value {present.iloc[0]!r}"
    elif detail.get("integer"):
        held = "whole numbers: the noise is too small to survive rounding"
    else:
        held = "relative noise does not move 0; the range undid the rest"
    return f"changed none of the {len(column)} probed rows ({held}): nothing was probed"


def _swap_values(name: str, column: pd.Series, values: tuple[str, ...]) -> None:
    """Every swap value occurs in the probed rows: one that matches none (a case or spelling
    slip, `1` against text `1.0`) would leave rows unprobed while the check reports on them."""
    holds = swap_matches(column, values)
    absent = [v for v in values if not holds[v].any()]
    if absent:
        held = ", ".join(repr(str(v)) for v in attribute_values(column)[:10])
        raise Refused(
            Status.ERROR,
            f"swap of '{name}': {', '.join(repr(v) for v in absent)} "
            f"{'occurs' if len(absent) == 1 else 'occur'} in none of the {len(column)} probed "
            f"rows (the column holds {held}{' ...' if column.nunique() > 10 else ''}); "
            "fix the spelling, or drop the value",
        )


def _monotonic(plan: Plan, opts: RobustnessOptions) -> None:
    for rule in opts.features:
        if not rule.monotonic:
            continue
        column = plan.rows[rule.name]
        if not is_numeric(column):
            raise Refused(Status.ERROR, f"monotonic '{rule.name}' is not numeric ({column.dtype})")
        probe = monotonic_probe(plan.rows, rule.name, rule.monotonic, rule.range)
        if probe.copies < 2:
            raise Refused(
                Status.ERROR,
                f"monotonic '{rule.name}' takes fewer than two values on the "
                f"{len(plan.rows)} probed rows (within its range): nothing to compare",
            )
        plan.probes.append(probe)


def _run(plan: Plan, ctx: CheckContext, what: str) -> Outputs:
    """The model's outputs on the rows and on every probe copy, from a few large calls."""
    rows = len(plan.rows)
    base = Probe("base", "", 1, lambda _: plan.rows)
    try:
        parts = [
            ctx.model_outputs("candidate", frame, what)
            for frame in stacked(rows, [base, *plan.probes], CHUNK_ROWS)
        ]
    except InputError as exc:  # the data was fine; a probe made inputs the model refuses
        raise Refused(Status.ERROR, _model_refused(plan, ctx, what, exc)) from None
    labels = np.concatenate([np.asarray(p.labels) for p in parts])
    scored = all(p.scores is not None for p in parts)
    scores = np.concatenate([np.asarray(p.scores, dtype=float) for p in parts]) if scored else None
    if ctx.task is Task.REGRESSION:
        labels = labels.astype(float)
        scores = labels
    classes = parts[0].classes  # multiclass: labels index them, scores are (rows, classes)
    return Outputs(rows, ModelOutputs(labels, scores, classes), len(labels))


def _model_refused(plan: Plan, ctx: CheckContext, what: str, exc: InputError) -> str:
    """Which probe made the model raise (each probe's copies tried on their own: this costs
    model calls only when one failed), and what to declare so it does not."""
    for probe in plan.probes:
        for copy in range(probe.copies):
            try:
                ctx.model_outputs("candidate", probe.make(copy), what)
            except InputError as found:
                name = "every perturbed input at once" if probe.feature == "*" else probe.feature
                hint = (
                    "declare the values it accepts (features: {NAME: {range: [min, max]}}) or "
                    "make it immutable"
                    if probe.kind == "noise"
                    else "declare the values it accepts (range:) or drop the probe"
                )
                return (
                    f"the model raised on the {probe.kind} probe of '{name}' (the probe made "
                    f"inputs it does not accept): {found}; {hint.replace('NAME', name)}"
                )
    return f"the model raised on the probed rows: {exc}"
