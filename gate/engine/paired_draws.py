"""One bootstrap step over the joint score cells of gate.engine.paired_scores: rows drawn over
the cells (weights moment-matched), and each model's metric read from the mass drawn."""

from __future__ import annotations

import numpy as np

from gate.engine.intervals import average_precision_rows, roc_auc_rows
from gate.engine.scores import LOSSES


def draw_mass(cells: dict, weighted: bool, size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, cells) drawn mass: a multinomial draw of all rows over the cells; with weights,
    each cell's drawn weight is a moment-matched normal (clipped at 0)."""
    count = cells["count"]
    total = int(count.sum())
    draws = rng.multinomial(total, count / max(total, 1), size=size).astype(float)
    if not weighted:
        return draws
    mean = cells["weight"] / count
    var = np.maximum(cells["weight_sq"] / count - mean * mean, 0.0)
    noise = np.sqrt(draws * var) * rng.standard_normal(draws.shape)
    return np.maximum(draws * mean + noise, 0.0)


def model_values(name: str, cells: dict, drawn: np.ndarray, prefix: str) -> np.ndarray:
    """The metric of one model for each row of `drawn` (mass per cell)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if name in LOSSES:
            mass = cells["weight"] if "weight" in cells else cells["count"]
            per_mass = np.where(mass > 0, cells[prefix + name] / np.where(mass > 0, mass, 1), 0.0)
            return (drawn * per_mass).sum(axis=1) / drawn.sum(axis=1)
        bins = cells["cand" if prefix == "c_" else "base"]
        order, index = np.unique(bins, return_inverse=True)
        pos, neg = (by_bin(drawn, index.ravel(), cells["y"] == k, len(order)) for k in (1, 0))
        ranking = roc_auc_rows if name == "roc_auc" else average_precision_rows
        return ranking(pos, neg)


def by_bin(drawn: np.ndarray, index: np.ndarray, rows: np.ndarray, bins: int) -> np.ndarray:
    """(resamples, bins) mass of the cells of `rows`, per bin of one model, ascending."""
    from scipy import sparse

    picked = np.flatnonzero(rows)
    ones = np.ones(len(picked))
    onehot = sparse.csr_matrix((ones, (picked, index[rows])), shape=(len(index), bins))
    return np.asarray((onehot.T @ drawn.T).T)
