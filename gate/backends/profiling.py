"""One batch of data into a profile: bind the columns, call the model, count into cells.

Every backend runs exactly this function on its batches (the local one in a loop, the Dask
one on each partition) and adds the results, so a run's numbers do not depend on the backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gate.engine.columns import profile_columns
from gate.engine.confusion import ConfusionCells
from gate.engine.groups import group_columns
from gate.engine.metrics import Task
from gate.engine.profile import Parts, Profile
from gate.engine.sample import RowSample
from gate.errors import InputError
from gate.inputs.binding import EvalData, Predictions, bind, group_text, require_columns
from gate.inputs.data import Dataset
from gate.inputs.models import LoadedModel
from gate.policy.model import DataBinding


@dataclass(frozen=True)
class Plan:
    """What one pass computes: the binding, the models, the group features, sampled columns."""

    binding: DataBinding
    task: Task
    model: LoadedModel | None = None
    baseline: LoadedModel | None = None
    needs_truth: bool = True
    features: tuple[str, ...] = ()  # the sensitive features whose cells key the statistics
    sample_columns: tuple[str, ...] = ()  # columns of the row sample (empty: no sample)
    meta: dict[str, Any] = field(default_factory=dict)


def profile_batch(plan: Plan, data: Dataset) -> Profile:
    """The profile of one batch; InputError (naming file, column and rows) on bad data."""
    require_columns(data, list(plan.features), "sensitive")
    ev = bind(plan.binding, plan.task, data, plan.model, plan.baseline, plan.needs_truth)
    texts = [group_text(data, f) for f in plan.features]
    return profile_bound(
        ev, plan.features, texts, plan.sample_columns, data.offset, plan.meta, _columns(data)
    )


def _columns(data: Dataset) -> dict[str, Any]:
    """Every column's profile, from the Arrow batch when there is one (faster than pandas)."""
    try:
        return profile_columns(data.table if data.table is not None else data.frame)
    except ValueError as exc:
        raise InputError(f"data file {data.path}: {exc}") from None


def profile_bound(
    ev: EvalData,
    features: tuple[str, ...],
    texts: list[pd.Series] | None = None,
    sample_columns: tuple[str, ...] = (),
    offset: int = 0,
    meta: dict[str, Any] | None = None,
    columns: dict[str, Any] | None = None,
) -> Profile:
    """The profile of bound rows (`texts`: the sensitive columns as text; default: from the
    frame). The in-memory path: a batch of a file, or data handed over in Python."""
    frame = ev.frame
    if texts is None:
        texts = [frame[f].astype("string") for f in features]
    grouping = group_columns(texts, features, len(frame))
    codes, size = grouping.codes, grouping.size
    present = [c for c in sample_columns if c in frame.columns]
    sample = RowSample.from_rows(frame[present], offset) if present else None
    outputs = (
        (_parts(ev, ev.candidate, codes, size), _parts(ev, ev.baseline, codes, size))
        if ev.y_true is not None
        else (None, None)
    )
    return Profile(
        columns=profile_columns(frame) if columns is None else columns,
        task=ev.task.value,
        features=features,
        groups=grouping.labels,
        group_rows=np.bincount(codes, minlength=size).astype(np.int64),
        candidate=outputs[0],
        baseline=outputs[1],
        classes=ev.classes,
        meta=meta or {},
        sample=sample,
    )


def _parts(ev: EvalData, preds: Predictions | None, codes: np.ndarray, size: int) -> Parts | None:
    if preds is None:
        return None
    parts: Parts = {}
    if ev.task is Task.REGRESSION:
        from gate.engine.regression import RegressionCells

        parts["regression"] = RegressionCells.from_rows(
            codes, ev.y_true, preds.labels, ev.weight, size
        )
        return parts
    parts["confusion"] = ConfusionCells.from_rows(codes, ev.y_true, preds.labels, ev.weight, size)
    if preds.scores is not None:
        from gate.engine.scores import ScoreCells

        parts["scores"] = ScoreCells.from_rows(codes, ev.y_true, preds.scores, ev.weight, size)
    return parts
