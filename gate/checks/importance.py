"""`type: importance`: what the model relies on, measured on a seeded sample of rows.

`method: permutation` shuffles each input's values among the sampled rows `repeats` times, in
the gate's own (stacked) calls of the model, and measures two things from the same outputs:
- reliance (`measure: reliance`, the default): the label-free change of the model's output —
  the mean |score change| (a model with scores), the mean largest change of any class
  probability (multiclass), the mean |prediction change| (regression), else the share of
  decisions changed. Above 0 for every input the model uses, whatever the labels say.
- the metric drop (`measure: metric`): scikit-learn's permutation importance, the drop of
  `metric` against the label (a multiclass metric: gate/checks/importance_classes.py). It
  measures usefulness: an input the model leans on but the labels do not reward scores 0 or
  below, so it cannot judge reliance on a protected attribute. Shown beside reliance always.
`method: shap` is the mean |SHAP value| of each input from shap's exact TreeExplainer (a
multiclass model: the sum over the classes of each input's mean |SHAP value|): reliance too.
An attribute encoded over several input columns (data.encoded) is one logical input: its columns
are shuffled jointly, its SHAP value is the sum of theirs (gate/checks/importance_inputs.py).
The rows: `sample_rows` drawn without replacement from the profile's row sample, by a generator
seeded from the run's seed and the check id (a rerun draws the same rows).

Every condition is judged on a bootstrap interval at `confidence` (default 0.95), over resamples
of the sampled rows (`--resamples`), each importance recomputed from the outputs already kept:
- `max_rank: k`, per protected attribute / proxy: the interval of its rank (1 = most
  important; a resample where its importance is not above 0 leaves it unranked, below every
  k). Fail when the whole interval is within the top k, pass when it is wholly below it, else
  inconclusive.
- `max_share: s`, per protected attribute / proxy: the interval of its share of the total
  importance (an importance not above 0 has share 0). Pass when the upper bound is at most s,
  fail when the lower bound is above s, else inconclusive.
- `baseline.min_rank_correlation: X`: Spearman's correlation of the two models' importances over
  the inputs that carry them: the fewest inputs, most important first, holding 95 % of the
  candidate's importance (its top two at least), together with those holding 95 % of the
  baseline's (over the union of both models' inputs; one a model lacks has importance 0 there);
  the set is chosen on the point values and held on the resamples, both models on the same
  resampled rows. The negligible inputs are left out: their order is noise from one retrain to
  the next. Pass when the lower bound is at least X, fail when the upper bound is below X, else
  inconclusive.
- `baseline.max_share_change: Y`, per input of either model: the interval of (candidate share -
  baseline share), shares over the union; pass when it lies within [-Y, Y], fail when wholly
  outside, else inconclusive.
A protected attribute or proxy that is a model input is measured per row its shuffle changed
(its importance over all rows divided by the share of rows its shuffles changed: a rare group
is not diluted by the rows that kept their value; one of at most 50 values: its reliance is the
largest over its values, gate/checks/importance_changed.py); when its shuffles changed fewer than
30 rows (of one of its values), a condition on it cannot pass (inconclusive).
One that is not a model input has importance exactly 0: it passes, reported as "not an input"
(a model can still lean on it through a proxy: list those); one constant on the sampled rows
cannot be probed: inconclusive. The intervals resample the rows, shuffles held fixed: they miss
what a row adds as another row's shuffle partner and undercover (reliance: 0.85 at a nominal
0.95, review13b #20, open). Per-feature conditions are judged one by one at `confidence`.
Cost: one model call on sample_rows x (1 + inputs x repeats) rows; the reliance intervals are
one matrix product; `measure: metric` also recomputes the metric on every resample for every
input and repeat (inputs x repeats x resamples metric values: the slow part at many inputs).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from gate.checks.base import CheckContext, CheckUnavailable, identity
from gate.checks.conditions import apply_severity
from gate.checks.importance_changed import permuted_per_changed, shap_per_changed
from gate.checks.importance_classes import class_metric, class_truth
from gate.checks.importance_inputs import Inputs, logical_inputs, union
from gate.checks.importance_inputs import flagged as flagged_inputs
from gate.checks.importance_summary import Measured
from gate.checks.importance_verdicts import judge
from gate.checks.multiclass import fields as class_fields
from gate.engine.importance import mean_abs_shap, permutation, reliance
from gate.engine.importance_bootstrap import mean_abs_draws, permutation_draws, reliance_draws
from gate.engine.importance_classes import ClassMetric
from gate.engine.measures import PROBABILITY_METRICS
from gate.engine.metrics import METRICS, Input, Metric, Task
from gate.errors import InputError
from gate.inputs.predictions import matches
from gate.inputs.shap_values import NotExplainable
from gate.policy.importance_options import ImportanceOptions
from gate.policy.model import CheckSpec
from gate.results import CheckResult, Status

DEFAULT_CONFIDENCE = 0.95
AnyMetric = Metric | ClassMetric


def evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Measure the importances and judge the conditions; `error` when it cannot be measured."""
    try:
        return _evaluate(spec, ctx)
    except CheckUnavailable as exc:
        return CheckResult(status=Status.ERROR, message=str(exc), **identity(spec))


def check_seed(seed: int, check_id: str) -> int:
    """The check's own seed: from the run's seed and the check id (two checks differ, a rerun
    is identical)."""
    return int(np.random.SeedSequence([seed, zlib.crc32(check_id.encode())]).generate_state(1)[0])


def draw_rows(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """`rows` rows of `frame` without replacement, in their order; all of them when fewer."""
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    keep = np.sort(np.random.default_rng(seed).choice(len(frame), rows, replace=False))
    return frame.iloc[keep].reset_index(drop=True)


def _evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    opts: ImportanceOptions = spec.importance
    what = f"importance check '{spec.id}'"
    sample = ctx.sample_rows(what)
    ctx.model_outputs("candidate", sample.iloc[:1], what)  # a predictions-only run: no model
    if ctx.model_features is None:
        raise CheckUnavailable(f"{what}: the model's input names are unknown (set data.features)")
    own = logical_inputs(ctx.model_features, ctx, what)
    seed = check_seed(ctx.seed, spec.id)
    rows = draw_rows(sample, opts.sample_rows, seed)
    protected = tuple(opts.protected or ctx.binding.sensitive)
    if not protected and not opts.proxies and (opts.max_rank or opts.max_share):
        raise CheckUnavailable(
            f"{what} names no protected attribute: set 'protected' (or data.sensitive) or 'proxies'"
        )
    flagged = flagged_inputs(protected, opts.proxies, own, rows, what)
    confidence = spec.confidence or DEFAULT_CONFIDENCE  # the policy's default, for a hand-made spec
    metric = None if opts.method == "shap" else _metric(spec, ctx, rows, what)
    compare = opts.compares and ("baseline" in ctx.has_model or opts.when_missing == "error")
    inputs = own
    if compare and ctx.baseline_features:  # compared over what either model takes
        inputs = union(own, logical_inputs(ctx.baseline_features, ctx, what), what)
    at = [i for i, f in enumerate(inputs.names) if f in flagged.names]  # per changed row
    candidate = _measure("candidate", opts, metric, ctx, rows, inputs, at, seed, what)
    baseline = None
    if compare:
        baseline = _measure("baseline", opts, metric, ctx, rows, inputs, at, seed, what)
    status, message, fields = judge(
        opts, inputs.names, own.names, flagged, candidate, baseline, confidence
    )
    sample_info = {"rows": len(rows), "of": len(sample), "seed": seed, "method": opts.method}
    sample_info |= {"resamples": ctx.resamples}
    if metric is not None:
        sample_info |= {"metric": metric.name, "repeats": opts.repeats, "measure": opts.measure}
    if inputs.groups:
        sample_info |= {"encoded": {a: list(c) for a, c in inputs.groups.items()}}
    return CheckResult(
        status=apply_severity(status, spec.severity),
        message=message,
        metric=_value_name(opts),
        confidence=confidence,
        n=len(rows),
        sample=sample_info,
        **(class_fields(spec, METRICS[metric.name], ctx.task) if metric else {}),
        **identity(spec),
        **fields,
    )


def _value_name(opts: ImportanceOptions) -> str:
    """What the check's `value` is (judge picks it): a rank, a share or a rank correlation."""
    if opts.max_rank is not None:
        return "rank"
    return "share" if opts.max_share is not None else "rank_correlation"


def _metric(spec: CheckSpec, ctx: CheckContext, rows: pd.DataFrame, what: str) -> AnyMetric:
    """The policy's metric, or the default: roc_auc for a binary model with scores (else
    accuracy), r2 for regression, log_loss for a multiclass model with probabilities (else
    accuracy)."""
    if ctx.task is Task.MULTICLASS:
        return class_metric(spec, ctx, rows, what)
    name = spec.metric
    if name is None and ctx.task is Task.REGRESSION:
        name = "r2"
    elif name is None:
        scores = ctx.model_outputs("candidate", rows.iloc[:1], what).scores
        name = "accuracy" if scores is None else "roc_auc"
    metric = METRICS[name]
    if metric.task is not ctx.task:
        raise CheckUnavailable(f"{what}: metric {name} is for {metric.task}, not {ctx.task}")
    return metric


def _measure(
    which: str,
    opts: ImportanceOptions,
    metric: AnyMetric | None,
    ctx: CheckContext,
    rows: pd.DataFrame,
    inputs: Inputs,
    at: list[int],
    seed: int,
    what: str,
) -> Measured:
    """One model's importance of each logical input: the measure the conditions judge (point
    value and bootstrap draws), and what is shown beside it; the inputs `at` (protected
    attributes, proxies) per row their shuffle changed (gate/checks/importance_changed.py)."""
    ctx.model_outputs(which, rows.iloc[:1], what)  # CheckUnavailable when there is no such model
    if metric is None:
        values = _shap(which, ctx, rows, inputs, what)
        draws = mean_abs_draws(values, ctx.resamples, seed)
        return shap_per_changed(Measured(mean_abs_shap(values), draws), at, inputs, rows)
    y, weight = _truth(ctx, rows, what, which), _weight(ctx, rows)
    # a decision changes or not; a score, a class probability or a regression value moves
    scores = ctx.model_outputs(which, rows.iloc[:1], what).scores
    decisions = scores is None and ctx.task is not Task.REGRESSION
    predict = _predictor(which, metric, ctx, what)
    # every sampled column goes in (a baseline may take others); the inputs are shuffled
    permuted = permutation(
        predict, rows, y, weight, metric, opts.repeats, seed, list(inputs.names),
        inputs.groups, decisions,
    )  # fmt: skip
    if not np.isfinite(metric(y, permuted.unshuffled, weight)):
        raise CheckUnavailable(
            f"{what}: {metric.name} is undefined on the {len(rows)} sampled rows "
            "(one class only?): raise sample_rows or choose another metric"
        )
    relied = reliance(permuted, weight)
    shown = {"reliance": relied, "metric_drop": permuted.mean}
    if opts.measure == "reliance":
        m = Measured(relied, reliance_draws(permuted, weight, ctx.resamples, seed), shown)
    else:
        draws = permutation_draws(permuted, metric, y, weight, ctx.resamples, seed)
        m = _defined(Measured(permuted.mean, draws, shown), inputs.names, metric.name, what)
    judged = opts.measure == "reliance"
    return permuted_per_changed(m, permuted, at, inputs, rows, weight, ctx.resamples, seed, judged)


def _predictor(which: str, metric: AnyMetric, ctx: CheckContext, what: str):
    """The model call the permutation makes: (what `metric` reads, what reliance watches: the
    scores when the model gives them, else the decisions)."""

    def predict(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        out = ctx.model_outputs(which, X, what)
        chosen = out.scores if metric.input is Input.SCORE else out.labels
        source = ctx.sources.get(which, which)
        if chosen is None:
            raise CheckUnavailable(f"{what}: {metric.name} needs scores, and {source} gives none")
        if metric.name in PROBABILITY_METRICS and ((chosen < 0) | (chosen > 1)).any():
            raise InputError(
                f"{what}: metric {metric.name} needs probabilities in [0, 1], and {source} "
                "gives scores outside it (decision values): choose roc_auc or another metric "
                "that reads scores as a ranking"
            )
        return chosen, out.labels if out.scores is None else out.scores

    return predict


def _defined(m: Measured, inputs: tuple[str, ...], metric: str, what: str) -> Measured:
    """The importances, when the metric is defined on the shuffled rows and on most resamples
    (a precision with no predicted positive left, say, is not): CheckUnavailable otherwise."""
    bad = [f for f, v in zip(inputs, m.importance, strict=True) if not np.isfinite(v)]
    bad += [f for f, share in zip(inputs, np.isfinite(m.draws).mean(axis=0), strict=True)
            if share < 0.5 and f not in bad]  # fmt: skip
    if bad:
        raise CheckUnavailable(
            f"{what}: {metric} is undefined with {', '.join(bad[:5])} shuffled, or on most "
            "resamples of the sampled rows: raise sample_rows or choose another metric"
        )
    return m


def _shap(
    which: str, ctx: CheckContext, rows: pd.DataFrame, inputs: Inputs, what: str
) -> np.ndarray:
    if ctx.explain is None:
        raise CheckUnavailable(f"{what}: method: shap needs the model itself (--model)")
    try:
        values = ctx.explain(which, rows)
    except NotExplainable as exc:
        raise CheckUnavailable(
            f"{what}: method: shap needs a tree model shap explains exactly ({exc}); "
            "use method: permutation"
        ) from None
    # an encoded attribute: the sum of its columns' SHAP values (SHAP values add up); an input
    # this model does not take counts 0
    logical = {
        name: values.reindex(columns=list(inputs.columns(name)), fill_value=0.0).sum(axis=1)
        for name in inputs.names
    }
    return pd.DataFrame(logical, columns=list(inputs.names)).to_numpy(dtype=float)


def _truth(ctx: CheckContext, rows: pd.DataFrame, what: str, which: str) -> np.ndarray:
    label = ctx.binding.label
    if not label or label not in rows.columns:
        raise CheckUnavailable(
            f"{what}: permutation importance measures the drop of a metric and needs the "
            "label (data.label); method: shap does not"
        )
    if ctx.task is Task.REGRESSION:
        return rows[label].to_numpy(dtype=float)
    if ctx.task is Task.MULTICLASS:
        return class_truth(ctx, rows, which, label, what)
    return matches(rows[label], ctx.binding.positive_label).astype(np.int64)


def _weight(ctx: CheckContext, rows: pd.DataFrame) -> np.ndarray | None:
    column = ctx.binding.weight
    return rows[column].to_numpy(dtype=float) if column else None
