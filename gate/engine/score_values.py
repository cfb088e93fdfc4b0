"""Point values of score metrics from score cells: exact from the distinct-score table, or from
the fine bins with a rigorous bound on the error; and the above-median confusion (scoring_rate).
"""

from __future__ import annotations

import numpy as np

from gate.engine.confusion import ConfusionCells
from gate.engine.scores import (
    EXACT_BUDGET,
    LOSSES,
    ScoreCells,
)

# ---------------------------------------------------------------- per-key tables over groups


def per_key(cells: ScoreCells, keep: np.ndarray | None, fields: tuple[str, ...], *, bins: bool):
    """(keys ascending, {field: (keys, 2) sums by class}) over the kept groups."""
    source = cells.bins if bins else cells.table
    key = source["bin" if bins else "score"]
    rows = np.ones(len(key), dtype=bool) if keep is None else np.asarray(keep)[source["group"]]
    key, y = key[rows], source["y"][rows]
    if len(key) == 0:
        return key, {f: np.zeros((0, 2)) for f in fields}
    index = np.cumsum(np.r_[False, key[1:] != key[:-1]])
    slot, size = index * 2 + y, 2 * (int(index[-1]) + 1)
    out = {
        f: np.bincount(slot, weights=source[f][rows], minlength=size).reshape(-1, 2) for f in fields
    }
    return key[np.r_[True, key[1:] != key[:-1]]], out


def mass_field(cells: ScoreCells) -> str:
    return "weight" if cells.weighted else "count"


def key_table(cells: ScoreCells, keep: np.ndarray | None, fields: tuple[str, ...]):
    return per_key(cells, keep, fields, bins=not cells.exact)[1]


# ---------------------------------------------------------------- point values


def value(name: str, cells: ScoreCells, keep: np.ndarray | None = None) -> tuple[float, float]:
    """(value, bound): |value - exact value| <= bound; bound 0.0 when exact (to rounding)."""
    mass = mass_field(cells)
    if name in LOSSES:
        sums = per_key(cells, keep, (mass, name), bins=True)[1]
        total = sums[mass].sum()
        return (float(sums[name].sum() / total) if total > 0 else float("nan")), 0.0
    m = key_table(cells, keep, (mass,))[mass]
    neg, pos = m[:, 0], m[:, 1]
    if name == "roc_auc":
        return _auc(pos, neg, cells.exact)
    if name == "average_precision":
        return _average_precision(pos, neg, cells.exact)
    raise KeyError(f"no score metric {name}")


def _auc(pos: np.ndarray, neg: np.ndarray, exact: bool) -> tuple[float, float]:
    """Mann-Whitney with ties half; a pair inside one bin may be either way: bound 1/2 of them."""
    total = pos.sum() * neg.sum()
    if not total > 0:
        return float("nan"), 0.0
    below = np.cumsum(neg) - neg
    auc = float((pos * (below + 0.5 * neg)).sum() / total)
    return auc, 0.0 if exact else float(0.5 * (pos * neg).sum() / total)


def _average_precision(pos: np.ndarray, neg: np.ndarray, exact: bool) -> tuple[float, float]:
    """scikit-learn's step-wise AP, thresholds at the keys from the highest down."""
    total = pos.sum()
    if not total > 0:
        return float("nan"), 0.0
    pos, neg = pos[::-1], neg[::-1]
    tps, fps = np.cumsum(pos), np.cumsum(neg)
    with np.errstate(divide="ignore", invalid="ignore"):
        ap = float(np.where(pos > 0, pos * tps / (tps + fps), 0.0).sum() / total)
    return ap, 0.0 if exact else float(_ap_bound(pos, neg, tps - pos, fps - neg) / total)


def _ap_bound(pos: np.ndarray, neg: np.ndarray, above: np.ndarray, neg_above: np.ndarray):
    """Sum over bins of the largest change any within-bin order makes to the bin's AP term.

    A positive's precision is (T + t) / (T + F + t + f), T, F the masses above the bin, t <= a
    the bin's positives at or above it (the intervals of mass they close tile [0, a]), f <= b
    the bin's negatives there. So the term lies between the integral of (T + t) / (T + F + b +
    t) over [0, a] and a (T + a) / (T + F + a).
    """
    d = above + neg_above + neg
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = pos * (above + pos) / (d + pos)
        upper = pos * (above + pos) / (above + neg_above + pos)
        lower = np.where(d > 0, pos - (d - above) * np.log1p(pos / d), pos)
    gap = np.maximum(upper - estimate, estimate - lower)
    return np.where(pos > 0, gap, 0.0).sum()


def median_score(cells: ScoreCells) -> float | None:
    """The median of all rows' scores (the mean of the two middle ones for an even count;
    row counts, not weights); None without rows. Needs exact scores."""
    count = cells.table["count"]
    n = int(count.sum())
    if n == 0:
        return None
    cum = np.cumsum(count)
    middle = cells.table["score"][np.searchsorted(cum, [(n - 1) // 2, n // 2], side="right")]
    return float(np.mean(middle))


def above_median(cells: ScoreCells) -> ConfusionCells:
    """Per-group confusion cells [group, truth, score > median of all rows' scores]."""
    if not cells.exact:
        raise ValueError(
            "scoring_rate needs exact scores: more than EXACT_BUDGET "
            f"({EXACT_BUDGET}) distinct scores"
        )
    t = cells.table
    shape = (cells.groups, 2, 2)
    median = median_score(cells)
    if median is None:
        return ConfusionCells(np.zeros(shape, dtype=np.int64))
    cell = t["group"] * 4 + t["y"].astype(np.int64) * 2 + (t["score"] > median)
    size = cells.groups * 4

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=values, minlength=size).reshape(shape)

    counts = total(t["count"]).astype(np.int64)
    if not cells.weighted:
        return ConfusionCells(counts)
    return ConfusionCells(counts, total(t["weight"]), total(t["weight_sq"]))
