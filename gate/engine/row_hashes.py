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

from gate.engine.hash_pairs import first, merge_pairs, sorted_pairs, starts, strictly_sorted
from gate.engine.sample import mix
from gate.engine.value_hashes import as_arrow, value_hashes

HASH_CAP = 5_000_000  # distinct keys kept exactly; past it a bottom-k sample of them
SPAN = 2.0**64
SEED = np.uint64(0xBB67AE8584CAA73B)  # the hash of a row before its first column


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
            columns = {name: as_arrow(table[name]) for name in names}
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
        key, label = sorted_pairs(key, label)
        start = starts(key, label)
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
        key, label, count = merge_pairs(self._head(limit), other._head(limit))
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
        keys = self.key[first(self.key)]
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
        labels = np.diff(np.append(first(self.key), len(self.key)))
        return _estimate(np.where(labels > 1, self._by_key(self.count), 0), self.threshold)

    def overlap_rows(self, other: RowHashes) -> RowCount:
        """Rows of these hashes whose key occurs in `other` (the reference: leakage). Past
        either cap, over the keys below the smaller threshold (both hold all of those)."""
        if self.columns != other.columns:
            raise ValueError(_other_columns(self.columns, other.columns))
        bounds = [t for t in (self.threshold, other.threshold) if t is not None]
        keys = self.key[first(self.key)]
        rows = np.where(np.isin(keys, other.key), self._by_key(self.count), 0)
        if not bounds:
            return _estimate(rows, None)
        return _estimate(rows[keys < np.uint64(min(bounds))], min(bounds))

    def distinct_keys(self) -> RowCount:
        """Distinct keys (KMV estimate past the cap)."""
        return _estimate(np.ones(len(first(self.key)), np.int64), self.threshold)

    def _by_key(self, values: np.ndarray) -> np.ndarray:
        """`values` (one per pair) summed over the pairs of each key."""
        firsts = first(self.key)
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
        if n > 1 and not strictly_sorted(self.key, self.label):
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


# --- checking and counting ------------------------------------------------------------------


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
