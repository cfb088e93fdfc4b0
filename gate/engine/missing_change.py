"""The change in a column's missing share between a reference and a current profile."""

from __future__ import annotations

import math
from statistics import NormalDist

from gate.engine.columns import ColumnProfile


def missing_change(
    ref: ColumnProfile,
    cur: ColumnProfile,
    *,
    confidence: float | None,
    resamples: int,
    seed: int,
) -> tuple[float, tuple[float, float] | None]:
    """The current missing share minus the reference's, with Newcombe's hybrid score interval
    (closed form from both Wilson intervals: good coverage at shares of 0, no resamples needed;
    `resamples` and `seed` are accepted for a uniform call)."""
    for side, p in (("reference", ref), ("current", cur)):
        if p.count == 0:
            raise ValueError(f"column {p.name!r}: the {side} data has no rows")
    p1, p2 = cur.missing / cur.count, ref.missing / ref.count
    change = p1 - p2
    if confidence is None:
        return change, None
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    l1, u1 = _wilson(cur.missing, cur.count, z)
    l2, u2 = _wilson(ref.missing, ref.count, z)
    low = change - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = change + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return change, (low, high)


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half
