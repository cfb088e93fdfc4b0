"""Bootstrap of score metrics over cells: a multinomial draw of all rows over (class x cell)
per resample, never over rows (see scores.py for the cells and the point values).

The sorted keys are cut canonically into at most CELLS equal-row-count cells per class. ROC AUC
keeps each cell's within-cell concordance, average precision its within-cell precision curve,
and the mean losses each cell's within-cell moments, so resamples centre on the exact value.
"""

from __future__ import annotations

import numpy as np

from gate.engine.score_values import key_table, mass_field, per_key
from gate.engine.scores import (
    LOSSES,
    RANKING,
    ScoreCells,
)

CELLS = 256  # resampling cells per class (equal row count over the sorted keys)
QUADRATURE = 4  # points per cell that carry the within-cell precision curve of a resample
CHUNK = 128  # resamples evaluated at once (bounds memory)


def bootstrap(
    name: str, cells: ScoreCells, resamples: int, seed: int, keep: np.ndarray | None = None
) -> np.ndarray:
    """The metric on `resamples` multinomial resamples of the cells (NaN where undefined)."""
    rng = np.random.default_rng(seed)
    if name in LOSSES:
        return _bootstrap_loss(name, cells, resamples, rng, keep)
    if name not in RANKING:
        raise KeyError(f"no score metric {name}")
    mass = mass_field(cells)
    fields = ("count", "weight", "weight_sq") if cells.weighted else ("count",)
    sums = key_table(cells, keep, fields)
    cell = _coarsen(sums["count"])
    coarse = {k: _by_cell(cell, v) for k, v in sums.items()}
    draws = _draw(coarse["count"], resamples, rng)
    if cells.weighted:
        draws = _weights(draws, coarse["count"], coarse["weight"], coarse["weight_sq"], rng)
    neg, pos = sums[mass][:, 0], sums[mass][:, 1]
    if name == "roc_auc":
        return _auc_draws(draws, cell, pos, neg, coarse[mass])
    return _ap_draws(draws, cell, pos, neg, coarse[mass])


def _coarsen(count: np.ndarray) -> np.ndarray:
    """Cell of each key (ascending): a new cell wherever either class's running row count
    crosses a multiple of its total / CELLS; canonical, at most 2 x CELLS cells."""
    count = count.astype(np.int64)
    before = np.cumsum(count, axis=0) - count
    total = np.maximum(count.sum(axis=0), 1)
    edge = (before * CELLS // total).sum(axis=1)
    if len(edge) == 0:
        return edge.astype(np.int64)
    return np.cumsum(np.r_[0, np.diff(edge) > 0]).astype(np.int64)


def _by_cell(cell: np.ndarray, values: np.ndarray) -> np.ndarray:
    cells = int(cell[-1]) + 1 if len(cell) else 0
    return np.stack(
        [np.bincount(cell, weights=values[:, c], minlength=cells) for c in range(2)], axis=1
    )


def _draw(count: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, cells, 2) row counts: one multinomial draw of all rows over the cells."""
    flat = count.ravel()
    n = int(flat.sum())
    out = np.zeros((resamples, flat.size))
    used = flat > 0
    if n > 0:
        out[:, used] = rng.multinomial(n, flat[used] / n, size=resamples)
    return out.reshape(resamples, *count.shape)


def _weights(draws, count, weight, weight_sq, rng: np.random.Generator) -> np.ndarray:
    """Moment-matched weight sum of the drawn rows of each cell (normal, clipped at 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nan_to_num(weight / count)
        var = np.maximum(np.nan_to_num(weight_sq / count) - mean * mean, 0.0)
    noise = np.sqrt(draws * var) * rng.standard_normal(draws.shape)
    return np.maximum(draws * mean + noise, 0.0)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, and 0 where den is 0."""
    num, den = np.broadcast_arrays(num, den)
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


def _auc_draws(draws, cell, pos, neg, mass) -> np.ndarray:
    """Resampled AUC: cross-cell pairs are ordered; a cell's own pairs keep their concordance."""
    below = np.cumsum(neg) - neg
    start = np.r_[0, np.flatnonzero(np.diff(cell)) + 1]
    inside = np.bincount(cell, weights=pos * (below - below[start][cell] + 0.5 * neg))
    concordance = _ratio(inside, mass[:, 1] * mass[:, 0])
    wneg, wpos = draws[..., 0], draws[..., 1]
    neg_below = np.cumsum(wneg, axis=1) - wneg
    num = (wpos * neg_below).sum(axis=1) + (wpos * wneg * concordance).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / (wpos.sum(axis=1) * wneg.sum(axis=1))


def _ap_draws(draws, cell, pos, neg, mass) -> np.ndarray:
    """Resampled AP: each cell's positives keep their within-cell (t, f) shares, summarised by
    QUADRATURE points, plus the constant-share correction that centres it on the exact AP."""
    cells = len(mass)
    pos_in = _within_from_top(cell, pos)
    neg_in = _within_from_top(cell, neg)
    share = _ratio(pos_in - 0.5 * pos, mass[cell, 1])
    slot = cell * QUADRATURE + np.minimum((share * QUADRATURE).astype(np.int64), QUADRATURE - 1)
    size = cells * QUADRATURE
    omega = np.bincount(slot, weights=pos, minlength=size).reshape(cells, QUADRATURE)
    u = _ratio(np.bincount(slot, weights=pos * pos_in, minlength=size).reshape(cells, -1), omega)
    v = _ratio(np.bincount(slot, weights=pos * neg_in, minlength=size).reshape(cells, -1), omega)
    u, v = _ratio(u, mass[:, 1:]), _ratio(v, mass[:, :1])
    omega = _ratio(omega, mass[:, 1:])
    above = _cell_above(mass[None])[0]
    key_above = above[cell]
    exact = np.bincount(
        cell,
        weights=_ratio(pos * (key_above[:, 1] + pos_in), key_above.sum(axis=1) + pos_in + neg_in),
        minlength=cells,
    )
    correction = _ratio(exact - _ap_terms(mass[None], above[None], omega, u, v)[0], mass[:, 1])
    out = []
    for chunk in range(0, len(draws), CHUNK):
        w = draws[chunk : chunk + CHUNK]
        terms = _ap_terms(w, _cell_above(w), omega, u, v) + correction * w[..., 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(terms.sum(axis=1) / w[..., 1].sum(axis=1))
    return np.concatenate(out) if out else np.zeros(0)


def _within_from_top(cell: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per key: the mass of its cell at keys >= its own."""
    total = np.cumsum(values[::-1])[::-1]
    end = np.r_[np.flatnonzero(np.diff(cell)) + 1, len(cell)]
    next_total = np.r_[total, 0.0][end][cell]
    return total - next_total


def _cell_above(mass: np.ndarray) -> np.ndarray:
    """(..., cells, 2) masses in the cells above each cell."""
    return np.cumsum(mass[:, ::-1], axis=1)[:, ::-1] - mass


def _ap_terms(w, above, omega, u, v) -> np.ndarray:
    """(resamples, cells): sum over positives in each cell of their precision times weight."""
    wneg, wpos = w[..., 0:1], w[..., 1:2]
    top = above[..., 1:2] + u * wpos
    precision = _ratio(top, above.sum(axis=-1, keepdims=True) + u * wpos + v * wneg)
    return wpos[..., 0] * (omega * precision).sum(axis=-1)


def _bootstrap_loss(name, cells: ScoreCells, resamples: int, rng, keep) -> np.ndarray:
    """Mean loss over (class x cell) draws; each drawn cell's sums of loss (and of weight) are
    a moment-matched normal from the cell's per-row means, variances and covariance."""
    if cells.weighted:
        fields = ("count", "weight", "weight_sq", name, f"{name}_cross", f"{name}_sq")
    else:
        fields = ("count", name, f"{name}_sq")
    sums = per_key(cells, keep, fields, bins=True)[1]
    cell = _coarsen(sums["count"])
    c = {k: _by_cell(cell, v).ravel() for k, v in sums.items()}
    draws = _draw(c["count"], resamples, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = {k: np.nan_to_num(v / c["count"]) for k, v in c.items()}
    z = rng.standard_normal((2, *draws.shape))
    if not cells.weighted:
        var = np.maximum(m[f"{name}_sq"] - m[name] ** 2, 0.0)
        loss = np.maximum(draws * m[name] + np.sqrt(draws * var) * z[0], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return loss.sum(axis=1) / draws.sum(axis=1)
    var_w = np.maximum(m["weight_sq"] - m["weight"] ** 2, 0.0)
    var_l = np.maximum(m[f"{name}_sq"] - m[name] ** 2, 0.0)
    cov = m[f"{name}_cross"] - m[name] * m["weight"]
    slope = _ratio(cov, var_w)
    rest = np.maximum(var_l - slope * cov, 0.0)
    weight = draws * m["weight"] + np.sqrt(draws * var_w) * z[0]
    loss = draws * m[name] + np.sqrt(draws) * (slope * np.sqrt(var_w) * z[0] + np.sqrt(rest) * z[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(loss, 0.0).sum(axis=1) / np.maximum(weight, 0.0).sum(axis=1)
