"""The aligned support of two column profiles, and Evidently's binning over it.

A `Support` lists the points both sides share, with each side's counts on them:
- numeric, exact: the union of both exact value tables (every finite value; statistics are exact);
- numeric, sketch: the union of both sides' log buckets, each at its representative value, with
  the bucket's range (clipped to the data's extremes) for the error bounds;
- categorical: the categories, aligned past the category cap: both sides keep a bottom-k sample by
  hash, so the categories of hash <= the smaller side's largest kept hash are known on both sides
  and the rest of each side is pooled in a last point "(other)".
Infinities are left out (as missing values are): the statistics are of the finite values.
Finite numbers past HUGE (up to +-1.8e308) are divided by a power of two (`Support.scale`, exact):
every statistic is scale-free, and ranges, bin edges and squares stay finite; the edges shown are
scaled back.

`binned` is Evidently 0.7's `get_binned_data` (stattests/utils.py): a numeric column whose
reference has more than 20 distinct values gets Sturges equal-width bins over the combined range
(np.histogram_bin_edges(ref + cur, "sturges")); any other column gets one bin per distinct value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gate.engine.column_categories import Categories, category_hash
from gate.engine.column_numbers import Numbers, numbers_of
from gate.engine.columns import ColumnProfile
from gate.engine.log_buckets import representatives

OTHER = "(other)"
NUMERIC_KINDS = frozenset({"numeric", "datetime", "duration"})
DISTINCT_BINS = 20  # Evidently: a reference with more distinct values than this is binned
HUGE = 2.0**500  # numbers past this in size are scaled down (squares and ranges stay finite)


@dataclass(frozen=True)
class Support:
    """Points in order (sorted numbers, or category texts with OTHER last if pooled), and the
    counts of the reference and current data on them."""

    numeric: bool
    points: np.ndarray  # float64 (numeric) or object (category texts)
    ref: np.ndarray  # int64
    cur: np.ndarray  # int64
    exact: bool  # False: sketch buckets (numeric) or a pooled OTHER (categorical)
    lower: np.ndarray | None = None  # sketch: each bucket's range (clipped to the extremes)
    upper: np.ndarray | None = None
    ref_distinct: int = 0  # distinct reference values (> NUMBER_EXACT_CAP when unknown)
    lo: float = 0.0  # numeric: the smallest and largest finite value of both sides (exact)
    hi: float = 0.0
    integer: bool = False  # numeric: both sides are integer columns (numpy's Sturges rounds up)
    scale: int = 0  # numeric: points, lower, upper, lo and hi are the values / 2**scale


def family(profile: ColumnProfile) -> str:
    """ "numeric" (numbers, datetimes, durations), "categorical" or "empty"."""
    return "numeric" if profile.kind in NUMERIC_KINDS else profile.kind


def kind_of(ref: ColumnProfile, cur: ColumnProfile) -> str:
    """The family of both sides' kind; ValueError naming the column when the kinds differ (an
    empty side takes the other's)."""
    if "empty" not in (ref.kind, cur.kind) and ref.kind != cur.kind:
        raise ValueError(
            f"column {ref.name!r} is {ref.kind} in the reference and {cur.kind} in the current "
            "data: its drift cannot be computed"
        )
    return family(cur) if ref.kind == "empty" else family(ref)


def support(ref: ColumnProfile, cur: ColumnProfile) -> Support:
    """The aligned support of two profiles of the same family (an empty side has no counts)."""
    if kind_of(ref, cur) == "numeric":
        return _numeric(_numbers(ref), _numbers(cur))
    return _categorical(ref, cur)


def _numbers(profile: ColumnProfile) -> Numbers:
    return profile.numbers if profile.numbers is not None else numbers_of(np.zeros(0))[0]


def _numeric(a: Numbers, b: Numbers) -> Support:
    ends = [v for v in (a.min, a.max, b.min, b.max) if v is not None]
    lo, hi = (float(min(ends)), float(max(ends))) if ends else (0.0, 0.0)
    integer = all(isinstance(v, int) for v in ends)
    e = _exponent(lo, hi)
    lo, hi = float(np.ldexp(lo, -e)), float(np.ldexp(hi, -e))
    if a.values is not None and b.values is not None:
        assert a.value_counts is not None and b.value_counts is not None
        points = np.union1d(a.values, b.values)
        ref, cur = _on(points, a.values, a.value_counts), _on(points, b.values, b.value_counts)
        points = np.ldexp(points, -e)
        return Support(True, points, ref, cur, True, None, None, len(a.values), lo, hi, integer, e)
    if (a.accuracy, a.floor) != (b.accuracy, b.floor):
        raise ValueError("the two profiles were built with other sketch settings")
    keys = np.union1d(a.keys, b.keys)
    lower, upper = (np.ldexp(x, -e) for x in _bucket_range(keys, a.accuracy, a.floor))
    lower, upper = np.clip(lower, lo, hi), np.clip(upper, lo, hi)
    points = np.clip(np.ldexp(representatives(keys, a.accuracy, a.floor), -e), lower, upper)
    ref, cur = _on(keys, a.keys, a.counts), _on(keys, b.keys, b.counts)
    # Sturges bins past the cap, even for a reference of <= 20 values (see drift_methods)
    return Support(True, points, ref, cur, False, lower, upper, 2**62, lo, hi, integer, e)


def _exponent(lo: float, hi: float) -> int:
    """0, or for numbers past HUGE the power of two that brings them below 1."""
    top = max(abs(lo), abs(hi))
    return 0 if top <= HUGE else math.frexp(top)[1]


def _on(points: np.ndarray, values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """`counts` of `values` placed on `points` (a sorted superset), zeros elsewhere."""
    out = np.zeros(len(points), np.int64)
    out[np.searchsorted(points, values)] = counts
    return out


def _bucket_range(keys: np.ndarray, accuracy: float, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """The values each bucket can hold: |x| in [gamma**(i - shift), gamma**(i + 1 - shift)),
    bucket 0 everything below the floor."""
    gamma = (1 + accuracy) / (1 - accuracy)
    shift = 1 - math.log(floor) / math.log(gamma)
    with np.errstate(over="ignore"):  # the last bucket's end may pass 1.8e308: clipped later
        low = np.power(gamma, np.abs(keys) - shift)
        high = low * gamma
    lower = np.where(keys > 0, low, np.where(keys < 0, -high, -floor))
    upper = np.where(keys > 0, high, np.where(keys < 0, -low, floor))
    return lower, upper


def _categorical(ref: ColumnProfile, cur: ColumnProfile) -> Support:
    a, b = (p.categories if p.categories is not None else Categories({}) for p in (ref, cur))
    tops = [max(category_hash(t) for t in c.counts) for c in (a, b) if c.other and c.counts]
    known = sorted(set(a.counts) | set(b.counts))
    if tops:
        top = min(tops)
        known = [t for t in known if category_hash(t) <= top]
    r = np.array([a.counts.get(t, 0) for t in known], np.int64)
    c = np.array([b.counts.get(t, 0) for t in known], np.int64)
    pooled = (ref.present - int(r.sum()), cur.present - int(c.sum()))
    if any(pooled):
        known, r, c = [*known, OTHER], np.append(r, pooled[0]), np.append(c, pooled[1])
    distinct = len(a.counts) if not a.other else 2**62
    points = np.array(known, dtype=object)
    return Support(False, points, r, c, not any(pooled), None, None, distinct)


# --- Evidently's bins ------------------------------------------------------------------------


def sturges_edges(lo: float, hi: float, n: int, integer: bool = False) -> np.ndarray:
    """np.histogram_bin_edges(x, "sturges") for n values spanning [lo, hi] (integer: x is)."""
    if lo == hi:
        return np.linspace(lo - 0.5, hi + 0.5, 2)
    width = (hi - lo) / (np.log2(n) + 1.0)
    if integer and width < 1:
        width = 1
    bins = int(np.ceil((hi - lo) / width))
    return np.linspace(lo, hi, bins + 1)


def binned(s: Support) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Bin counts (ref, cur) for PSI and Jensen-Shannon, as Evidently bins; for a sketch also the
    least and most each bin can hold of each side, shape (2, 2, bins): [side][least, most]."""
    if not (s.numeric and s.ref_distinct > DISTINCT_BINS):
        keep = (s.ref + s.cur) > 0
        return s.ref[keep], s.cur[keep], None, None
    edges = sturges_edges(s.lo, s.hi, int(s.ref.sum() + s.cur.sum()), s.integer)
    where = np.clip(np.searchsorted(edges, s.points, side="right") - 1, 0, len(edges) - 2)
    bins = len(edges) - 1
    ref, cur = np.bincount(where, s.ref, bins), np.bincount(where, s.cur, bins)
    if s.exact:
        return ref.astype(np.int64), cur.astype(np.int64), None, None
    assert s.lower is not None and s.upper is not None
    first = np.clip(np.searchsorted(edges, s.lower, side="right") - 1, 0, bins - 1)
    last = np.clip(np.searchsorted(edges, s.upper, side="left") - 1, 0, bins - 1)
    last = np.maximum(last, first)
    bounds = np.zeros((2, 2, bins))
    for side, counts in enumerate((s.ref, s.cur)):
        inside = first == last
        bounds[side, 0] = np.bincount(first[inside], counts[inside], bins)
        for f, la, k in zip(first[~inside], last[~inside], counts[~inside], strict=True):
            bounds[side, 1, f : la + 1] += k
        bounds[side, 1] += bounds[side, 0]
    return ref.astype(np.int64), cur.astype(np.int64), bounds[:, 0], bounds[:, 1]


def display(s: Support, top: int = 20) -> dict:
    """The report's distribution: numeric 30 equal-width bins over the combined range (edges and
    each side's shares), categorical the `top` most frequent categories and OTHER."""
    nr, nc = max(int(s.ref.sum()), 1), max(int(s.cur.sum()), 1)
    if s.numeric:
        edges = np.histogram_bin_edges(np.array([s.lo, s.hi]), 30)
        where = np.clip(np.searchsorted(edges, s.points, side="right") - 1, 0, 29)  # np.histogram
        ref = np.bincount(where, s.ref, 30) / nr
        cur = np.bincount(where, s.cur, 30) / nc
        return {
            "kind": "numeric",
            "edges": np.ldexp(edges, s.scale).tolist(),
            "reference": ref.tolist(),
            "current": cur.tolist(),
        }
    named = [
        i for i in np.argsort(-(s.ref / nr + s.cur / nc), kind="stable") if s.points[i] != OTHER
    ]
    shown = sorted(named[:top], key=lambda i: s.points[i])
    rest = np.ones(len(s.points), bool)
    rest[shown] = False
    categories = [str(s.points[i]) for i in shown]
    ref, cur = [s.ref[i] / nr for i in shown], [s.cur[i] / nc for i in shown]
    if rest.any():
        categories.append(OTHER)
        ref.append(s.ref[rest].sum() / nr)
        cur.append(s.cur[rest].sum() / nc)
    return {
        "kind": "categorical",
        "categories": categories,
        "reference": [float(x) for x in ref],
        "current": [float(x) for x in cur],
    }
