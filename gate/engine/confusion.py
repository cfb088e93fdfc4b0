"""The confusion part of a profile: per group, counts of (truth, prediction) cells.

Row counts are integers, so they add exactly in any order; with sample weights the cells also
carry the sums of weights and of squared weights (for the weighted bootstrap's moment match).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np

from gate.engine.stats import ConfusionStats, confusion_from_cells


@dataclass(frozen=True, eq=False)
class Cells:
    """Row counts in cells (groups on the first axis), with weight sums when weighted: what
    confusion cells and the paired comparison's joint cells (engine/paired.py) share."""

    n: np.ndarray  # int64 rows
    w: np.ndarray | None = None  # sums of weights (None: unweighted)
    w2: np.ndarray | None = None  # sums of squared weights

    @property
    def weighted(self) -> bool:
        return self.w is not None

    def arrays(self) -> dict[str, np.ndarray]:
        """The stored arrays by name (unweighted: n only)."""
        out = {"n": self.n}
        if self.w is not None and self.w2 is not None:
            out |= {"w": self.w, "w2": self.w2}
        return out

    def _map(self, op) -> Self:
        return type(self)(**{k: op(v) for k, v in self.arrays().items()})

    def remap(self, codes: np.ndarray, groups: int) -> Self:
        """Group j becomes group codes[j] of `groups`."""

        def move(a: np.ndarray) -> np.ndarray:
            out = np.zeros((groups, *a.shape[1:]), dtype=a.dtype)
            np.add.at(out, codes, a)
            return out

        return self._map(move)

    def fold(self, onehot: np.ndarray) -> Self:
        """Coarser groups: sums over the finer groups each column of `onehot` marks."""

        def fold(a: np.ndarray) -> np.ndarray:
            folded = np.einsum("g...,gc->c...", a.astype(float), onehot)
            return np.rint(folded).astype(np.int64) if a.dtype == np.int64 else folded

        return self._map(fold)

    def __add__(self, other: Self) -> Self:
        if self.weighted != other.weighted:
            raise ValueError("cannot add weighted and unweighted cells")
        mine, theirs = self.arrays(), other.arrays()
        return type(self)(**{k: mine[k] + theirs[k] for k in mine})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = self.arrays(), other.arrays()  # type: ignore[attr-defined]
        return mine.keys() == theirs.keys() and all(
            np.array_equal(mine[k], theirs[k]) for k in mine
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        return dict(self.arrays())

    @classmethod
    def _checked(cls, arrays: dict[str, np.ndarray], shape: tuple[int, ...], what: str) -> Self:
        """The cells of `arrays` (the inverse of to_arrays), checked to be (groups, *shape)."""
        n = np.asarray(arrays["n"], dtype=np.int64)
        if n.ndim != 1 + len(shape) or n.shape[1:] != shape:
            raise ValueError(
                f"{what} cells have shape {n.shape}, not (groups, {', '.join(map(str, shape))})"
            )
        if "w" not in arrays:
            return cls(n)
        w, w2 = (np.asarray(arrays[k], dtype=float) for k in ("w", "w2"))
        if w.shape != n.shape or w2.shape != n.shape:
            raise ValueError(f"{what} weight sums do not match the counts' shape")
        return cls(n, w, w2)

    @classmethod
    def _counted(
        cls,
        group: np.ndarray,
        bits: tuple[np.ndarray, ...],
        weight: np.ndarray | None,
        groups: int | None,
    ) -> Self:
        """Rows counted into cells of shape (groups, 2, ..., 2), one axis of 0/1 per array of
        `bits` in order; `group` holds codes 0..groups-1 (default: max + 1)."""
        group = np.asarray(group, dtype=np.int64)
        groups = int(group.max(initial=-1)) + 1 if groups is None else groups
        cell = group
        for bit in bits:
            cell = cell * 2 + np.asarray(bit, np.int64)
        size = 2 ** len(bits)

        def count(values: np.ndarray | None) -> np.ndarray:
            sums = np.bincount(cell, weights=values, minlength=groups * size)
            return sums.reshape(groups, *(2,) * len(bits))

        n = count(None).astype(np.int64)
        if weight is None:
            return cls(n)
        w = np.asarray(weight, dtype=float)
        return cls(n, count(w), count(w * w))

    def draw(self, resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(weights, rows) in the cells of `resamples` bootstrap resamples (leading axis): one
        multinomial draw over the cells each; with weights, a cell's resampled weight is a
        normal with the cell's mean and variance of weights (moment-matched, clipped at 0)."""
        counts = self.n.astype(float)
        total = int(self.n.sum())
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(total, counts.ravel() / max(total, 1), size=resamples)
        draws = draws.astype(float).reshape(resamples, *counts.shape)
        if self.w is None or self.w2 is None:
            return draws, draws
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.nan_to_num(self.w / counts)
            var = np.nan_to_num(self.w2 / counts)
        var = np.maximum(var - mean * mean, 0.0)
        weighted = draws * mean + np.sqrt(draws * var) * rng.standard_normal(draws.shape)
        return np.maximum(weighted, 0.0), draws


@dataclass(frozen=True, eq=False)
class ConfusionCells(Cells):
    """Arrays of shape (groups, 2, 2), indexed [group, truth, prediction]."""

    @classmethod
    def from_rows(
        cls,
        group: np.ndarray,
        y: np.ndarray,
        pred: np.ndarray,
        weight: np.ndarray | None = None,
        groups: int | None = None,
    ) -> Self:
        """The cells of one batch; `group` holds codes 0..groups-1 (default: max + 1)."""
        return cls._counted(group, (y, pred), weight, groups)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Self:
        return cls._checked(arrays, (2, 2), "confusion")

    def stats(self) -> ConfusionStats:
        """Per-group confusion statistics (weighted sums where weighted)."""
        weighted = self.n.astype(float) if self.w is None else self.w
        return confusion_from_cells(weighted, self.n.astype(float))

    def resample(self, resamples: int, seed: int) -> ConfusionStats:
        """Per-group statistics of `resamples` bootstrap resamples (leading axis; see draw)."""
        return confusion_from_cells(*self.draw(resamples, seed))
