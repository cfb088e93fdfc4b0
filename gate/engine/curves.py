"""ROC, precision-recall and calibration curves of a model's scores, from its score cells.

Over all groups, from the exact distinct-score table (exact: the curves scikit-learn draws from
the rows) or, past its budget, from the fine bins (thresholds at bin edges; calibration places
each bin's rows at its midpoint). Each curve is thinned to at most MAX_POINTS points spaced
evenly along its length, endpoints kept, so no kept segment spans more than 1/MAX_POINTS of it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gate.engine.score_values import mass_field, per_key
from gate.engine.scores import _EDGES, _K0, ScoreCells, probabilities

MAX_POINTS = 200
CALIBRATION_BINS = 10  # equal-width bins of the score on [0, 1], as calibration_curve's default


def curves(cells: ScoreCells | None) -> dict[str, Any] | None:
    """{"roc", "pr", "calibration" (when scores are probabilities), "exact"}; None without
    scores or without both classes."""
    if cells is None:
        return None
    mass = mass_field(cells)
    keys, sums = per_key(cells, None, (mass, "count"), bins=not cells.exact)
    neg, pos = sums[mass][:, 0], sums[mass][:, 1]
    if not (pos.sum() > 0 and neg.sum() > 0):
        return None
    fpr, tpr = roc(pos, neg)
    recall, precision = precision_recall(pos, neg)
    out: dict[str, Any] = {
        "roc": dict(zip(("fpr", "tpr"), _lists(thin(fpr, tpr)), strict=True)),
        "pr": dict(zip(("recall", "precision"), _lists(thin(recall, precision)), strict=True)),
        "exact": cells.exact,
    }
    if probabilities(cells):
        scores = keys if cells.exact else _midpoints(keys)
        out["calibration"] = calibration(scores, pos, neg, sums["count"].sum(axis=1))
    return out


def _lists(arrays: tuple[np.ndarray, ...]) -> list[list[float]]:
    return [a.tolist() for a in arrays]


def roc(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(fpr, tpr) at every threshold from above the highest key down (the masses by key
    ascending); scikit-learn's roc_curve(drop_intermediate=False)."""
    tps, fps = np.cumsum(pos[::-1]), np.cumsum(neg[::-1])
    return np.r_[0.0, fps / fps[-1]], np.r_[0.0, tps / tps[-1]]


def precision_recall(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(recall, precision) by recall ascending: (0, 1) first, then every threshold from the
    highest key down; scikit-learn's precision_recall_curve, reversed."""
    tps, fps = np.cumsum(pos[::-1]), np.cumsum(neg[::-1])
    seen = tps + fps
    precision = np.divide(tps, seen, out=np.zeros_like(tps, dtype=float), where=seen != 0)
    return np.r_[0.0, tps / tps[-1]], np.r_[1.0, precision]


def calibration(
    scores: np.ndarray, pos: np.ndarray, neg: np.ndarray, count: np.ndarray
) -> dict[str, list[float]]:
    """Per non-empty equal-width bin: mean predicted score, observed positive rate, rows;
    scikit-learn's calibration_curve(strategy="uniform") binning."""
    edges = np.linspace(0.0, 1.0, CALIBRATION_BINS + 1)
    ids = np.searchsorted(edges[1:-1], scores)
    mass = pos + neg

    def per_bin(weights: np.ndarray) -> np.ndarray:
        return np.bincount(ids, weights=weights, minlength=CALIBRATION_BINS)

    total = per_bin(mass)
    kept = total > 0
    return {
        "mean_predicted": (per_bin(scores * mass)[kept] / total[kept]).tolist(),
        "observed": (per_bin(pos)[kept] / total[kept]).tolist(),
        "count": per_bin(count)[kept].round().astype(int).tolist(),
    }


def _midpoints(keys: np.ndarray) -> np.ndarray:
    """The middle of fine score bins on [0, 1] (the top bin ends at 1)."""
    index = keys - _K0
    return (_EDGES[index] + np.minimum(_EDGES[index + 1], 1.0)) / 2


def thin(x: np.ndarray, y: np.ndarray, limit: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most `limit` points of the path (x, y), evenly spaced along its length, ends kept."""
    if len(x) <= limit:
        return np.asarray(x, float), np.asarray(y, float)
    length = np.r_[0.0, np.cumsum(np.hypot(np.diff(x), np.diff(y)))]
    marks = np.linspace(0.0, length[-1], limit)
    index = np.unique(np.r_[0, np.searchsorted(length, marks[1:-1]), len(x) - 1])
    return np.asarray(x, float)[index], np.asarray(y, float)[index]


def model_curves(candidate: dict | None, baseline: dict | None) -> dict[str, Any] | None:
    """{"candidate": ..., "baseline": ...} from two models' profile parts; None when neither
    has score curves."""
    out = {
        name: found
        for name, parts in (("candidate", candidate), ("baseline", baseline))
        if (found := curves((parts or {}).get("scores"))) is not None
    }
    return out or None
