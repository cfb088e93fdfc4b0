"""What an importance check reads of a multiclass model: its metric (scikit-learn's multiclass
metric on class indices or (rows, classes) probabilities, averaged as the check's `average:`)
and the label as indices into the model's classes, bound as the pass binds them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gate.checks.base import CheckContext, CheckUnavailable
from gate.checks.multiclass import average
from gate.engine.class_names import class_codes
from gate.engine.importance_classes import DEFAULT, METRICS, ClassMetric
from gate.engine.metrics import METRICS as ALL
from gate.policy.model import CheckSpec


def class_metric(spec: CheckSpec, ctx: CheckContext, rows: pd.DataFrame, what: str) -> ClassMetric:
    """The check's metric (default: log_loss when the model gives probabilities, else
    accuracy) over the candidate's classes."""
    out = ctx.model_outputs("candidate", rows.iloc[:1], what)
    assert out.classes is not None  # a multiclass model's outputs name their classes
    name = spec.metric or DEFAULT[out.scores is None]
    if name not in METRICS:
        raise CheckUnavailable(
            f"{what}: {name} is not a multiclass metric; take one of {', '.join(METRICS)}"
        )
    return ClassMetric(name, len(out.classes), average(spec, ALL[name]))


def class_truth(ctx: CheckContext, rows: pd.DataFrame, which: str, label: str, what: str):
    """The label of each row as the index of its class among `which` model's classes."""
    classes = ctx.model_outputs(which, rows.iloc[:1], what).classes
    assert classes is not None
    if which != "candidate":
        theirs = ctx.model_outputs("candidate", rows.iloc[:1], what).classes
        if classes != theirs:
            raise CheckUnavailable(
                f"{what}: the {which} model's classes ({', '.join(classes)}) are not the "
                f"candidate's ({', '.join(theirs or ())}): one metric cannot score both"
            )
    codes = class_codes(rows[label].to_numpy(dtype=object), classes)
    if (codes < 0).any():
        unknown = pd.unique(rows[label][codes < 0].astype(str))[:5]
        raise CheckUnavailable(
            f"{what}: label column '{label}' has {', '.join(map(repr, unknown))}, which the "
            f"{which} model does not know (its classes: {', '.join(classes)})"
        )
    return codes.astype(np.int64)
