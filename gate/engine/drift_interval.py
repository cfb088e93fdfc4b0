"""The bootstrap interval of a column's drift statistic (gate.engine.drift_methods).

Interval: a bootstrap of redraws of both sides' counts over their support (values, buckets, bins
or categories: cost by cells, not rows). A plug-in distance sits above the true distance (two
samples of one distribution are never at distance 0) and its redraws sit above it again, so the
percentile interval would call the same distribution "drifted" (94.5 % of the time for
wasserstein at n = 100 a side). The lower end is therefore the basic bootstrap's
2 * value - q_hi (at least 0), taken on the squared scale for jensen_shannon and chi2's V
(square roots of divergences, whose bias is additive there) and ks (drift_methods.SQUARED);
the upper end is the percentile q_hi, which keeps the bias: each end errs toward
"inconclusive" (benchmarks/drift_bias.py). The interval always contains the value. A side with
fewer than drift_methods.MIN_VALUES present values gets (0, the statistic's largest value; the
largest float for the unbounded wasserstein and psi): a redraw of a few rows repeats them; the
column is inconclusive unless `max` reaches that value.
Cells of at least NORMAL_COUNT rows are redrawn from the multinomial's normal law (same mean and
covariance), the rest exactly (gate.engine.redraw). For wasserstein and ks a support of more than
BOOTSTRAP_CELLS points is first pooled into about that many cells of equal mass (consecutive points;
each cell at its mean), and the bootstrap statistics are moved by (value - the cell statistic of the
data): the redraw costs 512 cells instead of up to 20,000 points, for an interval that differs by a
small part of its width.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from gate.engine.drift_support import Support
from gate.engine.redraw import redraw
from gate.engine.resample import percentile_interval

CHUNK_CELLS = 4_000_000  # resamples x support points held at once
BOOTSTRAP_CELLS = 512  # wasserstein / ks resample at most about this many cells (see cells)

Statistic = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (B, k) counts x2 -> (B,) values
Draw = tuple[np.ndarray, np.ndarray, Statistic, float]  # the redrawn counts, statistic, shift


def cells(s: Support) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The support for the bootstrap: as is up to BOOTSTRAP_CELLS points, else consecutive points
    pooled into about BOOTSTRAP_CELLS cells of equal pooled mass, each at its mean position."""
    if len(s.points) <= BOOTSTRAP_CELLS:
        return s.points, s.ref, s.cur
    mass = s.ref / s.ref.sum() + s.cur / s.cur.sum()
    cell = np.minimum((np.cumsum(mass) - mass) * (BOOTSTRAP_CELLS / 2), BOOTSTRAP_CELLS - 1)
    _, where = np.unique(cell.astype(np.intp), return_inverse=True)
    r, c = np.bincount(where, s.ref), np.bincount(where, s.cur)
    points = np.bincount(where, mass * s.points) / np.bincount(where, mass)
    return points, r.astype(np.int64), c.astype(np.int64)


def interval(
    draw: Draw, value: float, confidence: float, resamples: int, seed: int, squared: bool
) -> tuple[float, float] | None:
    """The bootstrap interval of the statistic over redraws of both sides' counts (moved by
    `shift`, the value minus the statistic on the bootstrap's cells): upper end the percentile
    q_hi, lower end the basic bootstrap's 2 * value - q_hi (at least 0; `squared`: the square
    root of 2 * value**2 - q_hi**2). A plug-in distance sits above the true one and its redraws
    above it again: the basic end takes that bias off, the upper end keeps it, so each end errs
    toward "inconclusive"."""
    r, c, statistic, shift = draw
    rng = np.random.default_rng(seed)
    chunk = max(1, CHUNK_CELLS // max(len(r), 1))
    values = []
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        values.append(statistic(redraw(rng, r, size), redraw(rng, c, size)))
    interval = percentile_interval(np.concatenate(values) + shift, confidence)
    if interval is None:
        return None
    high = interval[1]
    if squared:
        low = math.sqrt(max(2 * value * value - high * high, 0.0))
    else:
        low = max(2 * value - high, 0.0)
    return (min(low, value), max(high, value))
