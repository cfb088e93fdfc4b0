"""The rules of a multiclass policy the schema cannot express: which keys apply, which metrics
need `class:`, which averages a metric takes, and what multiclass does not support."""

from __future__ import annotations

from gate.engine import multiclass_metrics as mc
from gate.policy.model import BEHAVIOUR
from gate.policy.multiclass_behaviour import behaviour_problems
from gate.policy.sourced import Merged, Problems, Sourced

MULTICLASS = "multiclass_classification"
#: data keys of binary classification that mean nothing for a multiclass model
BINARY_DATA = {
    "threshold": "a decision is the arg-max class, as scikit-learn's predict",
    "positive_label": "no class is the positive one; name a class per check with 'class:'",
    "score": "bind each class's probability column with data.scores: {class: column}",
    "baseline_score": "baseline columns are not supported for multiclass; pass --baseline-model",
    "baseline_prediction": "baseline columns are not supported for multiclass; pass "
    "--baseline-model",
}


def multiclass_problems(task: str | None, merged: Merged, problems: Problems) -> None:
    """Append every multiclass rule broken (or multiclass key used without the task)."""
    multiclass = task == MULTICLASS
    for key, why in BINARY_DATA.items():
        if multiclass and key in merged.data:
            message = f"data.{key} does not apply to data.task: {MULTICLASS}: {why}"
            problems.append((merged.data[key].loc(), message))
    if "scores" in merged.data and not multiclass:
        message = f"data.scores (per-class probability columns) needs data.task: {MULTICLASS}"
        problems.append((merged.data["scores"].loc(), message))
    for s in merged.checks.values():
        if s.value.get("type") in BEHAVIOUR:
            behaviour_problems(s, multiclass, problems)
            continue
        if s.value.get("type") not in ("performance", "fairness"):
            continue
        if not multiclass:
            for key in ("average", "class"):
                if key in s.value:
                    message = f"check '{s.value['id']}': '{key}' needs data.task: {MULTICLASS}"
                    problems.append((s.loc(key, key=True), message))
            continue
        _check_rules(s, problems)


def _check_rules(s: Sourced, problems: Problems) -> None:
    given, cid, metric = s.value, s.value["id"], s.valid.get("metric")
    if metric is None:
        return
    base = given.get("baseline")
    if isinstance(base, dict) and ("confidence" in base or given["type"] == "fairness"):
        message = (
            f"check '{cid}': a multiclass model has no paired comparison with the baseline "
            "(no joint cells of two multiclass models); drop 'confidence' to compare point values"
        )
        if given["type"] == "fairness":
            message = f"check '{cid}': a fairness 'baseline' is not supported for multiclass"
        problems.append((s.loc("baseline", key=True), message))
    if "class" in given:
        if "average" in given:
            message = f"check '{cid}': give 'class' (one class) or 'average', not both"
            problems.append((s.loc("average", key=True), message))
        return
    if given["type"] == "fairness":
        message = (
            f"check '{cid}': {metric} of a multiclass model is a rate of one class: name it "
            "with 'class: <label>' (e.g. selection_rate of that class per group)"
        )
        problems.append((s.loc(), message))
        return
    if metric not in mc.METRICS:
        message = (
            f"check '{cid}': {metric} of a multiclass model needs 'class: <label>' (that class "
            f"against the rest); over all classes: {', '.join(mc.METRICS)}"
        )
        problems.append((s.loc("metric"), message))
        return
    average = given.get("average")
    if average is not None and average not in mc.AVERAGES.get(metric, ()):
        takes = mc.AVERAGES.get(metric)
        message = (
            f"check '{cid}': {metric} takes average {' | '.join(takes)}, not {average}"
            if takes
            else f"check '{cid}': {metric} takes no 'average' (it is one number over all classes)"
        )
        problems.append((s.loc("average"), message))
    if metric == "roc_auc" and "confidence" in given:
        message = (
            f"check '{cid}': averaged one-vs-rest roc_auc has no interval (its per-class curves "
            "are not resampled jointly); drop 'confidence', or judge one class with 'class:'"
        )
        problems.append((s.loc("confidence", key=True), message))
