"""Row hashes: which rows repeat, which repeat with another label, which occur in the reference.

Per row, a 64-bit hash of its "key" (every data column but the bound label, score, prediction,
baseline and weight columns) and of its label (0 when there is none); `RowHashes` keeps the unique
(key, label) pairs with their row counts, sorted. Pairs add exactly, so `a + b` is the hashes of
the rows of both, whatever the batching or merge order.

Values hash by what they are as data, not by the type a batch happened to get: every number by its
value (1, 1.0, True and the text "1" hash alike; -0.0 as 0.0; integral values beyond 2**53 by their
exact integer), texts that read as numbers or as ISO dates as those (a CSV column that is empty in
its first block is read as text), dates and timestamps by their instant, missing values (null,
NaN) alike. Columns combine in name order, so two files with the same columns in another order
hash alike. pandas' hash of text (SipHash with a fixed key) and splitmix64 are stable across
processes and machines.

Past HASH_CAP distinct keys only the pairs of the HASH_CAP smallest key hashes are kept (a bottom-k
sample of keys: the same whatever the batching, since merges keep the bottom-k of the union) with
`threshold`, the next smallest key seen. Each key below it was kept with probability
p = threshold / 2**64, so a count over rows is estimated by Horvitz-Thompson (rank conditioning,
Cohen and Kaplan's bottom-k estimator): sum(f) / p over the kept keys, unbiased, with
`error_bound` = 3 standard errors, SE**2 = max(sum(f**2), 1) * (1 - p) / p**2 (the 1: a sample
without a single such row still bounds what it may have missed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from gate.engine.sample import mix

HASH_CAP = 5_000_000  # distinct keys kept exactly; past it a bottom-k sample of them
SPAN = 2.0**64
MISSING = np.uint64(0x6A09E667F3BCC908)  # the hash of a missing value
SEED = np.uint64(0xBB67AE8584CAA73B)  # the hash of a row before its first column
INTEGER_TAG = np.uint64(0x3C6EF372FE94F82B)  # integers beyond 2**53
TIME_TAG = np.uint64(0xA54FF53A5F1D36F1)  # instants (ns since the epoch) and durations (ns)
EXACT_FLOAT = 2.0**53
TRUE_WORDS = {"true", "True", "TRUE"}  # pyarrow's CSV booleans (numbers 1 / 0 read as numbers)
FALSE_WORDS = {"false", "False", "FALSE"}


@dataclass(frozen=True)
class RowCount:
    """A number of rows: exact (error_bound 0) or estimated from the sample of keys."""

    value: float
    error_bound: float = 0.0

    @property
    def exact(self) -> bool:
        return self.error_bound == 0.0


@dataclass(frozen=True, eq=False)
class RowHashes:
    """Unique (key, label) hash pairs with row counts, sorted by key then label."""

    columns: tuple[str, ...]  # the key columns, sorted
    key: np.ndarray  # uint64
    label: np.ndarray  # uint64
    count: np.ndarray  # int64 rows of each pair
    rows: int  # every row hashed (exact, also past the cap)
    threshold: int | None = None  # None: every key kept; else keys < threshold are kept
    cap: int = HASH_CAP

    # --- building -------------------------------------------------------------------------

    @classmethod
    def from_table(
        cls,
        table: pa.RecordBatch | pa.Table | pd.DataFrame,
        keys: list[str] | tuple[str, ...],
        label: str | None = None,
        cap: int = HASH_CAP,
    ) -> Self:
        """The hashes of one batch: `keys` are its key columns, `label` its label column."""
        names = [*keys, label] if label else list(keys)
        if isinstance(table, pd.DataFrame):
            columns = {name: _arrow(table[name]) for name in names}
        else:
            columns = {name: table.column(name) for name in names}
        key = np.full(len(table), SEED, dtype=np.uint64)
        for name in sorted(keys):
            key = mix(key ^ value_hashes(columns[name], name))
        labels = value_hashes(columns[label], label) if label else np.zeros(len(key), np.uint64)
        return cls.from_pairs(tuple(sorted(keys)), key, labels, cap)

    @classmethod
    def from_pairs(
        cls, columns: tuple[str, ...], key: np.ndarray, label: np.ndarray, cap: int = HASH_CAP
    ) -> Self:
        """The hashes of rows given their key and label hashes."""
        order = np.lexsort((label, key))
        key, label = key[order], label[order]
        start = _starts(key, label)
        count = np.diff(np.append(start, len(key))).astype(np.int64)
        return cls(columns, key[start], label[start], count, len(key), None, cap)._capped(None)

    # --- merging --------------------------------------------------------------------------

    def __add__(self, other: RowHashes) -> RowHashes:
        if self.columns != other.columns:
            raise ValueError(_other_columns(self.columns, other.columns))
        if self.cap != other.cap:
            raise ValueError(f"row hashes of different caps: {self.cap} and {other.cap}")
        bounds = [t for t in (self.threshold, other.threshold) if t is not None]
        limit = min(bounds) if bounds else None
        key, label, count = _merge(self._head(limit), other._head(limit))
        merged = RowHashes(self.columns, key, label, count, self.rows + other.rows, None, self.cap)
        return merged._capped(limit, bounds)

    def _head(self, limit: int | None) -> RowHashes:
        """The pairs of the keys below `limit` (views: the arrays are sorted by key)."""
        if limit is None or not len(self.key) or int(self.key[-1]) < limit:
            return self
        end = int(np.searchsorted(self.key, np.uint64(limit)))
        cut = (self.key[:end], self.label[:end], self.count[:end])
        return RowHashes(self.columns, *cut, self.rows, self.threshold, self.cap)

    def _capped(self, limit: int | None, bounds: list[int] | None = None) -> RowHashes:
        """Keep the keys below the (cap + 1)-th smallest of the kept keys and the thresholds
        (each threshold is a key its side saw: the bottom-(cap + 1) of the union is among them).
        `limit`: the smallest threshold; the keys at or past it are incomplete, so dropped."""
        keys = self.key[_first(self.key)]
        if limit is not None:
            keys = keys[: int(np.searchsorted(keys, np.uint64(limit)))]
        extra = np.array(sorted(set(bounds or ())), np.uint64)  # all >= limit: not in keys
        at = np.searchsorted(keys, extra)
        if len(keys) + len(extra) <= self.cap:
            return self if limit is None else self._below(limit)
        candidates = np.insert(keys, at, extra)
        return self._below(int(candidates[self.cap]))

    def _below(self, threshold: int) -> RowHashes:
        keep = self.key < np.uint64(threshold)
        return RowHashes(
            self.columns,
            self.key[keep],
            self.label[keep],
            self.count[keep],
            self.rows,
            threshold,
            self.cap,
        )

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.key, self.label, self.count

    def remap(self, codes: np.ndarray, groups: int) -> Self:
        return self  # not per group

    # --- questions ------------------------------------------------------------------------

    @property
    def sampled(self) -> bool:
        return self.threshold is not None

    def duplicate_rows(self) -> RowCount:
        """Rows whose key and label equal an earlier row's."""
        return _estimate(self._by_key(self.count - 1), self.threshold)

    def conflicting_rows(self) -> RowCount:
        """Rows whose key occurs with two or more distinct labels."""
        labels = np.diff(np.append(_first(self.key), len(self.key)))
        return _estimate(np.where(labels > 1, self._by_key(self.count), 0), self.threshold)

    def overlap_rows(self, other: RowHashes) -> RowCount:
        """Rows of these hashes whose key occurs in `other` (the reference: leakage). Past
        either cap, over the keys below the smaller threshold (both hold all of those)."""
        if self.columns != other.columns:
            raise ValueError(_other_columns(self.columns, other.columns))
        bounds = [t for t in (self.threshold, other.threshold) if t is not None]
        keys = self.key[_first(self.key)]
        rows = np.where(np.isin(keys, other.key), self._by_key(self.count), 0)
        if not bounds:
            return _estimate(rows, None)
        return _estimate(rows[keys < np.uint64(min(bounds))], min(bounds))

    def distinct_keys(self) -> RowCount:
        """Distinct keys (KMV estimate past the cap)."""
        return _estimate(np.ones(len(_first(self.key)), np.int64), self.threshold)

    def _by_key(self, values: np.ndarray) -> np.ndarray:
        """`values` (one per pair) summed over the pairs of each key."""
        firsts = _first(self.key)
        return np.add.reduceat(values, firsts) if len(firsts) else values[:0]

    # --- saving ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values and the arrays key (uint64), label (uint64), count (int64)."""
        return {
            "columns": list(self.columns),
            "key": self.key,
            "label": self.label,
            "count": self.count,
            "rows": self.rows,
            "threshold": None if self.threshold is None else str(self.threshold),
            "cap": self.cap,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RowHashes:
        """What `to_dict` gave; ValueError when the arrays are not a valid set of hashes."""
        threshold = None if data["threshold"] is None else int(data["threshold"])
        found = cls(
            tuple(str(c) for c in data["columns"]),
            _typed(data["key"], np.uint64, "key"),
            _typed(data["label"], np.uint64, "label"),
            _typed(data["count"], np.int64, "count"),
            int(data["rows"]),
            threshold,
            int(data["cap"]),
        )
        found.validate()
        return found

    def validate(self) -> None:
        """ValueError unless the arrays are sorted unique pairs with positive counts that add
        up to at most `rows`, and the sample is what the cap and threshold say."""
        n = len(self.key)
        if not len(self.label) == len(self.count) == n:
            raise ValueError("row hashes: key, label and count differ in length")
        if list(self.columns) != sorted(set(self.columns)):
            raise ValueError("row hashes: key columns are not sorted and unique")
        if n and (self.count.min() < 1 or int(self.count.sum()) > self.rows):
            raise ValueError("row hashes: counts are not positive or exceed the rows")
        if n > 1 and not _strictly_sorted(self.key, self.label):
            raise ValueError("row hashes: pairs are not sorted and unique")
        if self.cap < 1 or len(np.unique(self.key)) > self.cap:
            raise ValueError("row hashes: more keys than the cap")
        past = self.threshold is not None and (
            not 0 < self.threshold < 2**64 or (n and int(self.key[-1]) >= self.threshold)
        )
        if past:
            raise ValueError("row hashes: keys past the threshold")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowHashes):
            return NotImplemented
        same = (self.columns, self.rows, self.threshold, self.cap) == (
            other.columns,
            other.rows,
            other.threshold,
            other.cap,
        )
        arrays = ("key", "label", "count")
        return same and all(np.array_equal(getattr(self, a), getattr(other, a)) for a in arrays)


# --- hashing values --------------------------------------------------------------------------


def value_hashes(values: pa.Array | pa.ChunkedArray, name: str = "") -> np.ndarray:
    """A uint64 per value, equal for values equal as data (see the module's docstring)."""
    if isinstance(values, pa.ChunkedArray):
        parts = [value_hashes(chunk, name) for chunk in values.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, np.uint64)
    t = values.type
    if pa.types.is_dictionary(t):
        return _by_dictionary(values.dictionary, values.indices, name)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or _is_view(t):
        encoded = pc.dictionary_encode(values)
        return _by_dictionary(encoded.dictionary, encoded.indices, name)
    if pa.types.is_null(t):
        return np.full(len(values), MISSING, np.uint64)
    if pa.types.is_boolean(t):
        return _numbers(values.cast(pa.int8()))
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return _numbers(values)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return _instants(values.cast(pa.timestamp("ns", getattr(t, "tz", None))))
    if pa.types.is_duration(t):
        return _instants(values.cast(pa.duration("ns")))
    try:
        text = values.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        raise ValueError(f"column {name!r} has a type that cannot be hashed: {t}") from None
    return value_hashes(text, name)


def _is_view(t: pa.DataType) -> bool:
    return bool(getattr(pa.types, "is_string_view", lambda _: False)(t))


def _numbers(values: pa.Array) -> np.ndarray:
    """Numbers by value: float64 bits (-0.0 as 0.0), integral values past 2**53 as integers."""
    t = values.type
    if pa.types.is_integer(t) and t.bit_width == 64:
        ints = values.cast(pa.int64(), safe=False).fill_null(0).to_numpy(zero_copy_only=False)
        floats = values.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
        return _from_floats(floats, ints if not pa.types.is_unsigned_integer(t) else None)
    floats = values.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    return _from_floats(floats, None)


def _from_floats(floats: np.ndarray, ints: np.ndarray | None) -> np.ndarray:
    """`ints`: the exact integers the floats came from, when they did."""
    floats = np.asarray(floats, dtype=np.float64) + 0.0  # -0.0 + 0.0 is 0.0
    out = mix(floats.view(np.uint64))
    size = np.abs(floats)
    large = (size > EXACT_FLOAT) & (size < 2.0**63) & (floats == np.floor(floats))
    if large.any():
        exact = ints[large] if ints is not None else floats[large].astype(np.int64)
        out[large] = mix(exact.astype(np.int64).view(np.uint64) ^ INTEGER_TAG)
    out[np.isnan(floats)] = MISSING
    return out


def _instants(values: pa.Array) -> np.ndarray:
    ns = values.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    out = mix(ns.astype(np.int64).view(np.uint64) ^ TIME_TAG)
    out[values.is_null().to_numpy(zero_copy_only=False)] = MISSING
    return out


def _by_dictionary(dictionary: pa.Array, indices: pa.Array, name: str) -> np.ndarray:
    """Hash each distinct value once, then look the rows up."""
    if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)):
        uniques = value_hashes(dictionary, name)
    else:
        uniques = _texts(dictionary)
    index = indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.intp)
    out = uniques[index] if len(uniques) else np.full(len(index), MISSING, np.uint64)
    out[indices.is_null().to_numpy(zero_copy_only=False)] = MISSING
    return out


def _texts(texts: pa.Array) -> np.ndarray:
    """Texts as the numbers, booleans or instants they read as; the rest by SipHash."""
    out = np.full(len(texts), MISSING, np.uint64)
    words = texts.to_numpy(zero_copy_only=False)
    present = ~pd.isna(words)
    numeric = _as_numbers(texts)
    truth = np.array([w in TRUE_WORDS for w in words]) if len(words) else np.zeros(0, bool)
    false = np.array([w in FALSE_WORDS for w in words]) if len(words) else np.zeros(0, bool)
    numeric = np.where(truth, 1.0, np.where(false, 0.0, numeric))
    is_number = present & ~np.isnan(numeric)
    out[is_number] = _from_floats(numeric[is_number], _as_ints(texts, is_number))
    rest = present & ~is_number
    if rest.any():
        out[rest] = _instants_or_text(texts.filter(pa.array(rest)), words[rest])
    return out


def _as_numbers(texts: pa.Array) -> np.ndarray:
    try:
        return texts.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        series = pd.Series(texts.to_numpy(zero_copy_only=False), dtype=object)
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)


def _as_ints(texts: pa.Array, is_number: np.ndarray) -> np.ndarray | None:
    """Exact integers of number texts past 2**53, when all of them read as int64."""
    try:
        return texts.filter(pa.array(is_number)).cast(pa.int64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _instants_or_text(texts: pa.Array, words: np.ndarray) -> np.ndarray:
    try:
        return _instants(texts.cast(pa.timestamp("ns")))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.util.hash_array(words.astype(object), categorize=False).astype(np.uint64)


def _arrow(series: pd.Series) -> pa.Array:
    """A pandas column as Arrow; objects of mixed types as their texts."""
    try:
        return pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        texts = [None if pd.isna(v) else str(v) for v in series]
        return pa.array(texts, pa.string())


# --- pair arrays -----------------------------------------------------------------------------


def _starts(key: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Where each run of equal (key, label) pairs starts in sorted arrays."""
    if not len(key):
        return np.zeros(0, np.intp)
    new = np.empty(len(key), bool)
    new[0] = True
    new[1:] = (key[1:] != key[:-1]) | (label[1:] != label[:-1])
    return np.flatnonzero(new)


def _first(key: np.ndarray) -> np.ndarray:
    """Where each run of equal keys starts in a sorted key array."""
    if not len(key):
        return np.zeros(0, np.intp)
    new = np.empty(len(key), bool)
    new[0] = True
    new[1:] = key[1:] != key[:-1]
    return np.flatnonzero(new)


def _merge(a: RowHashes, b: RowHashes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two sorted pair lists as one, equal pairs added: a linear merge by key (the smaller list
    inserted into the larger where searchsorted places it), then the few runs of a repeated key
    sorted by label."""
    if len(a.key) < len(b.key):
        a, b = b, a
    at = np.searchsorted(a.key, b.key, side="right")
    key, label, count = (np.insert(x, at, y) for x, y in zip(a.arrays(), b.arrays(), strict=True))
    _sort_repeated_keys(key, label, count)
    start = _starts(key, label)
    if len(start) == len(key):
        return key, label, count  # no pair in both
    return key[start], label[start], np.add.reduceat(count, start)


def _sort_repeated_keys(key: np.ndarray, label: np.ndarray, count: np.ndarray) -> None:
    """Sort by label, in place, the pairs of every key that occurs more than once."""
    if len(key) < 2:
        return
    same = key[1:] == key[:-1]
    if not same.any():
        return
    repeated = np.zeros(len(key), bool)
    repeated[1:] |= same
    repeated[:-1] |= same
    slots = np.flatnonzero(repeated)
    order = slots[np.lexsort((label[slots], key[slots]))]
    label[slots], count[slots] = label[order], count[order]


def _strictly_sorted(key: np.ndarray, label: np.ndarray) -> bool:
    later = (key[1:] > key[:-1]) | ((key[1:] == key[:-1]) & (label[1:] > label[:-1]))
    return bool(later.all())


def _typed(values: Any, dtype: type, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or (array.size and array.dtype != np.dtype(dtype)):
        raise ValueError(f"row hashes: {name} is not a 1-d {np.dtype(dtype).name} array")
    return array.astype(dtype, copy=False)


def _estimate(f: np.ndarray, threshold: int | None) -> RowCount:
    """sum(f) over all keys from f of the kept keys (Horvitz-Thompson past the cap)."""
    total = float(np.sum(f, dtype=np.float64))
    if threshold is None:
        return RowCount(total)
    p = threshold / SPAN
    squares = max(float(np.sum(np.square(f, dtype=np.float64))), 1.0)
    return RowCount(total / p, 3.0 * float(np.sqrt(squares * (1.0 - p))) / p)


def _other_columns(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    differ = sorted(set(a) ^ set(b))
    return f"row hashes over different key columns (differ in: {', '.join(differ) or 'order'})"
