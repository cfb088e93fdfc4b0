"""A protected attribute's or proxy's importance per row its shuffle changed (review13b #10).

A shuffle changes a row's input only where it draws another value: for a binary attribute of
minority share p, about 2p(1 - p) of the rows (4 % at p = 2 %); every other row keeps its
output, so an importance averaged over all rows (reliance, the metric drop, the mean |SHAP
value|, which for a linear model is |coefficient| x 2p(1 - p) too) shrinks with the group
balance, not with the model's reliance. A flagged input's importance is therefore divided by the
share of rows its shuffles changed (permutation: the rows whose value actually changed, on the
same resample; shap: 1 - the sum of its values' squared shares, the share a shuffle changes in
expectation). For a mean over rows (reliance; accuracy, log_loss, a loss) that is exactly the
mean over the changed rows. A share is at most 1, so this can only raise a flagged input's
importance against the others (scikit-learn's numbers, whose shuffles of a continuous input
change nearly every row anyway): the conditions err towards flagging it. When its shuffles
changed fewer than MIN_CHANGED_ROWS rows the check cannot pass on it (importance_verdicts).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from gate.checks.importance_inputs import Inputs
from gate.checks.importance_summary import Measured
from gate.engine.importance import Permuted, changed_share
from gate.engine.importance_bootstrap import row_means, value_parts

#: fewer rows changed by a flagged input's shuffles than this: too few to tell, never a pass
MIN_CHANGED_ROWS = 30
#: an attribute of at most this many values: its reliance is its largest over its values
MAX_VALUES = 50


def permuted_per_changed(
    m: Measured, permuted: Permuted, at: list[int], inputs: Inputs, rows: pd.DataFrame,
    weight: np.ndarray | None, resamples: int, seed: int, judged: bool,
) -> Measured:  # fmt: skip
    """A permutation's Measured with the flagged inputs `at` per changed row, and the
    reliance of one of few values its largest over its values (`judged`: reliance is the
    measure judged, else only shown)."""
    if not at:
        return m
    moved = permuted.moved.mean(axis=1).T  # (rows, features): the share changed per row
    parts = {i: _value_parts(permuted, i, rows, inputs) for i in at}
    parts = {i: p for i, p in parts.items() if p is not None}
    columns = [moved[:, at], *(np.hstack(p) for p in parts.values())]
    means = row_means(np.hstack(columns), weight, resamples, seed)  # one bootstrap pass
    shared = np.ones((len(means), len(inputs.names)))
    shared[:, at] = means[:, : len(at)]
    counts = permuted.moved.mean(axis=1).sum(axis=1)
    m = per_changed_row(m, at, inputs.names, changed_share(permuted, weight), shared, counts)
    importance, draws, shown = m.importance.copy(), m.draws.copy(), dict(m.shown)
    shown["reliance"], changed = shown["reliance"].copy(), dict(m.changed)
    w = np.ones(len(rows)) if weight is None else np.asarray(weight, dtype=float)
    start, repeats = len(at), permuted.moved.shape[1]
    for i, (num, den) in parts.items():
        v, name = num.shape[1], inputs.names[i]
        with np.errstate(divide="ignore", invalid="ignore"):  # NaN: no row changed from / to v
            resampled = means[:, start : start + v] / means[:, start + v : start + 2 * v]
            best = float(np.nanmax((w @ num) / (w @ den)))
        start += 2 * v
        shown["reliance"][i] = best
        changed[name] = (changed[name][0], float(den.sum(axis=0).min()) / repeats)
        if judged:
            importance[i] = best
            draws[:, i] = np.where(np.isnan(resampled), 0.0, resampled).max(axis=1)
    return replace(m, importance=importance, draws=draws, shown=shown, changed=changed)


def _value_parts(
    permuted: Permuted, i: int, rows: pd.DataFrame, inputs: Inputs
) -> tuple[np.ndarray, np.ndarray] | None:
    """value_parts of input i when it has 2..MAX_VALUES values and some row changed."""
    codes = _codes(rows[list(inputs.columns(inputs.names[i]))])
    if not 2 <= codes.max() + 1 <= MAX_VALUES or not permuted.moved[i].any():
        return None
    return value_parts(permuted, i, codes)


def _codes(frame: pd.DataFrame) -> np.ndarray:
    """Each row's value of one input (its columns together) as 0..V-1."""
    keys = pd.Series(list(map(tuple, frame.astype(object).to_numpy()))).astype(str)
    return pd.factorize(keys)[0]


def per_changed_row(
    m: Measured, flagged: list[int], names: tuple[str, ...], share: np.ndarray,
    share_draws: np.ndarray, counts: np.ndarray,
) -> Measured:  # fmt: skip
    """`m` with each flagged input's (indices) importance and draws divided by its share of
    changed rows (point: `share`, per resample: `share_draws`), shown values too; an input no
    shuffle changed keeps its importance (0). `counts`: how many rows each one's shuffles
    changed (the mean over the repeats, unweighted)."""
    if not flagged:
        return m
    importance, draws = m.importance.copy(), m.draws.copy()
    shown = {k: v.copy() for k, v in m.shown.items()}
    for i in flagged:
        importance[i] = _divide(importance[i], share[i])
        draws[:, i] = _divide(draws[:, i], share_draws[:, i])
        for values in shown.values():
            values[i] = _divide(values[i], share[i])
    changed = {names[i]: (float(share[i]), float(counts[i])) for i in flagged}
    return replace(m, importance=importance, draws=draws, shown=shown, changed=changed)


def shap_per_changed(m: Measured, at: list[int], inputs: Inputs, rows: pd.DataFrame) -> Measured:
    """A mean |SHAP value| Measured with the flagged inputs `at` divided by the share of rows a
    shuffle changes in expectation (from the values: the same on every resample)."""
    share = np.array(
        [shuffle_share(rows[list(inputs.columns(f))]) if i in at else 1.0
         for i, f in enumerate(inputs.names)]
    )  # fmt: skip
    shared = np.broadcast_to(share, m.draws.shape)
    return per_changed_row(m, at, inputs.names, share, shared, share * len(rows))


def shuffle_share(frame: pd.DataFrame) -> float:
    """The share of rows a shuffle of these columns (one input) changes in expectation: the
    chance that two rows drawn at random differ, 1 - sum over its values of share^2."""
    p = np.bincount(_codes(frame)) / len(frame)
    return float(1.0 - (p * p).sum())


def _divide(values: np.ndarray | float, share: np.ndarray | float) -> np.ndarray:
    values, share = np.asarray(values, dtype=float), np.asarray(share, dtype=float)
    return np.divide(values, share, out=values.copy(), where=share > 0)
