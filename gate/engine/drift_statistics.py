"""Drift statistics over a leading resample axis, and the error bounds of the binned ones.

Each statistic takes (B, k) counts of the reference and the current data on the same k support
points and returns B values (B = 1 for the data themselves). Definitions in drift_methods.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from gate.engine.drift_support import OTHER, Support

FILL, FILL_SCALE = 1e-4, 1e-6  # Evidently's replacement of a zero share (PSI)
Term = Callable[[np.ndarray, np.ndarray], np.ndarray]  # shares p, q -> each bin's term


def shares(counts: np.ndarray) -> np.ndarray:
    """Each row's counts as shares of its total."""
    return counts / counts.sum(axis=1, keepdims=True)


def cdf_gap(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """|F_ref - F_cur| at each support point (one cumulative sum of the share differences)."""
    gap = r * (1.0 / r.sum(axis=1, keepdims=True))
    gap -= c * (1.0 / c.sum(axis=1, keepdims=True))
    np.cumsum(gap, axis=1, out=gap)
    return np.abs(gap, out=gap)


def w1(x: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Wasserstein-1 distance between the two sides on the sorted points `x`."""
    return cdf_gap(r, c)[:, :-1] @ np.diff(x)


def ks_d(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Kolmogorov-Smirnov D: the largest gap between the two CDFs."""
    return np.minimum(cdf_gap(r, c).max(axis=1), 1.0)  # rounding may pass 1 by an ulp


def _rel_entr(p: np.ndarray, m: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * np.log(p / m), 0.0)


def js(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """scipy's jensenshannon (natural log) of the two sides' shares."""
    p, q = shares(r), shares(c)
    m = (p + q) / 2
    return np.sqrt(np.maximum((_rel_entr(p, m) + _rel_entr(q, m)).sum(axis=1) / 2, 0.0))


def _filled(p: np.ndarray) -> np.ndarray:
    """Evidently's zero replacement, row by row."""
    smallest = np.where(p > 0, p, np.inf).min(axis=1, keepdims=True)
    fill = np.where(smallest <= FILL, smallest * FILL_SCALE, FILL)
    return np.where(p == 0, fill, p)


def psi(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Population stability index over shares with Evidently's zero replacement."""
    p, q = _filled(shares(r)), _filled(shares(c))
    return ((p - q) * np.log(p / q)).sum(axis=1)


def cramer_v(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """sqrt(chi2 / n) of the 2 x k table (min(2, k) - 1 = 1); columns empty on both sides skip."""
    r, c = r.astype(np.float64), c.astype(np.float64)  # (r * n_c)**2 passes int64 at ~1M rows
    n_r, n_c = r.sum(axis=1, keepdims=True), c.sum(axis=1, keepdims=True)
    n = n_r + n_c
    col = r + c
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(col > 0, (r * n_c - c * n_r) ** 2 / (col * n_r * n_c), 0.0)
    return np.sqrt(terms.sum(axis=1) / n[:, 0])


def first_share_gap(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """|share of the first point in the reference - in the current data|."""
    return np.abs(shares(r)[:, 0] - shares(c)[:, 0])


def std(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Population standard deviation (np.std) of `x` weighted by each row of counts."""
    n = r.sum(axis=1)
    mean = (r @ x) / n
    return np.sqrt(np.maximum((r @ (x * x)) / n - mean * mean, 0.0))


# --- error bounds of the binned statistics ---------------------------------------------------


def psi_term(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """One bin's part of the PSI."""
    return (p - q) * np.log(p / q)


def js_term(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """One bin's part of the Jensen-Shannon divergence (the distance squared)."""
    m = (p + q) / 2
    return (_rel_entr(p, m) + _rel_entr(q, m)) / 2


def _term_range(
    term: Term, p_lo: np.ndarray, p_hi: np.ndarray, q_lo: np.ndarray, q_hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Least and most of a convex term that is 0 where p == q and grows away from it, over the
    boxes [p_lo, p_hi] x [q_lo, q_hi]: most at a corner, least 0 or at the nearest corner."""
    corners = [term(p, q) for p in (p_lo, p_hi) for q in (q_lo, q_hi)]
    most = np.maximum.reduce(corners)
    least = np.where(p_hi < q_lo, term(p_hi, q_lo), np.where(q_hi < p_lo, term(p_lo, q_hi), 0.0))
    return least, most


def placement_bound(
    value: float, term: Term, least: np.ndarray, most: np.ndarray, n_r: int, n_c: int
) -> float:
    """How far the statistic can move as the mass of edge-straddling buckets moves between the
    bins it may belong to (each bin's share between the least and the most it can hold)."""
    p_lo, p_hi, q_lo, q_hi = least[0] / n_r, most[0] / n_r, least[1] / n_c, most[1] / n_c
    if term is psi_term:  # a bin that may be empty may take any fill
        tiny = FILL_SCALE / max(n_r, n_c)
        p_lo, q_lo = np.where(p_lo > 0, p_lo, tiny), np.where(q_lo > 0, q_lo, tiny)
        p_hi, q_hi = (
            np.maximum(p_hi, np.where(least[0] > 0, 0, FILL)),
            np.maximum(q_hi, np.where(least[1] > 0, 0, FILL)),
        )
    low, high = _term_range(term, p_lo, p_hi, q_lo, q_hi)
    if term is js_term:
        low_v, high_v = math.sqrt(low.sum()), math.sqrt(high.sum())
    else:
        low_v, high_v = float(low.sum()), float(high.sum())
    return max(high_v - value, value - low_v, 0.0)


def pooled_bound(term: Term, s: Support) -> float:
    """Past the category cap: what the categories pooled in OTHER can add (JS: each term is at
    most (p + q) ln 2 / 2; PSI: at most (p + q) ln(1 / the smallest possible share))."""
    n_r, n_c = s.ref.sum(), s.cur.sum()
    p, q = s.ref / n_r, s.cur / n_c
    value = float(js(s.ref[None], s.cur[None])[0])
    if term is js_term:
        hidden = (p[-1] + q[-1]) * math.log(2) / 2
        return math.sqrt(value**2 + hidden) - value
    uncertain = (p + q)[(s.ref == 0) | (s.cur == 0) | (s.points == OTHER)].sum()
    return float(uncertain * math.log(max(n_r, n_c) / FILL_SCALE))
