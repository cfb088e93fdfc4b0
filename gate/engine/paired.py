"""Paired comparison of the candidate with the baseline on the same bootstrap resamples.

`JointCells` is a profile part (the candidate's "paired"): per group, rows counted by (truth,
candidate prediction, baseline prediction). It adds like confusion cells, and one multinomial
draw over it is a resample of the rows for both models at once, so every label metric of the
candidate and of the baseline comes from the same resample and their difference gets its
interval. Rows where the models agree sit in the same cells, so a candidate equal to the
baseline has exactly the baseline's counts on every resample: its drop is exactly 0.

Score metrics are paired by the joint score cells (paired_scores.py); regression metrics are
not paired. `PAIRED` names what is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np

from gate.engine.confusion import Cells
from gate.engine.group_metrics import GROUP_METRICS, RATE_ROWS
from gate.engine.metrics import METRICS, Input, Task
from gate.engine.paired_scores import METRICS as SCORES
from gate.engine.resample import percentile_interval
from gate.engine.stats import ConfusionStats, confusion_from_cells

#: the metrics whose paired interval comes from the joint cells: label metrics of binary models
LABELS = frozenset(
    name
    for name, m in {**METRICS, **GROUP_METRICS}.items()
    if m.task is Task.BINARY and getattr(m, "input", Input.LABEL) is Input.LABEL
) - {"scoring_rate"}
#: every metric with a paired interval: the label metrics, and the score metrics (joint score
#: cells, engine/paired_scores.py)
PAIRED = LABELS | SCORES


NO_JOINT = (
    "the profile holds no joint counts of the candidate's and the baseline's predictions "
    "(it was built without a check that compares them on the same rows)"
)


@dataclass(frozen=True, eq=False)
class JointCells(Cells):
    """Arrays of shape (groups, 2, 2, 2), indexed [group, truth, candidate, baseline]."""

    @classmethod
    def from_pairs(
        cls,
        group: np.ndarray,
        y: np.ndarray,
        candidate: np.ndarray,
        baseline: np.ndarray,
        weight: np.ndarray | None = None,
        groups: int | None = None,
    ) -> Self:
        """The joint cells of one batch (group codes 0..groups-1, labels and predictions 0/1)."""
        return cls._counted(group, (y, candidate, baseline), weight, groups)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Self:
        return cls._checked(arrays, (2, 2, 2), "joint")

    def pair(self) -> tuple[ConfusionStats, ConfusionStats]:
        """(candidate, baseline) per-group confusion statistics of the rows."""
        weighted = self.n.astype(float) if self.w is None else self.w
        return _marginals(weighted, self.n.astype(float))

    def resample(self, resamples: int, seed: int) -> tuple[ConfusionStats, ConfusionStats]:
        """(candidate, baseline) statistics of the same `resamples` bootstrap resamples."""
        return _marginals(*self.draw(resamples, seed))


def _marginals(weighted: np.ndarray, counts: np.ndarray) -> tuple[ConfusionStats, ConfusionStats]:
    """Candidate cells sum out the baseline's axis, baseline cells the candidate's."""
    return (
        confusion_from_cells(weighted.sum(axis=-1), counts.sum(axis=-1)),
        confusion_from_cells(weighted.sum(axis=-2), counts.sum(axis=-2)),
    )


@dataclass(frozen=True)
class PairedDrop:
    """The drop (positive = worse) of a metric, point and bootstrap values, per group."""

    candidate: np.ndarray  # (groups,) point values
    baseline: np.ndarray
    drop: np.ndarray  # (groups,)
    drops: np.ndarray  # (resamples, groups)
    relative: np.ndarray  # (resamples, groups): drop / |baseline| of each resample

    def interval(self, confidence: float, relative: bool = False) -> list[tuple | None]:
        """Per group: the two-sided percentile interval of the drop (or relative drop)."""
        values = self.relative if relative else self.drops
        return [percentile_interval(v, confidence) for v in values.T]


def metric_values(name: str, stats: ConfusionStats) -> np.ndarray:
    """A label metric per group (last axis); NaN where it is a share of no rows."""
    from gate.engine.intervals import balanced_accuracy

    if name == "balanced_accuracy":
        return balanced_accuracy(stats)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = GROUP_METRICS[name].compute(stats)
    rows = RATE_ROWS.get(name)
    if rows is not None:
        values = np.where(rows[1](stats) > 0, values, np.nan)
    return np.asarray(values, dtype=float)


def greater_is_better(name: str) -> bool:
    return (METRICS.get(name) or GROUP_METRICS[name]).greater_is_better


def drop(name: str, candidate: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """The worsening; exactly 0 (never -0.0 or float noise) where the values are equal."""
    diff = baseline - candidate if greater_is_better(name) else candidate - baseline
    return np.where(candidate == baseline, 0.0, diff)


def paired_drop(name: str, cells: JointCells, resamples: int, seed: int) -> PairedDrop:
    """`name` of both models on the same resamples of `cells`, per group of the cells."""
    if name not in LABELS:
        raise KeyError(f"no paired comparison for {name} from joint label cells")
    cand, base = (metric_values(name, s) for s in cells.pair())
    return from_values(name, cand, base, *cells_values(name, cells, resamples, seed))


def cells_values(name: str, cells: JointCells, resamples: int, seed: int) -> list[np.ndarray]:
    return [metric_values(name, s) for s in cells.resample(resamples, seed)]


def from_values(
    name: str, cand: np.ndarray, base: np.ndarray, boot_c: np.ndarray, boot_b: np.ndarray
) -> PairedDrop:
    """Both models' point values (per group) and values on the same resamples (leading axis)."""
    drops = drop(name, boot_c, boot_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(drops == 0, 0.0, drops / np.abs(boot_b))
    return PairedDrop(cand, base, drop(name, cand, base), drops, relative)


def overall(cells: JointCells) -> JointCells:
    """All groups as one."""
    return cells.fold(np.ones((cells.n.shape[0], 1)))
