"""`type: importance`: what the model relies on, measured on a seeded sample of rows.

`method: permutation` is scikit-learn's permutation importance (the drop of `metric` when one
input's values are shuffled among the sampled rows, `repeats` times), run on the gate's own call
of the model; `method: shap` is the mean |SHAP value| of each input from shap's exact
TreeExplainer (a multiclass model: the sum over the classes of each input's mean |SHAP value|;
its permutation metric is a multiclass one, see gate/checks/importance_classes.py). The rows:
`sample_rows` drawn without replacement from the profile's row sample, by a generator seeded
from the run's seed and the check id (a rerun draws the same rows).

Every condition is judged on a bootstrap interval at `confidence` (default 0.95), over resamples
of the sampled rows (`--resamples`), each importance recomputed from the outputs already kept:
- `max_rank: k`, per protected attribute / proxy: the interval of its rank (1 = most
  important; a resample where its importance is not above 0 counts as unranked, i.e. inputs + 1).
  Fail when the whole interval is within the top k, pass when it is wholly below it, else
  inconclusive.
- `max_share: s`, per protected attribute / proxy: the interval of its share of the total
  absolute importance. Pass when the upper bound is at most s, fail when the lower bound is
  above s, else inconclusive.
- `baseline.min_rank_correlation: X`: Spearman's correlation of the two models' importances over
  the candidate's inputs, both on the same resampled rows; pass when the lower bound is at least
  X, fail when the upper bound is below X, else inconclusive.
- `baseline.max_share_change: Y`, per input: the interval of (candidate share - baseline share);
  pass when it lies within [-Y, Y], fail when wholly outside, else inconclusive.
A protected attribute or proxy that is not a model input has importance exactly 0: it passes,
reported as "not an input" (a model can still lean on it through a proxy: list those).
The intervals cover the noise of which rows were sampled; the shuffles themselves are held fixed
(their noise is what `repeats` averages). Per-feature conditions are judged feature by feature
at `confidence`, with no correction across features: a fail needs a whole interval on the bad
side, so a feature exactly at the bound fails on at most (1 - confidence) / 2 of reruns.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from gate.checks.base import CheckContext, CheckUnavailable, identity
from gate.checks.conditions import apply_severity
from gate.checks.importance_classes import class_metric, class_truth
from gate.checks.importance_verdicts import Flagged, Measured, judge
from gate.checks.multiclass import fields as class_fields
from gate.engine.importance import mean_abs_shap, permutation
from gate.engine.importance_bootstrap import mean_abs_draws, permutation_draws
from gate.engine.importance_classes import ClassMetric
from gate.engine.metrics import METRICS, Input, Metric, Task
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
    inputs = ctx.model_features
    if inputs is None:
        raise CheckUnavailable(f"{what}: the model's input names are unknown (set data.features)")
    flagged = _flagged(opts, ctx, inputs, sample, what)
    seed = check_seed(ctx.seed, spec.id)
    rows = draw_rows(sample, opts.sample_rows, seed)
    confidence = spec.confidence or DEFAULT_CONFIDENCE  # the policy's default, for a hand-made spec
    metric = None if opts.method == "shap" else _metric(spec, ctx, rows, what)
    candidate = _measure("candidate", opts, metric, ctx, rows, inputs, seed, what)
    baseline = None
    if opts.compares and ("baseline" in ctx.has_model or opts.when_missing == "error"):
        baseline = _measure("baseline", opts, metric, ctx, rows, inputs, seed, what)
    status, message, fields = judge(opts, inputs, flagged, candidate, baseline, confidence)
    sample_info = {"rows": len(rows), "of": len(sample), "seed": seed, "method": opts.method}
    sample_info |= {"resamples": ctx.resamples}
    if metric is not None:
        sample_info |= {"metric": metric.name, "repeats": opts.repeats}
    return CheckResult(
        status=apply_severity(status, spec.severity),
        message=message,
        metric=metric.name if metric else "mean_abs_shap",
        confidence=confidence,
        n=len(rows),
        sample=sample_info,
        **(class_fields(spec, METRICS[metric.name], ctx.task) if metric else {}),
        **identity(spec),
        **fields,
    )


def _flagged(
    opts: ImportanceOptions,
    ctx: CheckContext,
    inputs: tuple[str, ...],
    sample: pd.DataFrame,
    what: str,
) -> Flagged:
    """The protected attributes and proxies, each known to the model or to the data."""
    protected = opts.protected or ctx.binding.sensitive
    if not protected and not opts.proxies and (opts.max_rank or opts.max_share):
        raise CheckUnavailable(
            f"{what} names no protected attribute: set 'protected' (or data.sensitive) or 'proxies'"
        )
    for name in (*protected, *opts.proxies):
        if name not in inputs and name not in sample.columns:
            role = "protected attribute" if name in protected else "proxy"
            raise CheckUnavailable(
                f"{what}: {role} '{name}' is neither a model input nor a data column"
            )
    return Flagged(tuple(protected), tuple(p for p in opts.proxies if p not in protected))


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
    inputs: tuple[str, ...],
    seed: int,
    what: str,
) -> Measured:
    """One model's importance of each input: its point value and its bootstrap draws."""
    ctx.model_outputs(which, rows.iloc[:1], what)  # CheckUnavailable when there is no such model
    if metric is None:
        values = _shap(which, ctx, rows, inputs, what)
        draws = mean_abs_draws(values, ctx.resamples, seed)
        return Measured(mean_abs_shap(values), draws)
    y, weight = _truth(ctx, rows, what, which), _weight(ctx, rows)

    def predict(X: pd.DataFrame) -> np.ndarray:
        out = ctx.model_outputs(which, X, what)
        chosen = out.scores if metric.input is Input.SCORE else out.labels
        if chosen is None:
            source = ctx.sources.get(which, which)
            raise CheckUnavailable(f"{what}: {metric.name} needs scores, and {source} gives none")
        return chosen

    # every sampled column goes in (a baseline may take others); the candidate's are shuffled
    shuffled = list(inputs)
    permuted = permutation(predict, rows, y, weight, metric, opts.repeats, seed, shuffled)
    if not np.isfinite(metric(y, permuted.unshuffled, weight)):
        raise CheckUnavailable(
            f"{what}: {metric.name} is undefined on the {len(rows)} sampled rows "
            "(one class only?): raise sample_rows or choose another metric"
        )
    draws = permutation_draws(permuted, metric, y, weight, ctx.resamples, seed)
    return _defined(Measured(permuted.mean, draws), inputs, metric.name, what)


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
    which: str, ctx: CheckContext, rows: pd.DataFrame, inputs: tuple[str, ...], what: str
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
    # a baseline with other inputs: those of the candidate it does not take count 0
    return values.reindex(columns=list(inputs), fill_value=0.0).to_numpy(dtype=float)


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
