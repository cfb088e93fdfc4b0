"""The numeric part of a column profile: count, exact extremes and sum, Pébay-merged moments,
a DDSketch-style log-bucket histogram with relative accuracy ACCURACY, and the exact table of
distinct finite values while the column has at most NUMBER_EXACT_CAP of them (see columns.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

ACCURACY = 0.005
ZERO_FLOOR = 1e-12
NUMBER_EXACT_CAP = 10_000


@dataclass(frozen=True, eq=False)
class Exact:
    """Frozen record whose == compares numpy arrays element by element."""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


def same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True  # moments overflowed alike
    return a == b  # 1 == 1.0: an int column's extremes meet a float column's


@dataclass(frozen=True, eq=False)
class Numbers(Exact):
    """Finite values: count, moments about the mean, extremes, sum; the log-bucket sketch."""

    n: int
    mean: float
    m2: float
    m3: float
    m4: float
    min: float | int | None
    max: float | int | None
    total: float | int
    posinf: int
    neginf: int
    keys: np.ndarray  # int64, sorted; 0 is the zero bucket
    counts: np.ndarray  # int64, > 0
    accuracy: float = ACCURACY
    floor: float = ZERO_FLOOR
    values: np.ndarray | None = None  # float64, sorted: the distinct finite values, if <= cap
    value_counts: np.ndarray | None = None  # int64, > 0, beside `values`

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof=1, as pandas); NaN below 2 values."""
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else math.nan

    @property
    def skew(self) -> float:
        """Adjusted Fisher-Pearson skewness, as pandas: NaN below 3 values, 0 if constant."""
        n = self.n
        if n < 3:
            return math.nan
        return 0.0 if self.m2 == 0 else n * math.sqrt(n - 1) / (n - 2) * self.m3 / self.m2**1.5

    @property
    def kurtosis(self) -> float:
        """Excess kurtosis with pandas' bias correction: NaN below 4 values, 0 if constant."""
        n = self.n
        if n < 4:
            return math.nan
        if self.m2 == 0:
            return 0.0
        fourth = n * (n + 1) * (n - 1) * self.m4 / ((n - 2) * (n - 3) * self.m2**2)
        return fourth - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))

    def _values(self) -> tuple[np.ndarray, np.ndarray]:
        """Bucket representatives in ascending order, with -inf and +inf at the ends."""
        reps = _representatives(self.keys, self.accuracy, self.floor)
        return (
            np.concatenate([[-np.inf], reps, [np.inf]]),
            np.concatenate([[self.neginf], self.counts, [self.posinf]]),
        )

    def _ends(self) -> tuple[float, float]:
        """The smallest and largest non-missing values, infinities included (some must exist)."""
        ascending = [-np.inf] * (self.neginf > 0) + [self.min, self.max] * (self.n > 0)
        ascending += [np.inf] * (self.posinf > 0)
        return ascending[0], ascending[-1]

    def quantile(self, q: float | np.ndarray) -> float | np.ndarray:
        """The lower order statistic at rank q * (N - 1) of the non-missing values (infinities
        included; np.quantile's method="lower"), within relative `accuracy`. NaN if none."""
        values, counts = self._values()
        total = int(counts.sum())
        qs = np.asarray(q, dtype=np.float64)
        if total == 0:
            return np.full(qs.shape, np.nan)[()]
        rank = np.floor(qs * (total - 1))
        found = values[np.searchsorted(np.cumsum(counts), rank, side="right")]
        lo, hi = self._ends()
        found = np.where(rank <= 0, lo, np.where(rank >= total - 1, hi, found))  # exact ends
        return np.clip(found, lo, hi)[()]

    def rebin(self, edges: np.ndarray) -> np.ndarray:
        """Counts on bins [e0, e1), ..., [e(k-1), ek] (np.histogram's), infinities included when
        an edge is infinite. Each bucket goes where its representative falls, so a value within
        relative `accuracy` of an edge may be counted in the bin beside its own."""
        edges = np.asarray(edges, dtype=np.float64)
        values, counts = self._values()
        where = np.searchsorted(edges, values, side="right") - 1
        where[values == edges[-1]] = len(edges) - 2
        inside = (where >= 0) & (where < len(edges) - 1)
        return np.bincount(where[inside], counts[inside], len(edges) - 1).astype(np.int64)


def _gamma(accuracy: float) -> float:
    return (1 + accuracy) / (1 - accuracy)


def _mapping(accuracy: float, floor: float) -> tuple[float, float, float, int]:
    """1/log(gamma), the shift making floor's index 1, the clip value, the largest index."""
    inv = 1 / math.log(_gamma(accuracy))
    shift = 1 - math.log(floor) * inv
    clip = floor / math.sqrt(_gamma(accuracy))  # index 0.5: below the floor, never below 0
    top = int(math.log(np.finfo(np.float64).max) * inv + shift) + 1
    return inv, shift, clip, top


_INV, _SHIFT, _CLIP, _TOP = _mapping(ACCURACY, ZERO_FLOOR)


def _bucket_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Occupied bucket keys and counts of finite values, in one vectorised pass."""
    a = np.abs(x)
    np.maximum(a, _CLIP, out=a)
    np.log(a, out=a)
    a *= _INV
    a += _SHIFT  # >= 0.5 after the clip
    np.copysign(a, x, out=a)
    index = a.astype(np.intp)  # truncates toward zero: floor of |.|, sign kept
    low = int(index.min()) if index.size else 0
    index -= low  # count over the occupied span only, not all 2 * _TOP + 1 keys
    counts = np.bincount(index)
    keys = np.flatnonzero(counts)
    return (keys + low).astype(np.int64), counts[keys].astype(np.int64)


def _representatives(keys: np.ndarray, accuracy: float, floor: float) -> np.ndarray:
    """The value each bucket stands for: within `accuracy` of every value in it."""
    gamma = _gamma(accuracy)
    shift = _mapping(accuracy, floor)[1]
    low = np.power(gamma, np.abs(keys) - shift)  # bucket i holds |x| in [low, low * gamma)
    return np.where(keys == 0, 0.0, np.sign(keys) * low * (2 * gamma / (1 + gamma)))


def _int_total(x: np.ndarray) -> int:
    """Exact sum of an integer array (no int64 overflow)."""
    if x.size == 0:
        return 0
    if x.size * max(abs(int(x.min())), abs(int(x.max()))) < 2**62:
        return int(x.sum(dtype=np.int64))
    high, low = x >> 32, x & 0xFFFFFFFF  # x = high * 2**32 + low; neither sum overflows
    return int(high.sum(dtype=np.int64)) * 2**32 + int(low.sum(dtype=np.int64))


def _moments(x: np.ndarray, total: float) -> tuple[float, float, float, float]:
    """Mean and M2..M4 about it, shifted once to remove the error of the first mean."""
    n = np.float64(x.size)
    with np.errstate(over="ignore", invalid="ignore"):  # |x| past ~1e77: M4 is inf, not an error
        d = x - total / n
        r = d.sum() / n
        s2 = np.einsum("i,i->", d, d)
        d2 = d * d
        s3 = np.einsum("i,i->", d2, d)
        s4 = np.einsum("i,i->", d2, d2)
        m2 = s2 - n * r * r
        m3 = s3 - 3 * r * s2 + 2 * n * r**3
        m4 = s4 - 4 * r * s3 + 6 * r * r * s2 - 3 * n * r**4
    return float(total / n + r), float(max(m2, 0.0)), float(m3), float(max(m4, 0.0))


def numbers_of(values: np.ndarray) -> tuple[Numbers, int]:
    """Numbers of one batch of non-null values (ints or floats) and how many were NaN."""
    integer = values.dtype.kind in "iu"
    x = values.astype(np.float64, copy=False)
    with np.errstate(invalid="ignore", over="ignore"):
        total = float(x.sum()) if x.size else 0.0
    nan = posinf = neginf = 0
    if not math.isfinite(total):  # NaN or +-inf somewhere (or an overflowing sum)
        finite = np.isfinite(x)
        odd = x[~finite]
        nan, posinf = int(np.isnan(odd).sum()), int((odd == np.inf).sum())
        neginf = odd.size - nan - posinf
        x = x[finite]
        total = float(x.sum())
    if x.size == 0:
        return _no_numbers(posinf, neginf, 0 if integer else 0.0), nan
    lo, hi = (values.min(), values.max()) if integer else (x.min(), x.max())
    exact = _int_total(values) if integer else total
    keys, counts = _bucket_counts(x)
    mean, m2, m3, m4 = _moments(x, total)
    extremes = (int(lo), int(hi)) if integer else (float(lo), float(hi))
    head = (x.size, mean, m2, m3, m4, *extremes, exact, posinf, neginf, keys, counts)
    table = _int_table(values, int(lo), int(hi)) if integer else exact_table(x)
    return Numbers(*head, ACCURACY, ZERO_FLOOR, *table), nan


def _no_numbers(posinf: int, neginf: int, total: float | int) -> Numbers:
    empty = np.zeros(0, np.int64)
    head = (0, 0.0, 0.0, 0.0, 0.0, None, None, total, posinf, neginf, empty, empty)
    return Numbers(*head, ACCURACY, ZERO_FLOOR, np.zeros(0), empty)


def _table(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values (-0.0 counted as 0.0) with their summed counts."""
    merged, where = np.unique(values + 0.0, return_inverse=True)
    return merged.astype(np.float64), np.bincount(where, counts, len(merged)).astype(np.int64)


def exact_table(x: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The distinct finite values of `x` and their counts, or (None, None) past the cap. A prefix
    past the cap settles it cheaply (continuous data); else one hash pass (pd.factorize)."""
    probe = x[: 2 * NUMBER_EXACT_CAP + 1]
    if x.size > NUMBER_EXACT_CAP and len(pd.unique(probe)) > NUMBER_EXACT_CAP:
        return None, None
    codes, uniques = pd.factorize(x)
    if len(uniques) > NUMBER_EXACT_CAP + 1:  # +1: -0.0 and 0.0 may be apart until _table
        return None, None
    values, counts = _table(
        np.asarray(uniques, np.float64), np.bincount(codes, minlength=len(uniques))
    )
    return (values, counts) if len(values) <= NUMBER_EXACT_CAP else (None, None)


def _int_table(values: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """exact_table of integers in a narrow range: one bincount, no hashing."""
    if hi - lo >= 4 * NUMBER_EXACT_CAP:
        return exact_table(values.astype(np.float64))
    counts = np.bincount((values - lo).astype(np.intp, copy=False))
    present = np.flatnonzero(counts)
    if len(present) > NUMBER_EXACT_CAP:
        return None, None
    return (present + lo).astype(np.float64), counts[present].astype(np.int64)


def _add_tables(a: Numbers, b: Numbers) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The union of both tables; None once past the cap (so the same in any merge order)."""
    if a.values is None or b.values is None or a.value_counts is None or b.value_counts is None:
        return None, None
    values, counts = _table(
        np.concatenate([a.values, b.values]), np.concatenate([a.value_counts, b.value_counts])
    )
    return (values, counts) if len(values) <= NUMBER_EXACT_CAP else (None, None)


def _pebay(a: Numbers, b: Numbers) -> tuple[float, float, float, float]:
    """Mean and M2..M4 of the union (Pebay 2008, pairwise update)."""
    na, nb = np.float64(a.n), np.float64(b.n)
    n = na + nb
    with np.errstate(over="ignore", invalid="ignore"):
        delta = np.float64(b.mean) - a.mean
        dn = delta / n
        mean = a.mean + nb * dn
        m2 = a.m2 + b.m2 + delta * dn * na * nb
        m3 = a.m3 + b.m3 + delta * dn * dn * na * nb * (na - nb) + 3 * dn * (na * b.m2 - nb * a.m2)
        m4 = (
            a.m4
            + b.m4
            + delta * dn**3 * na * nb * (na * na - na * nb + nb * nb)
            + 6 * dn * dn * (na * na * b.m2 + nb * nb * a.m2)
            + 4 * dn * (na * b.m3 - nb * a.m3)
        )
    return float(mean), float(m2), float(m3), float(m4)


def _add_buckets(a: Numbers, b: Numbers) -> tuple[np.ndarray, np.ndarray]:
    keys = np.concatenate([a.keys, b.keys])
    counts = np.concatenate([a.counts, b.counts])
    merged, where = np.unique(keys, return_inverse=True)
    return merged.astype(np.int64), np.bincount(where, counts, len(merged)).astype(np.int64)


def _extreme(pick: Any, x: float | int | None, y: float | int | None) -> float | int | None:
    return y if x is None else x if y is None else pick(x, y)


def add_numbers(a: Numbers, b: Numbers, name: str) -> Numbers:
    """The numbers of both parts; refuses sketches built with other bucket settings."""
    if (a.accuracy, a.floor) != (b.accuracy, b.floor):
        raise ValueError(
            f"column {name!r}: profiles built with other buckets (relative accuracy "
            f"{a.accuracy}, zero floor {a.floor} vs {b.accuracy}, {b.floor}) cannot be merged"
        )
    if (b.n, b.mean, b.m2, b.m3, b.m4) < (a.n, a.mean, a.m2, a.m3, a.m4):
        a, b = b, a  # a canonical order, so that a + b == b + a bit for bit
    if a.n == 0 or b.n == 0:
        kept = b if a.n == 0 else a
        mean, m2, m3, m4 = kept.mean, kept.m2, kept.m3, kept.m4
    else:
        mean, m2, m3, m4 = _pebay(a, b)
    keys, counts = _add_buckets(a, b)
    values, value_counts = _add_tables(a, b)
    return replace(
        a,
        n=a.n + b.n,
        mean=mean,
        m2=m2,
        m3=m3,
        m4=m4,
        min=_extreme(min, a.min, b.min),
        max=_extreme(max, a.max, b.max),
        total=a.total + b.total,
        posinf=a.posinf + b.posinf,
        neginf=a.neginf + b.neginf,
        keys=keys,
        counts=counts,
        values=values,
        value_counts=value_counts,
    )
