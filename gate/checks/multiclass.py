"""What a performance or fairness check reads of a multiclass model: the averaged metric from
the K x K cells and class probabilities, or, with `class:`, the binary parts of that class
against the rest (so every binary metric, rate and fairness comparison applies unchanged)."""

from __future__ import annotations

from gate.checks.base import CheckContext, CheckUnavailable
from gate.engine import measures
from gate.engine import multiclass_metrics as mc
from gate.engine.metrics import Input, Metric, Task
from gate.engine.profile import Parts
from gate.policy.model import CheckSpec


def outputs(spec: CheckSpec, ctx: CheckContext, metric: Metric, which: str = "candidate") -> Parts:
    """The parts the check's metric reads (CheckUnavailable when they are not there)."""
    if ctx.task is not Task.MULTICLASS:
        return ctx.require(metric, which)
    parts = ctx.outputs(which)
    if spec.of_class is not None:
        binary = class_parts(spec, ctx, which)
        if metric.input is Input.SCORE and "scores" not in binary:
            raise CheckUnavailable(_no_scores(metric.name, ctx, which))
        return binary
    if metric.input is Input.SCORE and "class_scores" not in parts:
        raise CheckUnavailable(_no_scores(metric.name, ctx, which))
    return parts


def class_parts(spec: CheckSpec, ctx: CheckContext, which: str = "candidate") -> Parts:
    """The outputs a check reads: for a multiclass model, the binary parts of the check's
    `class:` against the rest (CheckUnavailable when that class never occurs)."""
    parts = ctx.outputs(which)
    if ctx.task is not Task.MULTICLASS or spec.of_class is None:
        return parts
    classes = parts["classes"].classes if "classes" in parts else ()
    if spec.of_class not in classes:
        raise CheckUnavailable(
            f"class {spec.of_class!r} occurs neither in the label nor in the predictions "
            f"(classes: {', '.join(classes)})"
        )
    return mc.one_vs_rest(parts, spec.of_class)


def _no_scores(name: str, ctx: CheckContext, which: str) -> str:
    source = ctx.sources.get(which, which)
    return (
        f"{name} needs class probabilities, and {source} gives only labels (bind "
        "data.scores: {class: column}, or use a model with predict_proba)"
    )


def value(spec: CheckSpec, metric: Metric, parts: Parts) -> tuple[float, float]:
    """(value, error bound) of the metric on `parts` (averaged when multiclass)."""
    if "classes" in parts:
        if metric.name == "roc_auc":
            undefined = mc.undefined_classes(mc.class_scores(parts))
            if undefined:
                raise ValueError(
                    f"roc_auc (one-vs-rest) is undefined: class {', '.join(undefined)} has no "
                    "examples in the label (or every row is of it)"
                )
        return mc.value(metric.name, average(spec, metric), parts)
    return measures.value(metric, parts)


def bootstrap(spec: CheckSpec, metric: Metric, parts: Parts, resamples: int, seed: int):
    """The metric on each bootstrap resample (NaN where undefined)."""
    if "classes" in parts:
        return mc.bootstrap(metric.name, average(spec, metric), parts, resamples, seed)
    return measures.bootstrap(metric, parts, resamples, seed)


def average(spec: CheckSpec, metric: Metric) -> str | None:
    """The average a multiclass metric takes (None: it has none)."""
    if metric.name not in mc.AVERAGES:
        return None
    return spec.average or mc.DEFAULT_AVERAGE


def shown(spec: CheckSpec, metric: Metric, task: Task) -> str:
    """'f1 (macro)', 'recall (class virginica)', or the metric's name."""
    if task is not Task.MULTICLASS:
        return metric.name
    if spec.of_class is not None:
        return f"{metric.name} (class {spec.of_class})"
    how = average(spec, metric)
    return f"{metric.name} ({how})" if how else metric.name


def fields(spec: CheckSpec, metric: Metric, task: Task) -> dict[str, str]:
    """The CheckResult fields saying which average or class a multiclass check judged."""
    if task is not Task.MULTICLASS:
        return {}
    if spec.of_class is not None:
        return {"of_class": spec.of_class}
    how = average(spec, metric)
    return {"average": how} if how else {}
