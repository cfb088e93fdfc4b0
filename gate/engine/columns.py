"""Per-column profiles: counts, missing values, moments, a log-bucket sketch, category counts.

`profile_column(name, values)` summarises one batch of one column; profiles of the same column add
(`profile(a) + profile(b)` is the profile of the rows of `a` then `b`), so batches stream in bounded
memory and partitions merge in any order. What is exact under ANY batching and merge order: `count`,
`missing`, the infinity counts, `min`, `max`, the sketch's buckets, the exact value table, the
category counts and `other`, and the sum of an integer column. The float moments (mean, M2, M3,
M4, a float sum) are merged with Pebay's pairwise formulas: bit-identical for the same batching
(and `a + b == b + a`), within about 1e-12 relative across batchings; past |x| ~ 1e77 the higher
moments overflow to inf / NaN.

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
days today): their min, max and moments are the precise part. Beside the sketch, while the whole
column has at most NUMBER_EXACT_CAP distinct finite values, `values` / `value_counts` hold every
distinct finite value (float64, sorted; -0.0 is 0.0) and its count; a batch or a merge past the
cap drops them (None), so whether they are kept does not depend on the batching.

Categories: counts per category text. Past CATEGORY_CAP distinct values only the CATEGORY_CAP
categories with the smallest stable hash (blake2b of the UTF-8 text, 8 bytes) keep their counts, and
the rows of the others are counted in `other`. That bottom-k sample is the same whatever the
batching or merge order, so merges stay exact; the price is that a frequent category may fall in
`other` once a column is past the cap.

Serialisation: `to_dict()` / `from_dict()` give plain JSON values plus numpy arrays (int64 sketch
keys and counts, the float64 / int64 exact table or None, category counts); the sketch stores
occupied buckets only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from gate.engine.column_categories import (
    CATEGORY_CAP,
    Categories,
    add_categories,
    categories_of,
)
from gate.engine.column_numbers import (
    ACCURACY,
    ZERO_FLOOR,
    Exact,
    Numbers,
    add_numbers,
    numbers_of,
)

#: the fixed bins of every column profile: profiles with other settings are not comparable
BINS = {"accuracy": ACCURACY, "zero_floor": ZERO_FLOOR, "category_cap": CATEGORY_CAP}
KINDS = ("empty", "numeric", "datetime", "duration", "categorical")


# --- one column ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ColumnProfile(Exact):
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
        """Plain JSON values, except the numpy arrays `keys` and `counts` of the sketch, the exact
        table `values` / `value_counts` (or None) and `counts` of the categories (whose `values`
        list is sorted)."""
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
            for key, dtype in (("values", np.float64), ("value_counts", np.int64)):
                if raw.get(key) is not None:
                    raw[key] = np.asarray(raw[key], dtype=dtype).reshape(-1)
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
