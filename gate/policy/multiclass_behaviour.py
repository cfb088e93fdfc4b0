"""The rules of a behaviour check (slices, importance, robustness) on a multiclass model that
the schema cannot express: which metrics need `class:` and which keys need the multiclass task."""

from __future__ import annotations

from gate.policy.slices_options import ERRORS
from gate.policy.sourced import Problems, Sourced

#: slices: the one share of all rows over every class (a row is right or wrong)
SLICE_OVERALL = ("accuracy",)
#: the behaviour check types that take `class:` (multiclass only)
TAKES_CLASS = ("slices",)


def behaviour_problems(s: Sourced, multiclass: bool, problems: Problems) -> None:
    """Append the multiclass rules `s` (a behaviour check) breaks."""
    given, cid, kind = s.value, s.value["id"], s.value.get("type")
    if "class" in given and (not multiclass or kind not in TAKES_CLASS):
        message = f"check '{cid}': 'class' needs data.task: multiclass_classification"
        problems.append((s.loc("class", key=True), message))
        return
    if multiclass and kind == "slices":
        _slice_rules(s, problems)


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
