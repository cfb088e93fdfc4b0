"""One batch of data into a profile: bind the columns, call the model, count into cells.

Every backend runs exactly this function on its batches (the local one in a loop, the Dask
one on each partition) and adds the results, so a run's numbers do not depend on the backend.
What a plan adds beyond counts and column profiles comes from the same bound arrays: row hashes
of the key columns (every column but the bound roles), the candidate's outputs as columns (no
second model call), and column profiles per group cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from gate.engine.columns import ColumnProfile, profile_column, profile_columns
from gate.engine.confusion import ConfusionCells
from gate.engine.groups import Grouping, group_columns
from gate.engine.metrics import Task
from gate.engine.profile import Parts, Profile
from gate.engine.row_hashes import RowHashes
from gate.engine.sample import RowSample
from gate.errors import InputError
from gate.inputs.binding import EvalData, bind, group_text, predictions
from gate.inputs.data import Dataset, require_unique_columns
from gate.inputs.models import LoadedModel
from gate.inputs.predictions import Predictions, require_columns
from gate.policy.model import DataBinding
from gate.policy.suggest import did_you_mean


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
    hash_columns: bool = False  # row hashes of the key columns and the label
    output_columns: bool = False  # the candidate's outputs profiled as columns (even unlabelled)
    group_columns: tuple[str, ...] = ()  # columns profiled per group cell; ALL: every key column
    paired: tuple[str, ...] = ()  # joint parts of the candidate and the baseline to build
    #: (column, where the policy names it): columns behaviour checks name, required in the data
    named_columns: tuple[tuple[str, str, bool], ...] = ()

    def key_columns(self, columns: list[str]) -> list[str]:
        """Of the data's columns, those that are not a bound role (label, outputs, weight)."""
        b = self.binding
        roles = {b.label, b.score, b.prediction, b.baseline_score, b.baseline_prediction, b.weight}
        roles |= {column for _, column in b.scores}
        return [c for c in columns if c not in roles]


ALL = "*"  # group_columns=(ALL,): every key column but the group features


def profile_batch(plan: Plan, data: Dataset) -> Profile:
    """The profile of one batch; InputError (naming file, column and rows) on bad data."""
    names = data.table.schema.names if data.table is not None else list(map(str, data.frame))
    require_unique_columns(names, data.what)
    require_columns(data, list(plan.features), "sensitive")
    require_named(data, names, plan.named_columns)
    ev = bind(plan.binding, plan.task, data, plan.model, plan.baseline, plan.needs_truth)
    if plan.output_columns and ev.y_true is None:
        ev = replace(ev, candidate=predictions(plan.binding, plan.task, data, plan.model))
    texts = [group_text(data, f) for f in plan.features]
    return profile_bound(
        ev,
        plan.features,
        texts,
        plan.sample_columns,
        data.offset,
        plan.meta,
        _columns(data),
        plan=plan,
        table=data.table,
        what=data.what,
    )


def require_named(
    data: Dataset, names: list[str], named: tuple[tuple[str, str, bool], ...]
) -> None:
    """InputError naming every column a check names that the data lacks, unless an encoding
    may stand in for it and columns named like one exist ('sex_M', 'sex=F': the importance
    check itself says what to do)."""
    lacking = []
    for column, where, stands_in in named:
        looks = [n for n in names if n.startswith((f"{column}_", f"{column}="))]
        if column in names or (stands_in and looks):
            continue
        hint = did_you_mean(column, names).lstrip("; ")
        if looks:
            hint = (
                f"it holds {', '.join(looks[:4])}: this check sets or reads the column itself, "
                "so the data needs it beside its encoding"
            )
        lacking.append(
            f"{where} names column '{column}', which {data.what} lacks"
            + (f" ({hint})" if hint else "")
        )
    if lacking:
        raise InputError("; ".join(lacking))


def _columns(data: Dataset) -> dict[str, Any]:
    """Every column's profile, from the Arrow batch when there is one (faster than pandas)."""
    try:
        return profile_columns(data.table if data.table is not None else data.frame)
    except ValueError as exc:
        raise InputError(f"{data.what}: {exc}") from None


def profile_bound(
    ev: EvalData,
    features: tuple[str, ...],
    texts: list[pd.Series] | None = None,
    sample_columns: tuple[str, ...] = (),
    offset: int = 0,
    meta: dict[str, Any] | None = None,
    columns: dict[str, Any] | None = None,
    *,
    plan: Plan | None = None,
    table: pa.RecordBatch | None = None,
    what: str = "the data",
) -> Profile:
    """The profile of bound rows (`texts`: the sensitive columns as text; default: from the
    frame). The in-memory path: a batch of a file, or data handed over in Python. `plan`: its
    hash_columns, output_columns and group_columns settings (its binding names the roles);
    `table`: the same rows as Arrow, read instead of the frame where it can be."""
    frame = ev.frame
    if texts is None:
        texts = [frame[f].astype("string") for f in features]
    grouping = group_columns(texts, features, len(frame), ev.unknown)
    codes, size = grouping.codes, grouping.size
    present = [c for c in sample_columns if c in frame.columns]
    sample = RowSample.from_rows(frame[present], offset) if present else None
    outputs = (
        (_parts(ev, ev.candidate, codes, size), _parts(ev, ev.baseline, codes, size))
        if ev.y_true is not None
        else (None, None)
    )
    paired = plan.paired if plan is not None and ev.task is Task.BINARY else ()
    if paired and outputs[0] is not None and outputs[1] is not None:
        outputs[0].update(_joint(ev, codes, size, paired))
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
        **(_extras(plan, ev, table, grouping, what) if plan is not None else {}),
    )


def _extras(
    plan: Plan, ev: EvalData, table: pa.RecordBatch | None, grouping: Grouping, what: str
) -> dict[str, Any]:
    """The hashes, output columns and per-group columns `plan` asks for."""
    rows = table if table is not None else ev.frame
    names = [str(c) for c in ev.frame.columns]
    keys = plan.key_columns(names)
    out: dict[str, Any] = {}
    try:
        if plan.hash_columns:
            label = plan.binding.label if plan.binding.label in names else None
            out["hashes"] = RowHashes.from_table(rows, keys, label)
        if plan.output_columns:
            out["outputs"] = _outputs(ev.candidate)
        if plan.group_columns:
            chosen = _chosen(plan, keys, names, what)
            out["group_columns"] = _per_group(rows, chosen, grouping)
    except ValueError as exc:
        raise InputError(f"{what}: {exc}") from None
    return out


def _outputs(preds: Predictions) -> dict[str, ColumnProfile]:
    """The candidate's score (when it has one) and prediction, profiled as columns."""
    out = {}
    if preds.classes is not None and preds.labels is not None:  # multiclass: the class names
        predicted = np.asarray(preds.classes, dtype=object)[preds.labels]
        return {"prediction": profile_column("prediction", pd.Series(predicted, dtype=object))}
    if preds.scores is not None:
        out["score"] = profile_column("score", preds.scores)
    if preds.labels is not None:
        out["prediction"] = profile_column("prediction", preds.labels)
    return out


def _chosen(plan: Plan, keys: list[str], names: list[str], what: str) -> list[str]:
    if ALL in plan.group_columns:
        return [k for k in keys if k not in plan.features]
    missing = [c for c in plan.group_columns if c not in names]
    if missing:
        raise InputError(
            f"{what} has no column {', '.join(map(repr, missing))} to profile by group"
        )
    return list(dict.fromkeys(plan.group_columns))


def _per_group(
    rows: pa.RecordBatch | pd.DataFrame, chosen: list[str], grouping: Grouping
) -> tuple[dict[str, ColumnProfile], ...]:
    """The column profiles of `chosen` in each group cell, rows taken group by group."""
    if grouping.size == 0:
        return ()
    order = np.argsort(grouping.codes, kind="stable")
    ends = np.searchsorted(grouping.codes[order], np.arange(1, grouping.size + 1))
    if isinstance(rows, pd.DataFrame):
        cells = rows[chosen].iloc[order]
        parts = np.split(np.arange(len(order)), ends[:-1])
        return tuple(profile_columns(cells.iloc[p]) for p in parts)
    taken = rows.select(chosen).take(pa.array(order))
    starts = np.r_[0, ends[:-1]]
    return tuple(
        profile_columns(taken.slice(int(a), int(b - a))) for a, b in zip(starts, ends, strict=True)
    )


def _joint(ev: EvalData, codes: np.ndarray, size: int, names: tuple[str, ...]) -> Parts:
    """The paired comparison's parts `names`: rows per (group, truth, candidate, baseline
    prediction), and per both models' score bins (when both have scores)."""
    from gate.engine.paired import JointCells
    from gate.engine.paired_scores import JointScores

    c, b = ev.candidate, ev.baseline
    assert c is not None and b is not None
    args = (codes, ev.y_true)
    out: Parts = {}
    if "paired" in names:
        out["paired"] = JointCells.from_pairs(*args, c.labels, b.labels, ev.weight, size)
    if "paired_scores" in names and c.scores is not None and b.scores is not None:
        out["paired_scores"] = JointScores.from_rows(*args, c.scores, b.scores, ev.weight, size)
    return out


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
    if ev.task is Task.MULTICLASS:
        from gate.engine.multiclass import class_parts

        assert preds.classes is not None and ev.y_true is not None
        labelled = ev.y_true.dtype == object  # text labels; no label bound: zeros
        scores = preds.scores if labelled else None
        args = (ev.y_true, preds.classes, preds.labels, scores, ev.weight, size)
        return class_parts(codes, *args)
    parts["confusion"] = ConfusionCells.from_rows(codes, ev.y_true, preds.labels, ev.weight, size)
    if preds.scores is not None:
        from gate.engine.scores import ScoreCells

        parts["scores"] = ScoreCells.from_rows(codes, ev.y_true, preds.scores, ev.weight, size)
    return parts
