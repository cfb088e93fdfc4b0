"""Multiclass metrics from the multiclass parts (engine/multiclass.py), as scikit-learn defines
them: label metrics averaged `macro`, `weighted` or `micro` over the classes that occur in the
label or the predictions (unique_labels; zero_division=0), one-vs-rest roc_auc averaged
`macro` or `weighted`, and log_loss over the class probabilities. A metric of one class
(`class:`) is the binary metric of that class against the rest (see `one_vs_rest`).

Bootstrap values come from one multinomial draw over the K x K cells (label metrics) or over
the (group, true class) loss cells (log_loss), never from rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from gate.engine.multiclass import ClassCells, ClassScores

LABEL = ("accuracy", "balanced_accuracy", "precision", "recall", "f1")
SCORE = ("roc_auc", "log_loss")
METRICS = LABEL + SCORE
#: metrics that take `average:` and the averages each accepts (the first is the default)
AVERAGES = {
    "precision": ("macro", "weighted", "micro"),
    "recall": ("macro", "weighted", "micro"),
    "f1": ("macro", "weighted", "micro"),
    "roc_auc": ("macro", "weighted"),
}
DEFAULT_AVERAGE = "macro"
#: what each metric over all classes is (`model-gate metrics`)
DESCRIPTIONS = {
    "accuracy": "share of rows whose predicted class is the true class",
    "balanced_accuracy": "mean of the per-class recalls",
    "precision": "per-class precision, averaged over the classes",
    "recall": "per-class recall, averaged over the classes",
    "f1": "per-class F1, averaged over the classes",
    "roc_auc": "one-vs-rest area under the ROC curve, averaged over the classes",
    "log_loss": "cross-entropy of the class probabilities",
}


def _divide(num: np.ndarray, den: np.ndarray, zero: float = 0.0) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, zero, num / np.where(den == 0, 1, den))


def _nanmean(values: np.ndarray, keep: np.ndarray, weights: np.ndarray | None = None):
    """Mean over the last axis where `keep`; weighted (all-zero weights: unweighted, as
    scikit-learn falls back); NaN where nothing is kept."""
    plain = _divide((values * keep).sum(-1), keep.sum(-1), np.nan)
    if weights is None:
        return plain
    w = weights * keep
    return np.where(w.sum(-1) > 0, _divide((values * w).sum(-1), w.sum(-1), np.nan), plain)


def label_values(name: str, average: str | None, n: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The metric from (..., K, K) row counts `n` and weights `w` ([truth, prediction])."""
    present = (n.sum(-1) + n.sum(-2)) > 0  # the classes scikit-learn's unique_labels finds
    return class_values(name, average, present, np.diagonal(w, axis1=-2, axis2=-1), w.sum(-1),
                        w.sum(-2))  # fmt: skip


def class_values(
    name: str, average: str | None, present: np.ndarray, tp: np.ndarray, true: np.ndarray,
    pred: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The metric from each class's (..., K) weight of rows predicted right (`tp`), of its
    rows (`true`) and of the rows predicted as it (`pred`); `present`: the classes in the label
    or the predictions. K numbers per class suffice for every label metric and average."""
    if name == "accuracy":
        return _divide(tp.sum(-1), true.sum(-1), np.nan)
    if name == "balanced_accuracy":
        return _nanmean(_divide(tp, true), present & (true > 0))
    if average == "micro":
        tp, true, pred = tp.sum(-1), true.sum(-1), pred.sum(-1)
    values = {
        "precision": lambda: _divide(tp, pred),
        "recall": lambda: _divide(tp, true),
        "f1": lambda: _divide(2 * tp, true + pred),
    }[name]()
    if average == "micro":
        return np.where(present.any(-1), values, np.nan)
    return _nanmean(values, present, true if average == "weighted" else None)


def value(name: str, average: str | None, parts: dict) -> tuple[float, float]:
    """(value, bound on its error: 0.0 when exact); NaN where undefined."""
    if name in LABEL:
        cells = _classes(parts).cells
        total = cells.fold(np.ones((cells.n.shape[0], 1)))
        w = total.n.astype(float) if total.w is None else total.w
        return float(label_values(name, average, total.n, w)[0]), 0.0
    scores = class_scores(parts)
    if name == "log_loss":
        mass = scores.loss["weight" if scores.weighted else "count"].sum()
        return float(_divide(scores.loss["log_loss"].sum(), mass, np.nan)), 0.0
    return roc_auc(scores, average)


def roc_auc(scores: ClassScores, average: str | None) -> tuple[float, float]:
    """One-vs-rest roc_auc averaged over the classes (macro, or weighted by class weight);
    NaN when a class has no examples or every row is of it (its curve is undefined)."""
    from gate.engine import score_values

    values, bounds, weights = [], [], []
    for cells in scores.ovr:
        v, b = score_values.value("roc_auc", cells)
        values.append(v)
        bounds.append(b)
        mass = "weight" if cells.weighted else "count"
        table = cells.bins
        weights.append(float(table[mass][table["y"] == 1].sum()))
    v, w = np.array(values), np.array(weights)
    if not np.isfinite(v).all():
        return float("nan"), 0.0
    if average == "weighted":
        v = np.where(w == 0, 0.0, v)
        return float(np.average(v, weights=w)), float(np.average(bounds, weights=w))
    return float(v.mean()), float(np.mean(bounds))


def undefined_classes(scores: ClassScores) -> list[str]:
    """The classes whose one-vs-rest curve is undefined (no examples, or every row)."""
    out = []
    for label, cells in zip(scores.classes, scores.ovr, strict=True):
        y = cells.bins["y"]
        if not ((y == 1).any() and (y == 0).any()):
            out.append(label)
    return out


def bootstrap(name: str, average: str | None, parts: dict, resamples: int, seed: int):
    """The metric on each of `resamples` bootstrap resamples (NaN where undefined)."""
    if name in LABEL:
        cells = _classes(parts).cells
        total = cells.fold(np.ones((cells.n.shape[0], 1)))
        w, n = total.draw(resamples, seed)
        return label_values(name, average, n[:, 0], w[:, 0])
    if name == "log_loss":
        return _loss_bootstrap(class_scores(parts), resamples, seed)
    raise ValueError(
        f"{name} of a multiclass model has no interval (its one-vs-rest curves are not "
        "resampled jointly); drop 'confidence' or name one class with 'class:'"
    )


def _loss_bootstrap(scores: ClassScores, resamples: int, seed: int) -> np.ndarray:
    """Mean log loss over multinomial draws of the (group, true class) cells; each drawn
    cell's loss (and weight) sums are moment-matched normals, as for binary score losses."""
    c = {k: v.ravel().astype(float) for k, v in scores.loss.items()}
    rng = np.random.default_rng(seed)
    total = int(c["count"].sum())
    draws = rng.multinomial(total, c["count"] / max(total, 1), size=resamples).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = {k: np.nan_to_num(v / c["count"]) for k, v in c.items()}
    z = rng.standard_normal((2, *draws.shape))
    if not scores.weighted:
        var = np.maximum(m["log_loss_sq"] - m["log_loss"] ** 2, 0.0)
        loss = np.maximum(draws * m["log_loss"] + np.sqrt(draws * var) * z[0], 0.0)
        return _divide(loss.sum(axis=1), draws.sum(axis=1), np.nan)
    var_w = np.maximum(m["weight_sq"] - m["weight"] ** 2, 0.0)
    var_l = np.maximum(m["log_loss_sq"] - m["log_loss"] ** 2, 0.0)
    cov = m["log_loss_cross"] - m["log_loss"] * m["weight"]
    slope = _divide(cov, var_w)
    rest = np.maximum(var_l - slope * cov, 0.0)
    weight = draws * m["weight"] + np.sqrt(draws * var_w) * z[0]
    noise = slope * np.sqrt(var_w) * z[0] + np.sqrt(rest) * z[1]
    loss = draws * m["log_loss"] + np.sqrt(draws) * noise
    return _divide(np.maximum(loss, 0.0).sum(axis=1), np.maximum(weight, 0.0).sum(axis=1), np.nan)


def _classes(parts: dict) -> ClassCells:
    if "classes" not in parts:
        raise ValueError("these outputs hold no multiclass predictions")
    return parts["classes"]


def class_scores(parts: dict) -> ClassScores:
    """The class probabilities' part; ValueError when the outputs have none."""
    if "class_scores" not in parts:
        raise ValueError(
            "this metric needs class probabilities, and these outputs give only labels "
            "(bind data.scores, or use a model with predict_proba)"
        )
    return parts["class_scores"]


def one_vs_rest(parts: dict, label: str) -> dict:
    """Binary parts of class `label` against the rest: "confusion" (and "scores", its
    probability's cells, when there are class probabilities)."""
    out: dict = {"confusion": _classes(parts).one_vs_rest(label)}
    scores = parts.get("class_scores")
    cells = scores.one_vs_rest(label) if scores is not None else None
    if cells is not None:
        out["scores"] = cells
    return out
