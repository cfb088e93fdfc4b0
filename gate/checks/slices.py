"""`type: slices`: the weakest segments of the data, found by an exhaustive search over one-
and two-feature slices of binned columns (gate/engine/slices.py), with Benjamini-Hochberg
false-discovery control. Passing means "no slice of at least `min_size` rows has the metric
beyond the bound at the FDR level".

Rows: the profile's row sample (or `sample_rows:` of it, drawn with --seed and the check id).
Predictions: the candidate model's on those rows, one call; in a predictions-only run the bound
score / prediction columns of the sample, read as the pass binds them. Slices need only
labels and predictions, so a predictions-only run works.

Multiclass: a row is right when its predicted class is its label's (accuracy, the one metric
over every class); with `class:`, every share metric is that class against the rest (recall:
the share of the slice's rows of that class predicted as it). Either is an exact binomial.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd

from gate.checks.base import CheckContext, CheckUnavailable, identity
from gate.checks.conditions import apply_severity
from gate.checks.multiclass import fields
from gate.engine.class_names import class_texts
from gate.engine.metrics import METRICS, Task
from gate.engine.slice_bins import cut_column
from gate.engine.slices import Outcomes, Rule, Search, search
from gate.inputs.class_outputs import column_classes
from gate.inputs.data import Dataset
from gate.inputs.predictions import column_predictions, matches, numeric_column
from gate.policy.model import CheckSpec
from gate.policy.slices_options import SliceOptions
from gate.results import CheckResult, Status, fmt
from gate.wording import group_name

WHAT = "a slices check"
SHOWN_FEATURES = 4  # features whose bins a message spells out (report.json lists them all)

#: share metric -> (the rows it is a share of, the rows it counts), on truth y and prediction p
SHARES = {
    "accuracy": (lambda y, p: np.ones_like(y), lambda y, p: y == p),
    "selection_rate": (lambda y, p: np.ones_like(y), lambda y, p: p),
    "precision": (lambda y, p: p, lambda y, p: y),
    "recall": (lambda y, p: y, lambda y, p: p),
    "true_positive_rate": (lambda y, p: y, lambda y, p: p),
    "true_negative_rate": (lambda y, p: ~y, lambda y, p: ~p),
    "false_positive_rate": (lambda y, p: ~y, lambda y, p: p),
    "false_negative_rate": (lambda y, p: y, lambda y, p: ~p),
}
#: mean per-row errors (rmse is tested as mse and shown as its root); mape as scikit-learn's
ERRORS = {
    "mae": lambda y, p: np.abs(y - p),
    "mse": lambda y, p: (y - p) ** 2,
    "rmse": lambda y, p: (y - p) ** 2,
    "mape": lambda y, p: np.abs(y - p) / np.maximum(np.abs(y), np.finfo(np.float64).eps),
}


def evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Search the slices of the probed rows and judge the reported ones."""
    opts = spec.slices
    assert opts is not None and spec.metric is not None
    common = identity(spec) | {"metric": spec.metric, "threshold": spec.threshold}
    common |= fields(spec, METRICS[spec.metric], ctx.task)  # multiclass: which class
    try:
        sample = ctx.sample_rows(WHAT)
        rows = _probed(sample, opts, ctx.seed, spec.id)
        features = _features(opts, ctx, rows)
        out = _outcomes(spec, rows, ctx)
    except CheckUnavailable as exc:
        return CheckResult(status=Status.ERROR, message=str(exc), **common)
    rule, overall = _rule(spec, opts, out)
    cuts = [cut_column(f, rows[f], opts.bins, opts.min_size) for f in features]
    finer = [b for c in cuts for b in c.finer]
    found = search([c.coarse for c in cuts], out, rule, opts.depth, opts.min_size, opts.fdr, finer)
    drawn = {"rows": len(rows), "of": len(sample), "seed": ctx.seed}
    searched = [c.searched() for c in cuts]
    return CheckResult(
        status=_status(found, spec),
        value=found.reported[0]["value"] if found.reported else None,
        message=_message(spec, opts, found, overall, searched, len(rows)),
        n=len(rows),
        slices=tuple(found.reported[: opts.max_reported]),
        sample=drawn
        | {"slices_tested": found.tested, "slices_reported": len(found.reported)}
        | {"searched": searched},
        **common,
    )


def _probed(sample: pd.DataFrame, opts: SliceOptions, seed: int, check_id: str) -> pd.DataFrame:
    """The whole sample, or `sample_rows` of it drawn with the run's seed and the check id
    (two checks draw differently; a rerun draws the same)."""
    if opts.sample_rows is None or opts.sample_rows >= len(sample):
        return sample
    rng = np.random.default_rng([seed, zlib.crc32(check_id.encode())])
    keep = np.sort(rng.choice(len(sample), opts.sample_rows, replace=False))
    return sample.iloc[keep].reset_index(drop=True)


def _features(opts: SliceOptions, ctx: CheckContext, rows: pd.DataFrame) -> tuple[str, ...]:
    features = opts.features or ctx.model_features
    if not features:
        raise CheckUnavailable(
            "the columns to slice on are unknown (no model inputs): name them with "
            "'features:' in the check, or data.features"
        )
    missing = [f for f in features if f not in rows.columns]
    if missing:
        many = "s" * (len(missing) > 1)
        raise CheckUnavailable(f"column{many} to slice on not in the data: {', '.join(missing)}")
    return tuple(features)


def _outcomes(spec: CheckSpec, rows: pd.DataFrame, ctx: CheckContext) -> Outcomes:
    """What the metric reads of each probed row: the label against the prediction."""
    b, metric = ctx.binding, spec.metric
    assert metric is not None
    if not b.label:
        raise CheckUnavailable(f"{WHAT} compares predictions with labels: bind data.label")
    if b.weight:
        raise CheckUnavailable(
            f"{WHAT} counts rows (its tests are exact binomial or t tests on unweighted rows), "
            f"and rows are weighted by column '{b.weight}' (data.weight): weighted slices are "
            "not supported; run the slices check with a policy that binds no weight"
        )
    data = Dataset("<rows probed by a slices check>", "", rows)
    if ctx.task is Task.MULTICLASS:
        return _class_outcomes(spec, data, ctx)
    if "candidate" in ctx.has_model:
        predicted = ctx.model_outputs("candidate", rows, WHAT).labels
    else:
        predicted = column_predictions(data, b.score, b.prediction, b, ctx.task).labels
    if ctx.task is Task.REGRESSION:
        y = numeric_column(data, b.label, "label")
        errors = ERRORS[metric](y, np.asarray(predicted, dtype=float))
        return Outcomes(np.ones(len(rows)), errors, mean=True)
    y = matches(rows[b.label], b.positive_label)
    p = np.asarray(predicted) == 1
    support, hits = SHARES[metric]
    return Outcomes(support(y, p).astype(float), hits(y, p).astype(float))


def _class_outcomes(spec: CheckSpec, data: Dataset, ctx: CheckContext) -> Outcomes:
    """Multiclass: a row is right when its predicted class is its label's (accuracy); with
    `class:`, the metric of that class against the rest, as a binary share."""
    b, rows = ctx.binding, data.frame
    if "candidate" in ctx.has_model:
        out = ctx.model_outputs("candidate", rows, WHAT)
        labels, classes = out.labels, out.classes
    else:
        got = column_classes(data, b.prediction, b.scores)
        labels, classes = got.labels, got.classes
    assert classes is not None and b.label is not None
    truth = class_texts(rows[b.label].to_numpy())  # classes are compared as the pass does
    predicted = np.asarray(classes, dtype=object)[np.asarray(labels)].astype(str)
    if spec.of_class is None:
        return Outcomes(np.ones(len(rows)), (truth == predicted).astype(float))
    if spec.of_class not in set(truth) | set(classes):
        raise CheckUnavailable(
            f"class {spec.of_class!r} (class:) occurs neither in the label '{b.label}' nor in "
            f"the classes of the predictions ({', '.join(classes)})"
        )
    y, p = truth == spec.of_class, predicted == spec.of_class
    support, hits = SHARES[spec.metric or "accuracy"]
    return Outcomes(support(y, p).astype(float), hits(y, p).astype(float))


def _rule(spec: CheckSpec, opts: SliceOptions, out: Outcomes) -> tuple[Rule, float]:
    """The threshold a slice is tested against (on the tested scale) and the overall value."""
    root = spec.metric == "rmse"
    scale = (lambda v: v * v) if root else (lambda v: v)
    overall = out.overall()
    shown = float(np.sqrt(overall)) if root else overall
    if opts.max_gap is not None:
        worse = "low" if METRICS[spec.metric].greater_is_better else "high"
        bound = shown - opts.max_gap if worse == "low" else shown + opts.max_gap
    else:
        worse = "low" if spec.min is not None else "high"
        bound = spec.min if spec.min is not None else spec.max
    assert bound is not None
    threshold = scale(max(bound, 0.0))
    if not out.mean:
        threshold = min(threshold, 1.0)
    return Rule(threshold, worse, root), shown


def _status(found: Search, spec: CheckSpec) -> Status:
    if found.reported:
        return apply_severity(Status.FAIL, spec.severity)
    return Status.PASS if found.tested else Status.INCONCLUSIVE


def _condition(spec: CheckSpec, opts: SliceOptions, overall: float) -> str:
    metric = spec.metric if spec.of_class is None else f"{spec.metric} (class {spec.of_class})"
    if opts.max_gap is not None:
        return (
            f"{metric} worse than overall {fmt(overall)} by more than max_gap {fmt(opts.max_gap)}"
        )
    if spec.min is not None:
        return f"{metric} below min {fmt(spec.min)}"
    return f"{metric} above max {fmt(spec.max or 0.0)}"


def _message(
    spec: CheckSpec,
    opts: SliceOptions,
    found: Search,
    overall: float,
    searched: list[dict[str, Any]],
    rows: int,
) -> str:
    how = (
        f"slices of at least {opts.min_size} rows over {len(searched)} feature(s), depth "
        f"{opts.depth}, {rows} rows probed"
    )
    return f"{_verdict(spec, opts, found, overall, how)}; searched: {searched_text(searched)}"


def _verdict(spec: CheckSpec, opts: SliceOptions, found: Search, overall: float, how: str) -> str:
    condition = _condition(spec, opts, overall)
    if not found.tested:
        return f"no slice could be tested ({how}): lower min_size or give more rows"
    if not found.reported:
        noise = (
            f"; {found.beyond} slice(s) are past the bound by their point value alone, "
            "not significantly"
            if found.beyond
            else ""
        )
        return f"no slice has {condition} at FDR {fmt(opts.fdr)} ({found.tested} {how}){noise}"
    return (
        f"{len(found.reported)} of {found.tested} {how} have {condition} at FDR "
        f"{fmt(opts.fdr)}; weakest: {describe(found.reported[0])}"
    )


def searched_text(searched: list[dict[str, Any]]) -> str:
    """'age in 5/10/20 quantile bins (pairs on 5); state: 13 values on their own, 7 values
    of fewer rows (450 rows) pooled as other'."""
    parts = []
    for s in searched[:SHOWN_FEATURES]:
        if s["kind"] == "numeric":
            levels = "/".join(str(k) for k in s["quantile_bins"])
            ones = s.get("value_bins")
            each = ""
            if ones:
                each = f", {ones['bins']} bins of one value over {ones['values']} values"
            parts.append(
                f"{s['feature']} in {levels} quantile bins{each} (pairs on {s['pairs_on']})"
            )
            continue
        part = f"{s['feature']}: {s['own_slices']} value(s) on their own"
        if "pooled" in s:
            pool = s["pooled"]
            part += (
                f", {pool['values']} value(s) of fewer rows ({pool['rows']} rows) pooled as "
                f"{pool['as']!r}"
            )
        parts.append(part)
    if len(searched) > SHOWN_FEATURES:
        parts.append(f"{len(searched) - SHOWN_FEATURES} more feature(s) in sample.searched")
    return "; ".join(parts)


def describe(entry: dict[str, Any]) -> str:
    """'sex=F & age=[30, 40): 0.52 [0.45, 0.59] (n=312, q=0.0001)'."""
    lo, hi = entry["ci"]
    return (
        f"{group_name(entry['slice'])}: {fmt(entry['value'])} [{fmt(lo)}, {fmt(hi)}] "
        f"(n={entry['n']}, q={entry['q_value']:.2g})"
    )
