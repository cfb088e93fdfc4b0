"""Per-column profiles: counts, missing values, moments, a log-bucket sketch, category counts.

`profile_column(name, values)` summarises one batch of one column; profiles of the same column add
(`profile(a) + profile(b)` is the profile of the rows of `a` then `b`), so batches stream in bounded
memory and partitions merge in any order. What is exact under ANY batching and merge order: `count`,
`missing`, the infinity counts, `min`, `max`, the sketch's buckets, the category counts and `other`,
and the sum of an integer column. The float moments (mean, M2, M3, M4, a float sum) are merged with
Pebay's pairwise formulas: bit-identical for the same batching (and `a + b == b + a`), within about
1e-12 relative across batchings; past |x| ~ 1e77 the higher moments overflow to inf / NaN.

The kind of a column comes from the batch's dtype: ints, floats and decimals are "numeric";
timestamps and dates are "datetime" (epoch seconds); timedeltas are "duration" (seconds); strings,
categoricals, booleans ("true" / "false") and objects are "categorical" (an object column holding
only numbers is numeric). A batch with no present value is "empty": it adds to
`count` and `missing` and takes the kind of whatever it is added to.

Numbers: NaN and null are missing; +-inf are counted apart (`posinf`, `neginf`) and left out of the
moments, `min` and `max`. The histogram is the DDSketch idea: |x| >= ZERO_FLOOR falls in the bucket
of index i = floor(log|x| / log(gamma)) (shifted to start at 1; negative keys for negative values),
gamma = (1 + ACCURACY) / (1 - ACCURACY); smaller values fall in bucket 0. Every bucket's
representative value is within ACCURACY (relative) of each value in it; quantiles and re-binned
counts come from those representatives. For datetimes that is relative to epoch seconds (about 100
days today): their min, max and moments are the precise part.

Categories: counts per category text. Past CATEGORY_CAP distinct values only the CATEGORY_CAP
categories with the smallest stable hash (blake2b of the UTF-8 text, 8 bytes) keep their counts, and
the rows of the others are counted in `other`. That bottom-k sample is the same whatever the
batching or merge order, so merges stay exact; the price is that a frequent category may fall in
`other` once a column is past the cap.

Serialisation: `to_dict()` / `from_dict()` give plain JSON values plus int64 numpy arrays (sketch
keys and counts, category counts); the sketch stores occupied buckets only.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ACCURACY = 0.005
ZERO_FLOOR = 1e-12
CATEGORY_CAP = 10_000
#: the fixed bins of every column profile: profiles with other settings are not comparable
BINS = {"accuracy": ACCURACY, "zero_floor": ZERO_FLOOR, "category_cap": CATEGORY_CAP}
KINDS = ("empty", "numeric", "datetime", "duration", "categorical")


@dataclass(frozen=True, eq=False)
class _Exact:
    """Frozen record whose == compares numpy arrays element by element."""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True  # moments overflowed alike
    return a == b  # 1 == 1.0: an int column's extremes meet a float column's


# --- numbers ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Numbers(_Exact):
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
    index += _TOP
    counts = np.bincount(index, minlength=2 * _TOP + 1)
    keys = np.flatnonzero(counts)
    return (keys - _TOP).astype(np.int64), counts[keys].astype(np.int64)


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
    return Numbers(x.size, mean, m2, m3, m4, *extremes, exact, posinf, neginf, keys, counts), nan


def _no_numbers(posinf: int, neginf: int, total: float | int) -> Numbers:
    empty = np.zeros(0, np.int64)
    return Numbers(0, 0.0, 0.0, 0.0, 0.0, None, None, total, posinf, neginf, empty, empty)


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
    )


# --- categories ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Categories(_Exact):
    """Rows per category text (at most `cap` categories) and the rows of the others."""

    counts: dict[str, int]  # never mutated
    other: int = 0
    cap: int = CATEGORY_CAP


def _hash(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _bottom(counts: dict[str, int], cap: int) -> tuple[dict[str, int], int]:
    """The `cap` categories of smallest hash and the rows of the rest."""
    if len(counts) <= cap:
        return counts, 0
    kept = sorted(counts, key=lambda t: (_hash(t), t))[:cap]
    small = {t: counts[t] for t in kept}
    return small, sum(counts.values()) - sum(small.values())


def categories_of(texts: list[str], counts: list[int], cap: int = CATEGORY_CAP) -> Categories:
    """Categories of one batch from (text, rows) pairs; equal texts add up."""
    table: dict[str, int] = {}
    for text, rows in zip(texts, counts, strict=True):
        if rows:
            table[text] = table.get(text, 0) + int(rows)
    kept, other = _bottom(table, cap)
    return Categories(kept, other, cap)


def add_categories(a: Categories, b: Categories, name: str) -> Categories:
    """Categories of both parts: the bottom-k of the union is the bottom-k of the two bottom-ks."""
    if a.cap != b.cap:
        raise ValueError(
            f"column {name!r}: profiles built with other category caps ({a.cap} vs {b.cap}) "
            "cannot be merged"
        )
    table = dict(a.counts)
    for text, rows in b.counts.items():
        table[text] = table.get(text, 0) + rows
    kept, dropped = _bottom(table, a.cap)
    return Categories(kept, a.other + b.other + dropped, a.cap)


def distinct(c: Categories) -> float:
    """Distinct categories: exact below the cap, else the k-minimum-values estimate
    (k - 1) / h_k, h_k the largest kept hash as a fraction of 2**64 (about 1/sqrt(k) relative)."""
    if c.other == 0:
        return float(len(c.counts))
    k = len(c.counts)
    top = max(_hash(t) for t in c.counts) + 1
    return (k - 1) / (top / 2**64)


# --- one column ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ColumnProfile(_Exact):
    """Everything one pass leaves of one column; `a + b` merges, `==` compares exactly."""

    name: str
    kind: str
    count: int = 0
    missing: int = 0
    numbers: Numbers | None = None
    categories: Categories | None = None

    def __add__(self, other: ColumnProfile) -> ColumnProfile:
        return self.merge(other)

    def merge(self, other: ColumnProfile) -> ColumnProfile:
        """The profile of this part's rows followed by the other's."""
        if other.name != self.name:
            raise ValueError(
                f"cannot merge the profiles of columns {self.name!r} and {other.name!r}"
            )
        a, b = (self, other) if other.kind == "empty" or self.kind != "empty" else (other, self)
        if b.kind != "empty" and b.kind != a.kind:
            raise ValueError(
                f"column {self.name!r} is {a.kind} in one part and {b.kind} in another"
            )
        count, missing = a.count + b.count, a.missing + b.missing
        if b.kind == "empty":
            return replace(a, count=count, missing=missing)
        if a.numbers is not None and b.numbers is not None:
            return replace(
                a, count=count, missing=missing, numbers=add_numbers(a.numbers, b.numbers, a.name)
            )
        assert a.categories is not None and b.categories is not None
        cats = add_categories(a.categories, b.categories, a.name)
        return replace(a, count=count, missing=missing, categories=cats)

    @property
    def present(self) -> int:
        """Rows with a value (finite or infinite numbers; any category)."""
        return self.count - self.missing

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values, except the int64 numpy arrays `keys` and `counts` of the sketch and
        `counts` of the categories (whose `values` list is sorted)."""
        out: dict[str, Any] = {f: getattr(self, f) for f in ("name", "kind", "count", "missing")}
        if self.numbers is not None:
            out["numbers"] = {f.name: getattr(self.numbers, f.name) for f in fields(Numbers)}
        if self.categories is not None:
            texts = sorted(self.categories.counts)
            out["categories"] = {
                "values": texts,
                "counts": np.array([self.categories.counts[t] for t in texts], np.int64),
                "other": self.categories.other,
                "cap": self.categories.cap,
            }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnProfile:
        """The profile `to_dict` gave (arrays may be lists)."""
        if data["kind"] not in KINDS:
            raise ValueError(f"column {data['name']!r}: unknown kind {data['kind']!r}")
        numbers = categories = None
        if data.get("numbers") is not None:
            raw = dict(data["numbers"])
            for key in ("keys", "counts"):
                raw[key] = np.asarray(raw[key], dtype=np.int64).reshape(-1)
            numbers = Numbers(**raw)
        if data.get("categories") is not None:
            raw = data["categories"]
            table = dict(zip(raw["values"], map(int, raw["counts"]), strict=True))
            categories = Categories(table, int(raw["other"]), int(raw["cap"]))
        head = (str(data["name"]), data["kind"], int(data["count"]), int(data["missing"]))
        return cls(*head, numbers, categories)


# --- reading a batch -------------------------------------------------------------------------

Values = pd.Series | pa.Array | pa.ChunkedArray | np.ndarray
_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def profile_column(name: str, values: Values, cap: int = CATEGORY_CAP) -> ColumnProfile:
    """The profile of one batch of one column (pandas, Arrow or numpy values)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return _from_arrow(name, values, cap)
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    return _from_pandas(name, series, cap)


def profile_columns(
    batch: pd.DataFrame | pa.RecordBatch | pa.Table, cap: int = CATEGORY_CAP
) -> dict[str, ColumnProfile]:
    """The profile of every column of one batch, by column name."""
    if isinstance(batch, pd.DataFrame):
        pairs = [(str(name), batch.iloc[:, i]) for i, name in enumerate(batch.columns)]
    else:
        pairs = list(zip(batch.schema.names, batch.columns, strict=True))
    names = [name for name, _ in pairs]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ValueError(f"columns {doubled} appear more than once")
    return {name: profile_column(name, values, cap) for name, values in pairs}


def add_columns(
    a: Mapping[str, ColumnProfile], b: Mapping[str, ColumnProfile]
) -> dict[str, ColumnProfile]:
    """Column profiles of two parts with the same columns, merged column by column."""
    if set(a) != set(b):
        raise ValueError(f"parts differ in columns: {sorted(set(a) ^ set(b))}")
    return {name: a[name] + b[name] for name in a}


def _empty(name: str, count: int) -> ColumnProfile:
    return ColumnProfile(name, "empty", count, count)


def _numeric(name: str, kind: str, count: int, nulls: int, values: np.ndarray) -> ColumnProfile:
    numbers, nan = numbers_of(values)
    if numbers.n + numbers.posinf + numbers.neginf == 0:
        return _empty(name, count)
    return ColumnProfile(name, kind, count, nulls + nan, numbers)


def _categorical(name: str, count: int, texts: list[str], rows: Any, cap: int) -> ColumnProfile:
    categories = categories_of(texts, [int(r) for r in rows], cap)
    present = sum(categories.counts.values()) + categories.other
    if present == 0:
        return _empty(name, count)
    return ColumnProfile(name, "categorical", count, count - present, None, categories)


def _text(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _from_arrow(name: str, arr: pa.Array | pa.ChunkedArray, cap: int) -> ColumnProfile:
    t, count, nulls = arr.type, len(arr), arr.null_count
    if count == nulls:
        return _empty(name, count)
    if pa.types.is_dictionary(t):
        return _arrow_dictionary(name, arr, cap)
    if pa.types.is_boolean(t) or pa.types.is_string(t) or pa.types.is_large_string(t) or _view(t):
        pairs = pc.value_counts(arr)
        pairs = pairs.filter(pairs.field("values").is_valid())
        texts = [_text(v) for v in pairs.field("values").to_pylist()]
        return _categorical(name, count, texts, pairs.field("counts").to_numpy(), cap)
    present = pc.drop_null(arr) if nulls else arr
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return _numeric(name, "numeric", count, nulls, _to_numpy(present))
    if pa.types.is_decimal(t):
        return _numeric(name, "numeric", count, nulls, _to_numpy(present.cast(pa.float64())))
    if pa.types.is_duration(t):
        return _numeric(name, "duration", count, nulls, _seconds(present))
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return _numeric(name, "datetime", count, nulls, _seconds(present))
    raise ValueError(f"column {name!r} has a type that cannot be profiled: {t}")


def _view(t: pa.DataType) -> bool:
    return bool(getattr(pa.types, "is_string_view", lambda _: False)(t))


def _to_numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return (
        arr.to_numpy() if isinstance(arr, pa.ChunkedArray) else arr.to_numpy(zero_copy_only=False)
    )


def _seconds(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Timestamps and dates as epoch seconds, durations as seconds (float64)."""
    t = arr.type
    if pa.types.is_date32(t):
        return _to_numpy(arr.cast(pa.int32())).astype(np.float64) * 86_400
    if pa.types.is_date64(t):
        return _to_numpy(arr.cast(pa.int64())).astype(np.float64) / 1_000
    return _to_numpy(arr.cast(pa.int64())).astype(np.float64) / _PER_SECOND[t.unit]


def _arrow_dictionary(name: str, arr: pa.Array | pa.ChunkedArray, cap: int) -> ColumnProfile:
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    texts: list[str] = []
    rows: list[np.ndarray] = []
    for chunk in chunks:
        codes = _to_numpy(pc.drop_null(chunk.indices))
        texts += [_text(v) for v in chunk.dictionary.to_pylist()]
        rows.append(np.bincount(codes.astype(np.intp), minlength=len(chunk.dictionary)))
    return _categorical(name, len(arr), texts, np.concatenate(rows) if rows else [], cap)


def _from_pandas(name: str, s: pd.Series, cap: int) -> ColumnProfile:
    count, dtype = len(s), s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        rows = np.bincount(codes[codes >= 0], minlength=len(dtype.categories))
        return _categorical(name, count, [_text(v) for v in dtype.categories], rows, cap)
    if pd.api.types.is_bool_dtype(dtype):
        return _pandas_counts(name, s, cap)
    if pd.api.types.is_numeric_dtype(dtype):
        if isinstance(dtype, np.dtype):
            return _numeric(name, "numeric", count, 0, s.to_numpy())
        present = s.dropna()
        return _numeric(name, "numeric", count, count - len(present), present.to_numpy(dtype.type))
    if dtype.kind in "mM":
        return _from_arrow(name, pa.array(s, from_pandas=True), cap)
    if pd.api.types.is_object_dtype(dtype) and count and not isinstance(s.iat[0], str):
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            return _from_pandas(name, pd.to_numeric(s), cap)
    return _pandas_counts(name, s, cap)


def _pandas_counts(name: str, s: pd.Series, cap: int) -> ColumnProfile:
    pairs = s.value_counts(dropna=True, sort=False)
    return _categorical(name, len(s), [_text(v) for v in pairs.index], pairs.to_numpy(), cap)
