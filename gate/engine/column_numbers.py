"""The numeric part of a column profile: count, exact extremes and sum, Pébay-merged moments,
a DDSketch-style log-bucket histogram with relative accuracy ACCURACY (log_buckets.py), and the
exact table of distinct finite values while the column has at most NUMBER_EXACT_CAP of them
(exact_values.py; see columns.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from gate.engine.exact_values import (  # noqa: F401 (NUMBER_EXACT_CAP: re-exported)
    NUMBER_EXACT_CAP,
    add_tables,
    exact_table,
    int_table,
)
from gate.engine.log_buckets import (
    ACCURACY,
    ZERO_FLOOR,
    add_buckets,
    bucket_counts,
    representatives,
)


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
        reps = representatives(self.keys, self.accuracy, self.floor)
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
    keys, counts = bucket_counts(x)
    mean, m2, m3, m4 = _moments(x, total)
    extremes = (int(lo), int(hi)) if integer else (float(lo), float(hi))
    head = (x.size, mean, m2, m3, m4, *extremes, exact, posinf, neginf, keys, counts)
    table = int_table(values, int(lo), int(hi)) if integer else exact_table(x)
    return Numbers(*head, ACCURACY, ZERO_FLOOR, *table), nan


def _no_numbers(posinf: int, neginf: int, total: float | int) -> Numbers:
    empty = np.zeros(0, np.int64)
    head = (0, 0.0, 0.0, 0.0, 0.0, None, None, total, posinf, neginf, empty, empty)
    return Numbers(*head, ACCURACY, ZERO_FLOOR, np.zeros(0), empty)


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
    keys, counts = add_buckets(a.keys, a.counts, b.keys, b.counts)
    values, value_counts = add_tables((a.values, a.value_counts), (b.values, b.value_counts))
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
