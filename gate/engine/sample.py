"""A bounded, mergeable sample of rows: the rows whose mixed row number is smallest.

Checks that need rows rather than statistics (proxy screening; behaviour checks) read this
sample. The key of a row is a fixed mix (splitmix64) of its row number in the file, so the
sample is the same whatever the batching or the order batches are merged in, and it is all the
rows when the data has at most `SAMPLE_ROWS` of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd

SAMPLE_ROWS = 200_000


def mix(rows: np.ndarray) -> np.ndarray:
    """splitmix64 of row numbers: a fixed, well-spread uint64 key per row."""
    z = rows.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@dataclass(frozen=True, eq=False)
class RowSample:
    """At most `SAMPLE_ROWS` rows, in file order, with their row numbers."""

    frame: pd.DataFrame
    rows: np.ndarray  # int64 row numbers in the file

    @classmethod
    def from_rows(cls, frame: pd.DataFrame, offset: int) -> Self:
        rows = np.arange(offset, offset + len(frame), dtype=np.int64)
        return cls(frame.reset_index(drop=True), rows)._bounded()

    def _bounded(self) -> Self:
        if len(self.rows) <= SAMPLE_ROWS:
            order = np.argsort(self.rows, kind="stable")
        else:
            keep = np.argsort(mix(self.rows), kind="stable")[:SAMPLE_ROWS]
            order = keep[np.argsort(self.rows[keep], kind="stable")]
        return type(self)(self.frame.iloc[order].reset_index(drop=True), self.rows[order])

    def __add__(self, other: Self) -> Self:
        frame = pd.concat([self.frame, other.frame], ignore_index=True)
        return type(self)(frame, np.concatenate([self.rows, other.rows]))._bounded()

    def remap(self, codes: np.ndarray, groups: int) -> Self:
        return self

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Rows are data, not statistics: a saved profile does not keep them."""
        return {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowSample):
            return NotImplemented
        return np.array_equal(self.rows, other.rows) and self.frame.equals(other.frame)
