"""Per group of a fairness check: whether the group's labelled rows hold the rows each of its
metrics is a share of (positives for true / false negative rate, negatives for false positive
/ true negative rate, predicted positives for precision...), for the candidate and, in a
`baseline:` comparison, for the live model.

In a rollout such a group is a shortfall (exit 4: its rare outcomes arrive later), as one
class overall is; `model-gate check` keeps judging it an error. The groups, and the groups
the check leaves out (below min_group_size or min_group_share, `exclude`, a missing value
with exclude_missing, a group waiver in force), are the fairness engine's own
(gate/engine/fairness_groups.py), and what a rate is a share of is the engine's RATE_ROWS.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gate.checks.fairness import engine_spec
from gate.engine import fairness
from gate.engine.group_metrics import RATE_ROWS
from gate.engine.groups import group_rows
from gate.engine.stats import ConfusionStats
from gate.inputs.predictions import matches
from gate.policy.model import CheckSpec, Policy
from gate.wording import group_name


@dataclass(frozen=True)
class Outputs:
    """The bound columns of the joined rows: label, candidate's and live model's outputs."""

    label: str
    score: str | None
    prediction: str | None
    live_score: str | None = None
    live_prediction: str | None = None


def lacking_classes(policy: Policy, rows: pd.DataFrame, cols: Outputs, today: dt.date) -> list[str]:
    """A reason per (check, group, metric, model) whose rate is a share of no rows."""
    if rows.empty or cols.label not in rows.columns:
        return []
    y = matches(rows[cols.label], policy.data.positive_label).astype(float)
    weight = _weights(policy, rows)
    models = [("candidate", _decisions(policy, rows, cols.score, cols.prediction))]
    out = []
    for spec in policy.checks:
        if spec.fairness is None or not set(spec.fairness.components) & set(RATE_ROWS):
            continue
        judged = models
        live = _decisions(policy, rows, cols.live_score, cols.live_prediction)
        if spec.baseline is not None and live is not None:
            judged = [*models, ("live model", live)]
        out += _check(spec, policy, rows, y, weight, judged, today)
    return out


def _weights(policy: Policy, rows: pd.DataFrame) -> np.ndarray:
    name = policy.data.weight
    if name and name in rows.columns:
        return pd.to_numeric(rows[name], errors="coerce").fillna(0).to_numpy(dtype=float)
    return np.ones(len(rows))


def _decisions(
    policy: Policy, rows: pd.DataFrame, score: str | None, prediction: str | None
) -> np.ndarray | None:
    """1 where the model predicted the positive label, as the data binding decides it."""
    if prediction and prediction in rows.columns:
        return matches(rows[prediction], policy.data.positive_label).astype(float)
    if score and score in rows.columns:
        values = pd.to_numeric(rows[score], errors="coerce").to_numpy(dtype=float)
        return (values >= policy.data.threshold).astype(float)
    return None


def _spec(spec: CheckSpec, features: tuple[str, ...], today: dt.date, policy: Policy):
    """The fairness engine's spec of this check, its waived groups left out as the runner
    leaves them out."""
    opts = spec.fairness
    assert opts is not None
    waived = tuple(
        w.group for w in policy.waivers if w.check == spec.id and w.group and w.active_on(today)
    )
    base = engine_spec(spec, features)
    return dataclasses.replace(base, exclude=(*base.exclude, *waived))


def _check(
    spec: CheckSpec,
    policy: Policy,
    rows: pd.DataFrame,
    y: np.ndarray,
    weight: np.ndarray,
    models: list[tuple[str, np.ndarray | None]],
    today: dt.date,
) -> list[str]:
    opts = spec.fairness
    assert opts is not None
    features = tuple(opts.sensitive or policy.data.sensitive)
    if not features or any(f not in rows.columns for f in features):
        return []  # the check itself reports it
    text = rows[list(features)].astype("string")
    finest = group_rows(text, features, dict(policy.data.unknown_values))
    dspec = _spec(spec, features, today, policy)
    out = []
    for who, decided in models:
        if decided is None:
            continue
        stats = _confusion(finest.codes, finest.size, y, decided, weight)
        for comp in fairness.comparisons(finest, dspec):
            local = stats.fold(comp.fold)
            left_out = fairness.exclusion_reasons(dspec, comp.grouping, local.n)
            for j in range(comp.grouping.size):
                if left_out[j] is not None:
                    continue
                for name in opts.components:
                    if name not in RATE_ROWS or (who != "candidate" and _by_labels(name)):
                        continue  # a rate of the labels alone: the same for both models
                    if not RATE_ROWS[name][1](local)[j] > 0:
                        out.append(_reason(spec, comp.grouping.label(j), name, who, local, j))
    return out


def _by_labels(name: str) -> bool:
    return "predicted" not in RATE_ROWS[name][0]


def _confusion(
    codes: np.ndarray, size: int, y: np.ndarray, decided: np.ndarray, w: np.ndarray
) -> ConfusionStats:
    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=w * mask, minlength=size)

    n = np.bincount(codes, minlength=size).astype(float)
    return ConfusionStats(
        count(y * decided),
        count((1 - y) * decided),
        count(y * (1 - decided)),
        count((1 - y) * (1 - decided)),
        n,
    )


def _reason(
    spec: CheckSpec, group: dict[str, str], name: str, who: str, stats: ConfusionStats, j: int
) -> str:
    lacks = RATE_ROWS[name][0]
    whose = "" if who == "candidate" or _by_labels(name) else f" (of the {who})"
    return (
        f"check '{spec.id}': group {group_name(group)} has {lacks}{whose} among its "
        f"{int(stats.n[j])} labelled candidate row(s), so {name} is undefined there "
        "(rare outcomes arrive later)"
    )
