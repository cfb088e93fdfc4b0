"""Two-sample comparison of a metric: the candidate on its own rows, the baseline on other rows
(a canary, where the models answer different requests), each bootstrapped on its own rows with
independent resamples. The drop's interval is the percentile interval of the differences of
the two bootstrap distributions, judged as the paired one is (gate/checks/conditions.py).

Rows are not shared, so nothing cancels: the interval is wider than a paired one on the same
rows would be. A candidate equal to the baseline has a drop centred on 0, not exactly 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gate.engine import paired, score_bootstrap
from gate.engine.intervals import bootstrap_values
from gate.engine.metrics import Input, Metric
from gate.engine.scores import LOSSES, RANKING, ScoreCells


@dataclass(frozen=True)
class Sample:
    """One model's rows: truth, its outputs (labels, scores or values, as the metric reads)
    and the weights (None: 1)."""

    y: np.ndarray
    pred: np.ndarray
    weight: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)


def seeds(seed: int) -> tuple[int, int]:
    """Two independent seeds from one: the candidate's resamples and the baseline's."""
    a, b = np.random.SeedSequence(seed).generate_state(2)
    return int(a), int(b)


def two_sample_drop(
    metric: Metric, candidate: Sample, baseline: Sample, resamples: int, seed: int
) -> paired.PairedDrop:
    """Both models' values and their drop (positive = worse), with `resamples` independent
    bootstrap values of each (0: the point values only); KeyError for a metric without a
    bootstrap."""
    cand = np.array([metric(candidate.y, candidate.pred, candidate.weight)])
    base = np.array([metric(baseline.y, baseline.pred, baseline.weight)])
    if resamples <= 0:
        empty = np.empty((0, 1))
        return paired.from_values(metric.name, cand, base, empty, empty)
    s_cand, s_base = seeds(seed)
    boot_c = bootstrap(metric, candidate, resamples, s_cand)
    boot_b = bootstrap(metric, baseline, resamples, s_base)
    return paired.from_values(metric.name, cand, base, boot_c[:, None], boot_b[:, None])


def bootstrap(metric: Metric, sample: Sample, resamples: int, seed: int) -> np.ndarray:
    """The metric on `resamples` bootstrap resamples of one sample's rows: score metrics
    over the score cells (as the performance check's interval: memory bounded by the cells,
    not the rows), the others over resampled confusion counts or rows."""
    if metric.input is Input.SCORE and metric.name in (*RANKING, *LOSSES):
        group = np.zeros(len(sample), dtype=np.int64)
        cells = ScoreCells.from_rows(group, sample.y, sample.pred, sample.weight, groups=1)
        return score_bootstrap.bootstrap(metric.name, cells, resamples, seed)
    return bootstrap_values(metric, sample.y, sample.pred, sample.weight, resamples, seed)
