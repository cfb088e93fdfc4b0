"""What a run requires before any data is read: a label when a check needs ground truth, a
model that fits the policy's task, classes (`class:`) it has, and unknown values that name a
sensitive feature."""

from __future__ import annotations

from collections.abc import Iterable

from gate.engine.class_names import sort_classes
from gate.engine.metrics import Task
from gate.errors import InputError, UsageError
from gate.inputs.models import LoadedModel
from gate.policy.model import CheckSpec, DataBinding
from gate.policy.schema import did_you_mean

#: metrics computed from the model's outputs alone (no ground truth)
TRUTH_FREE = frozenset(
    {
        "selection_rate",
        "scoring_rate",
        "mean_prediction",
        "demographic_parity_difference",
        "demographic_parity_ratio",
    }
)
#: data-quality rules that read the label column
LABEL_RULES = ("min_class_share", "max_conflicting_share")


def truth_needs(checks: tuple[CheckSpec, ...]) -> list[tuple[str, str]]:
    """(check id, metric or rule) of every check that needs ground truth (a label)."""
    out = []
    for check in checks:
        metrics = check.fairness.components if check.fairness else (check.metric,)
        if check.metric and not set(metrics) <= TRUTH_FREE:
            out.append((check.id, check.metric))
        for rule in LABEL_RULES if check.quality else ():
            if getattr(check.quality, rule) is not None:
                out.append((check.id, rule))
    return out


def require_truth(checks: tuple[CheckSpec, ...], binding: DataBinding) -> None:
    """InputError naming each check (and its metric) that needs a label when none is bound;
    with no such check, the run is an outcome-free audit and needs no label column."""
    if binding.label:
        return
    needing = truth_needs(checks)
    if needing:
        named = ", ".join(f"{check} ({metric})" for check, metric in needing)
        raise InputError(
            f"no label column: check{'s' if len(needing) > 1 else ''} {named} "
            f"need{'' if len(needing) > 1 else 's'} ground truth; set data.label in the policy "
            "or pass --label"
        )


def require_model_task(loaded: LoadedModel | None, task: Task) -> None:
    """InputError when a model cannot serve the policy's task: a classifier under regression,
    a regressor under (binary or multiclass) classification, or a classifier of more than two
    classes under binary classification. An ONNX model says what it is
    through its graph (`found` names where); models that do not say (plain objects, ONNX
    graphs without a sign) are judged by their outputs."""
    if loaded is None:
        return
    kind = getattr(loaded.model, "kind", None)
    classes = getattr(loaded.model, "classes", None)
    count = getattr(loaded.model, "class_count", None) or (len(classes) if classes else None)
    found = getattr(loaded.model, "found", "")
    shown = f" (classes {', '.join(classes)})" if classes else f" ({found})" if found else ""
    if task is Task.REGRESSION and kind == "classifier":
        raise InputError(
            f"{loaded.what} is a classifier{shown}, but the policy's task is regression: "
            "set data.task: binary_classification, or give a regressor"
        )
    if task is Task.BINARY and kind == "regressor":
        raise InputError(
            f"{loaded.what} is a regressor{f' ({found})' if found else ''}, but the policy's "
            "task is binary_classification: set data.task: regression, or give a classifier"
        )
    if task is Task.MULTICLASS and kind == "regressor":
        raise InputError(
            f"{loaded.what} is a regressor{f' ({found})' if found else ''}, but the policy's "
            "task is multiclass_classification: set data.task: regression, or give a classifier"
        )
    if task is Task.BINARY and count is not None and count != 2:
        raise InputError(
            f"{loaded.what} is a classifier of {count} classes{shown}; "
            "binary_classification needs a model of two classes: for more, set "
            "data.task: multiclass_classification"
        )


def require_unknown_features(binding: DataBinding, features: tuple[str, ...]) -> None:
    """InputError when data.unknown_values names a feature no check groups by (a typo would
    silently count nothing as unknown)."""
    for feature, _ in binding.unknown_values:
        if feature != "*" and feature not in features:
            known = ", ".join(features) or "none"
            raise InputError(
                f"data.unknown_values names '{feature}', which is not a sensitive feature "
                f"(these are: {known}){did_you_mean(feature, list(features))}"
            )


def require_multiclass_binding(binding: DataBinding, task: Task) -> None:
    """UsageError when a flag set what a multiclass run has no use for (the policy's own keys
    are refused when it is loaded): a threshold, a positive label, a single score column."""
    if task is not Task.MULTICLASS:
        return
    given = {
        "--threshold": binding.threshold != DataBinding.threshold,
        "--positive-label": binding.positive_label != DataBinding.positive_label,
        "--score": bool(binding.score),
    }
    named = [flag for flag, set_ in given.items() if set_]
    if named:
        raise UsageError(
            f"{', '.join(named)} do{'es' if len(named) == 1 else ''} not apply to "
            "multiclass_classification: a decision is the arg-max class, and each class's "
            "probability column is bound in the policy with data.scores: {class: column}"
        )


def require_known_classes(
    checks: Iterable[CheckSpec], loaded: LoadedModel | None, binding: DataBinding, task: Task
) -> None:
    """InputError when a check's `class:` is none of the classes the outputs can have, when
    they are known before the pass: the model's classes_, or the keys of data.scores. (A
    class the model knows but the data lacks is left to the check.)"""
    if task is not Task.MULTICLASS:
        return
    classes = getattr(loaded.model, "classes", None) if loaded is not None else None
    source = loaded.what if loaded is not None else "data.scores"
    if not classes and loaded is None and binding.scores:
        classes = [c for c, _ in binding.scores]
    if not classes:
        return
    known = sort_classes(classes)
    wrong = [c for c in checks if c.of_class is not None and c.of_class not in known]
    if wrong:
        raise InputError(
            "; ".join(
                f"{c.location}: check '{c.id}' class: {c.of_class!r} is not one of the "
                f"classes of {source} ({', '.join(known)})"
                for c in wrong
            )
        )
