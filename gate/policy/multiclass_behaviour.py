"""The rules of a behaviour check (slices, importance, robustness) on a multiclass model that
the schema cannot express: which metrics need `class:` and which keys need the multiclass task."""

from __future__ import annotations

from gate.engine import multiclass_metrics as mc
from gate.policy.slices_options import ERRORS
from gate.policy.sourced import Problems, Sourced

#: slices: the one share of all rows over every class (a row is right or wrong)
SLICE_OVERALL = ("accuracy",)
#: the behaviour check types that take `class:` (multiclass only)
TAKES_CLASS = ("slices", "robustness")
#: the behaviour check types that take `average:` (multiclass only)
TAKES_AVERAGE = ("importance",)


def behaviour_problems(s: Sourced, multiclass: bool, problems: Problems) -> None:
    """Append the multiclass rules `s` (a behaviour check) breaks."""
    given, cid, kind = s.value, s.value["id"], s.value.get("type")
    for key, types in (("class", TAKES_CLASS), ("average", TAKES_AVERAGE)):
        if key in given and not multiclass and kind in types:  # the schema refuses the rest
            message = f"check '{cid}': '{key}' needs data.task: multiclass_classification"
            problems.append((s.loc(key, key=True), message))
            return
    if multiclass and kind == "slices":
        _slice_rules(s, problems)
    if multiclass and kind == "robustness":
        _robustness_rules(s, problems)
    if multiclass and kind == "importance":
        if given.get("method", "permutation") != "shap":
            _importance_rules(s, problems)
        elif "average" in given:
            message = f"check '{cid}': 'average' applies to method: permutation (SHAP has none)"
            problems.append((s.loc("average", key=True), message))


def _slice_rules(s: Sourced, problems: Problems) -> None:
    """A multiclass slice is judged on accuracy, or on a share metric of one class."""
    cid, metric = s.value["id"], s.valid.get("metric")
    if metric is None or "class" in s.value or metric in SLICE_OVERALL:
        return
    if metric in ERRORS:
        message = (
            f"check '{cid}': {metric} is a regression error; a multiclass slice is judged on "
            "accuracy, or on a share metric of one class with 'class:'"
        )
    else:
        message = (
            f"check '{cid}': {metric} of a multiclass model is a share of one class's rows: "
            f"name the class with 'class: <label>' (that class against the rest); over all "
            f"classes: {', '.join(SLICE_OVERALL)}"
        )
    problems.append((s.loc("metric"), message))


def _importance_rules(s: Sourced, problems: Problems) -> None:
    """A multiclass permutation importance takes a multiclass metric, averaged as it can be."""
    cid, metric, given = s.value["id"], s.valid.get("metric"), s.value
    if metric is not None and metric not in mc.METRICS:
        message = (
            f"check '{cid}': {metric} is not a multiclass metric; a multiclass permutation "
            f"importance takes {', '.join(mc.METRICS)}"
        )
        problems.append((s.loc("metric"), message))
        return
    takes = mc.AVERAGES.get(metric or "", ())
    if "average" in given and given["average"] not in takes:
        message = (
            f"check '{cid}': {metric} takes average {' | '.join(takes)}, not {given['average']}"
            if takes
            else f"check '{cid}': {metric or 'the default metric'} takes no 'average'"
        )
        problems.append((s.loc("average"), message))


def _robustness_rules(s: Sourced, problems: Problems) -> None:
    """A monotonic feature of a multiclass model is monotone in one class's probability,
    named with `class:`; `class:` means nothing without one."""
    cid, given = s.value["id"], s.value
    features = given.get("features")
    monotone = [
        str(name)
        for name, rule in (features.items() if isinstance(features, dict) else ())
        if isinstance(rule, dict) and "monotonic" in rule
    ]
    if monotone and "class" not in given:
        message = (
            f"check '{cid}': monotonic {', '.join(monotone)} on a multiclass model needs "
            "'class: <label>': the class whose probability must be monotone"
        )
        problems.append((s.loc("features", monotone[0], "monotonic", key=True), message))
    elif "class" in given and not monotone:
        message = (
            f"check '{cid}': 'class' names the class a monotonic feature is judged on, and no "
            "feature is monotonic (flips and score changes cover every class)"
        )
        problems.append((s.loc("class", key=True), message))
