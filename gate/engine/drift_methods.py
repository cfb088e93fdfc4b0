"""Drift of one column between a reference and a current profile: Evidently 0.7's statistics
computed from the profiles' counts, with a bootstrap interval and, off the exact table, a stated
error bound.

Definitions (Evidently's; scipy is the oracle in the tests), over the finite values:
- wasserstein: scipy.stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
- ks: the Kolmogorov-Smirnov D; p-value as scipy.stats.ks_2samp (exact up to 10,000 rows a
  side, else Smirnov's asymptotic distribution)
- psi: sum((r - c) * ln(r / c)) and jensen_shannon: scipy's jensenshannon (natural log), both over
  Evidently's bins (drift_support.binned); PSI replaces zero shares as Evidently does (0.0001, or
  the smallest share / 1e6 when that is below 0.0001), Jensen-Shannon does not
- chi2: value Cramér's V of the 2 x k table, p-value Evidently's scipy.stats.chisquare(current,
  reference scaled to the current's size)
- z: value |p_ref - p_cur| of the first category in sorted order (Evidently's choice; for two
  categories either gives the same), p-value Evidently's pooled two-proportion z-test (from the
  survival function: no underflow to 0). A column of more than two values is refused: the share
  of one value would miss any other shift.
Numbers come from the exact value table when both sides have one (exact), else from the sketch;
then `error_bound` bounds |value - the exact value|: for wasserstein sum(width * max share) over the
buckets / norm, for ks the largest bucket share, for psi / jensen_shannon the range of the
statistic over every placement of the mass of buckets that straddle a bin edge. Past the category
cap the categories beyond the bottom-k are pooled in "(other)", with a bound on what pooling hides
(the chi2 p-value is then of the pooled table). chi2 on a numeric sketch and z on either refuse.
scipy.stats is imported only by the ks and chi2 p-values (it costs ~0.9 s of start-up).

Interval: gate.engine.drift_interval (the bootstrap over both sides' counts).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gate.engine.columns import ColumnProfile
from gate.engine.drift_interval import Statistic, cells, interval
from gate.engine.drift_statistics import (
    Term,
    cramer_v,
    first_share_gap,
    js,
    js_term,
    ks_d,
    placement_bound,
    pooled_bound,
    psi,
    psi_term,
    std,
    w1,
)
from gate.engine.drift_support import (
    OTHER,
    Support,
    binned,
    display,
    kind_of,
    support,
)

METHODS = ("psi", "ks", "wasserstein", "jensen_shannon", "chi2", "z")
P_VALUE_METHODS = frozenset({"ks", "chi2", "z"})
VERDICTS = ("effect_size", "p_value")
NUMERIC_ONLY = frozenset({"ks", "wasserstein"})
KS_EXACT_ROWS = 10_000  # scipy's ks_2samp: exact p-value up to this many rows a side
MIN_VALUES = 30  # fewer present values on a side: the interval is (0, the statistic's largest)
#: the lower end is bias-corrected on the squared scale: square roots of divergences (their plug-in
#: bias is additive there, E[chi2] ~ df) and ks (on its own scale the redraws understate the bias
#: of a maximum: 7 % "drifted" at a true D = max, 1-2 % squared; benchmarks/drift_bias.py)
SQUARED = frozenset({"jensen_shannon", "chi2", "ks"})
#: the largest value each statistic can take (wasserstein and psi have none: the largest float)
LARGEST = {
    "ks": 1.0,
    "chi2": 1.0,
    "z": 1.0,
    "jensen_shannon": math.sqrt(math.log(2)),
    "wasserstein": sys.float_info.max,
    "psi": sys.float_info.max,
}


@dataclass(frozen=True)
class Drift:
    """One column's drift statistic (None when a side has no values)."""

    method: str
    value: float | None
    p_value: float | None
    ci: tuple[float, float] | None
    error_bound: float | None  # None when exact
    distribution: dict


def auto_method(ref: ColumnProfile, cur: ColumnProfile, verdict: str, reference_rows: int) -> str:
    """Evidently's default test (verdict p_value), or its large-reference choice at every size
    (effect_size). `reference_rows`: Evidently counts the reference's non-missing rows."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}: use effect_size or p_value")
    numeric = kind_of(ref, cur) == "numeric"
    distinct = _distinct(support(ref, cur))
    few = distinct <= 5
    if verdict == "p_value" and reference_rows <= 1000:
        if numeric and not few:
            return "ks"
        return "chi2" if distinct > 2 else "z"
    return "wasserstein" if numeric and not few else "jensen_shannon"


def _distinct(s: Support) -> int:
    """Distinct values of both sides together (a large number when only a sketch is kept)."""
    if s.numeric and not s.exact:
        return 2**62
    if not s.numeric and OTHER in s.points:
        return 2**62
    return int(np.count_nonzero(s.ref + s.cur))


def column_drift(
    method: str,
    ref: ColumnProfile,
    cur: ColumnProfile,
    *,
    confidence: float | None,
    resamples: int,
    seed: int,
) -> Drift:
    """The drift of one column by `method` (one of METHODS); ValueError naming the column when
    the method does not apply to its kind or the sides' kinds differ."""
    if method not in METHODS:
        raise ValueError(f"unknown drift method {method!r}: use one of {', '.join(METHODS)}")
    kind = kind_of(ref, cur)
    numeric = kind == "numeric"
    if method in NUMERIC_ONLY and kind == "categorical":
        raise ValueError(f"column {ref.name!r} is categorical: method {method} needs numbers")
    s = support(ref, cur)
    shown = display(s)
    if s.ref.sum() == 0 or s.cur.sum() == 0:
        return Drift(method, None, None, None, None, shown)
    if not s.exact and (method == "z" or (method == "chi2" and numeric)):
        raise ValueError(
            f"column {ref.name!r} has more distinct values than the profile keeps "
            f"({'numbers' if numeric else 'categories'}): method {method} needs each value's "
            f"count; use {'wasserstein' if numeric else 'chi2'}, jensen_shannon or psi"
        )
    value, p_value, bound, draw = _METHODS[method](s, ref)
    if confidence is None:
        ci = None
    elif min(s.ref.sum(), s.cur.sum()) < MIN_VALUES:  # a redraw of a few rows repeats them
        ci = (0.0, max(LARGEST[method], value))
    else:
        ci = interval(draw, value, confidence, resamples, seed, method in SQUARED)
    return Drift(method, value, p_value, ci, bound, shown)


# --- the methods: (value, p-value, error bound, resample statistic) ---------------------------


def _wasserstein(s: Support, ref: ColumnProfile) -> tuple:
    assert ref.numbers is not None
    norm = float(np.ldexp(math.sqrt(ref.numbers.m2 / ref.numbers.n), -s.scale))
    if not math.isfinite(norm):  # the profile's sum of squares overflowed: the support's std
        norm = float(std(s.points, s.ref[None])[0])
    norm = max(norm, float(np.ldexp(0.001, -s.scale)))  # all in units of 2**scale
    value = float(w1(s.points, s.ref[None], s.cur[None])[0]) / norm
    bound = None
    if not s.exact:
        assert s.lower is not None and s.upper is not None
        widest = np.maximum(s.ref / s.ref.sum(), s.cur / s.cur.sum())
        bound = float(np.sum((s.upper - s.lower) * widest)) / norm
    points, r, c = cells(s)
    x = points - points[len(points) // 2]  # centred: the resampled std keeps its digits
    full = float(std(x, r[None])[0])
    scale = norm / full if full > 0 else 1.0

    def draw(rr: np.ndarray, cc: np.ndarray) -> np.ndarray:
        return w1(points, rr, cc) / np.maximum(std(x, rr) * scale, 0.001)

    return value, None, bound, (r, c, draw, value - float(draw(r[None], c[None])[0]))


def _ks(s: Support, ref: ColumnProfile) -> tuple:
    from scipy import stats  # here, not at import: scipy.stats costs ~0.9 s of start-up

    d = float(ks_d(s.ref[None], s.cur[None])[0])
    n1, n2 = int(s.ref.sum()), int(s.cur.sum())
    if max(n1, n2) <= KS_EXACT_ROWS:
        rows = (np.repeat(s.points, s.ref), np.repeat(s.points, s.cur))
        p_value = float(stats.ks_2samp(*rows).pvalue)
    else:
        m, n = sorted([float(n1), float(n2)], reverse=True)
        p_value = float(np.clip(stats.kstwo.sf(d, np.round(m * n / (m + n))), 0, 1))
    bound = None
    if not s.exact:
        bound = float(np.max(np.maximum(s.ref / n1, s.cur / n2)))
    _, r, c = cells(s)
    return d, p_value, bound, (r, c, ks_d, d - float(ks_d(r[None], c[None])[0]))


def _binned_method(statistic: Statistic, term: Term) -> Callable[[Support, ColumnProfile], tuple]:
    def method(s: Support, ref: ColumnProfile) -> tuple:
        r, c, least, most = binned(s)
        value = float(statistic(r[None], c[None])[0])
        bound = None
        if least is not None and most is not None:
            bound = placement_bound(value, term, least, most, r.sum(), c.sum())
        elif not s.exact:
            bound = pooled_bound(term, s)
        return value, None, bound, (r, c, statistic, 0.0)

    return method


def _chi2(s: Support, ref: ColumnProfile) -> tuple:
    from scipy import stats

    value = float(cramer_v(s.ref[None], s.cur[None])[0])
    expected = s.ref * (s.cur.sum() / s.ref.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = float(stats.chisquare(s.cur, expected)[1])
    bound = None
    if not s.exact:  # pooling categories only lowers chi2 (and V)
        n_r, n_c = s.ref.sum(), s.cur.sum()
        a, b = n_r / (n_r + n_c), n_c / (n_r + n_c)
        hidden = max(a, b) * (s.ref[-1] / n_r + s.cur[-1] / n_c)
        bound = math.sqrt(value**2 + hidden) - value
    return value, p_value, bound, (s.ref, s.cur, cramer_v, 0.0)


def _z(s: Support, ref: ColumnProfile) -> tuple:
    r0, c0 = s.ref[s.ref + s.cur > 0], s.cur[s.ref + s.cur > 0]
    if len(r0) > 2:
        raise ValueError(
            f"column {ref.name!r} has {len(r0)} distinct values: method z compares a two-valued "
            "column (the share of one value); use chi2, wasserstein or jensen_shannon"
        )
    n1, n2 = int(r0.sum()), int(c0.sum())
    value = float(first_share_gap(r0[None], c0[None])[0])
    if len(r0) == 1:
        p_value = 1.0
    else:
        p1, p2 = 1 - r0[0] / n1, 1 - c0[0] / n2  # Evidently: 0 for the first key, 1 otherwise
        pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        p_value = math.erfc(abs(z) / math.sqrt(2))  # 2 * the normal's survival at |z|
    return value, p_value, None, (r0, c0, first_share_gap, 0.0)


_METHODS = {
    "wasserstein": _wasserstein,
    "ks": _ks,
    "psi": _binned_method(psi, psi_term),
    "jensen_shannon": _binned_method(js, js_term),
    "chi2": _chi2,
    "z": _z,
}
