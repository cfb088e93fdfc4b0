"""Regression cells: per-group moment sums of the row losses, and a moment-matched bootstrap.

Per group g the part keeps the sums S_g of the per-row vector
v_i = w_i * (1, y_i, y_i^2, p_i, e_i^2, |e_i|, ape_i)  (e = p - y, ape = |e| / max(|y|, eps)),
the cross-product sums Q_g = sum v_i v_i^T, the unweighted row counts n_g, and min / max of y.
Sums add like counts (floats: to rounding; a different batching may change the last bits);
n, min and max are exact. Point values of mae, mse, rmse, r2 and mape are exact from S.

A row bootstrap's resampled sums are T* = sum c_i v_i, c ~ Multinomial(n, 1/n). Here the group
counts N*_g are drawn exactly (one multinomial over the groups) and, within each group,
T*_g ~ N*_g mu_g + sqrt(N*_g) L_g z with mu_g = S_g / n_g, L_g L_g^T the within-group covariance
and z standard normal: the row bootstrap's first two moments exactly, its shape by the central
limit theorem. Cost O(resamples x groups x k^2), whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np

from gate.engine.stats import RegressionStats

EPS = np.finfo(np.float64).eps
#: the components of the per-row vector v_i (each already multiplied by the row's weight)
COLUMNS = ("w", "wy", "wyy", "pred", "sq_err", "abs_err", "ape")
K = len(COLUMNS)
_W, _Y, _YY, _PRED, _SQ, _ABS, _APE = range(K)
#: rows turned into vectors at once: (K, CHUNK_ROWS) floats stay in cache (about 1.8 MB)
CHUNK_ROWS = 32_768
JITTER = 1e-10  # added to the correlation's diagonal: positive definite, so Cholesky exists

#: components that are sums of non-negative terms: a normal draw below 0 is clipped to 0
_NON_NEGATIVE = [_W, _YY, _SQ, _ABS, _APE]
#: the metrics value() and bootstrap() compute
METRICS = ("mae", "mse", "rmse", "r2", "mape")


@dataclass(frozen=True, eq=False)
class RegressionCells:
    """Moment sums per group: sums (G, K), cross (G, K, K), n (G,), y_min and y_max (G,)."""

    sums: np.ndarray
    cross: np.ndarray
    n: np.ndarray
    y_min: np.ndarray
    y_max: np.ndarray

    @classmethod
    def from_rows(
        cls,
        group: np.ndarray,
        y: np.ndarray,
        pred: np.ndarray,
        weight: np.ndarray | None,
        groups: int | None = None,
    ) -> Self:
        """One batch; `group` are int64 codes 0..groups-1 (groups defaults to max + 1)."""
        group = np.asarray(group, dtype=np.int64)
        size = int(group.max(initial=-1)) + 1 if groups is None else groups
        if len(group) and (group.min() < 0 or group.max() >= size):
            raise ValueError(f"regression cells: group codes must lie in 0..{size - 1}")
        y, pred, w = _checked(y, pred, weight, len(group))
        n = np.bincount(group, minlength=size)
        if size > 1:  # rows of a group together: radix sort on small codes
            order = np.argsort(group.astype(np.min_scalar_type(size)), kind="stable")
            y, pred, w = y[order], pred[order], w[order]
        ends = np.cumsum(n)
        sums, cross = np.zeros((size, K)), np.zeros((size, K, K))
        y_min, y_max = np.full(size, np.inf), np.full(size, -np.inf)
        for g in np.flatnonzero(n):
            for start in range(ends[g] - n[g], ends[g], CHUNK_ROWS):
                rows = slice(start, min(start + CHUNK_ROWS, ends[g]))
                v = _row_vectors(y[rows], pred[rows], w[rows])
                sums[g] += v.sum(axis=1)
                cross[g] += v @ v.T
            rows = slice(ends[g] - n[g], ends[g])
            y_min[g], y_max[g] = y[rows].min(), y[rows].max()
        return cls(sums, cross, n, y_min, y_max)

    def remap(self, codes: np.ndarray, groups: int) -> Self:
        """Old group j becomes codes[j]; groups mapped together add."""
        codes = np.asarray(codes, dtype=np.int64)
        sums, cross = np.zeros((groups, K)), np.zeros((groups, K, K))
        n = np.zeros(groups, dtype=np.int64)
        y_min, y_max = np.full(groups, np.inf), np.full(groups, -np.inf)
        np.add.at(sums, codes, self.sums)
        np.add.at(cross, codes, self.cross)
        np.add.at(n, codes, self.n)
        np.minimum.at(y_min, codes, self.y_min)
        np.maximum.at(y_max, codes, self.y_max)
        return type(self)(sums, cross, n, y_min, y_max)

    def __add__(self, other: Self) -> Self:
        return type(self)(
            self.sums + other.sums,
            self.cross + other.cross,
            self.n + other.n,
            np.minimum(self.y_min, other.y_min),
            np.maximum(self.y_max, other.y_max),
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "sums": self.sums,
            "cross": self.cross,
            "n": self.n,
            "y_min": self.y_min,
            "y_max": self.y_max,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Self:
        """Inverse of to_arrays; ValueError naming the array whose shape or type is wrong."""
        n = np.asarray(arrays["n"])
        if n.ndim != 1 or n.dtype.kind not in "iu" or (n < 0).any():
            raise ValueError("regression cells: 'n' must be a 1-D array of counts")
        size = len(n)
        shapes = {"sums": (size, K), "cross": (size, K, K), "y_min": (size,), "y_max": (size,)}
        out = {}
        for key, shape in shapes.items():
            a = np.asarray(arrays[key])
            if a.shape != shape or a.dtype.kind != "f":
                raise ValueError(f"regression cells: {key!r} must be a float array of {shape}")
            out[key] = a.astype(np.float64)
        return cls(out["sums"], out["cross"], n.astype(np.int64), out["y_min"], out["y_max"])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RegressionCells):
            return NotImplemented
        mine, theirs = self.to_arrays(), other.to_arrays()
        return all(np.array_equal(mine[k], theirs[k]) for k in mine)

    __hash__ = None  # type: ignore[assignment]


def _checked(
    y: np.ndarray, pred: np.ndarray, weight: np.ndarray | None, rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y, pred and weights as float arrays; ValueError naming a bad one."""
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    w = np.ones(rows) if weight is None else np.asarray(weight, dtype=float)
    for name, a in (("y_true", y), ("y_pred", pred), ("sample_weight", w)):
        if a.shape != (rows,):
            raise ValueError(f"regression cells: {name} has shape {a.shape}, expected ({rows},)")
        if not np.isfinite(a).all():
            raise ValueError(f"regression cells: {name} has non-finite values")
    if (w < 0).any():
        raise ValueError("regression cells: sample_weight has negative values")
    return y, pred, w


def _row_vectors(y: np.ndarray, pred: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The (K, rows) matrix whose columns are the v_i, each row contiguous."""
    v = np.empty((K, len(y)))
    err = np.subtract(pred, y, out=v[_SQ])
    np.abs(err, out=v[_ABS])
    np.divide(v[_ABS], np.maximum(np.abs(y), EPS), out=v[_APE])
    np.multiply(err, err, out=v[_SQ])
    v[_W] = w
    np.multiply(w, y, out=v[_Y])
    np.multiply(v[_Y], y, out=v[_YY])
    np.multiply(w, pred, out=v[_PRED])
    v[[_SQ, _ABS, _APE]] *= w
    return v


def _metric(name: str, t: np.ndarray, constant_y: bool, rows: np.ndarray) -> np.ndarray:
    """The metric from summed vectors t (..., K); `rows`: unweighted rows of each sum."""
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(t[..., _W] > 0, t[..., _W], np.nan)
        if name == "r2":
            return _r2(t, w, constant_y, rows)
        column = {"mae": _ABS, "mse": _SQ, "rmse": _SQ, "mape": _APE}[name]
        mean = t[..., column] / w
        return np.sqrt(mean) if name == "rmse" else mean


def _r2(t: np.ndarray, w: np.ndarray, constant_y: bool, rows: np.ndarray) -> np.ndarray:
    """scikit-learn's r2: NaN under two rows; constant y: 1.0 if perfect else 0.0."""
    sse = t[..., _SQ]
    if constant_y:
        r2 = np.where(sse == 0, 1.0, 0.0)
    else:
        sst = t[..., _YY] - t[..., _Y] ** 2 / w
        r2 = np.where(sst > 0, 1 - sse / np.where(sst > 0, sst, 1.0), np.nan)
    return np.where((rows >= 2) & np.isfinite(w), r2, np.nan)


def _kept(cells: RegressionCells, keep: np.ndarray | None) -> np.ndarray:
    return np.ones(len(cells.n), dtype=bool) if keep is None else np.asarray(keep, dtype=bool)


def _constant_y(cells: RegressionCells, keep: np.ndarray) -> bool:
    """Whether every kept row has the same y (exact, from min and max)."""
    present = keep & (cells.n > 0)
    return bool(present.any()) and cells.y_min[present].min() == cells.y_max[present].max()


def value(name: str, cells: RegressionCells, keep: np.ndarray | None = None) -> float:
    """The metric over all groups (or the groups `keep` marks); NaN where undefined."""
    keep = _kept(cells, keep)
    t = cells.sums[keep].sum(axis=0)
    rows = np.asarray(cells.n[keep].sum())
    return float(_metric(name, t, _constant_y(cells, keep), rows))


def stats(cells: RegressionCells) -> RegressionStats:
    """The point statistics per group (as stats.regression_stats computes them)."""
    return _as_stats(cells.sums, cells.n)


def _as_stats(t: np.ndarray, n: np.ndarray) -> RegressionStats:
    return RegressionStats(
        w=t[..., _W], pred=t[..., _PRED], abs_err=t[..., _ABS], sq_err=t[..., _SQ], n=n
    )


def _roots(cells: RegressionCells) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the mean vector mu (G, K) and a square root L (G, K, K) of the covariance.

    The covariance is scaled to a correlation matrix before its factorisation, so that
    components of very different magnitude (ape next to weights) keep their precision. The
    square root is the Cholesky factor of the correlation plus JITTER on the diagonal: unique
    and continuous in the sums, so sums that differ in their last bits (another batching) give
    draws that differ in their last bits too. (An eigen-decomposition is not: an eigenvector's
    sign, or a basis of a repeated eigenvalue, can flip under rounding and move every draw.)
    """
    count = np.maximum(cells.n, 1)[:, None]
    mu = cells.sums / count
    cov = cells.cross / count[..., None] - mu[:, :, None] * mu[:, None, :]
    scale = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0.0, None))
    safe = np.where(scale > 0, scale, 1.0)
    corr = cov / (safe[:, :, None] * safe[:, None, :])
    root = np.linalg.cholesky(corr + JITTER * np.eye(K))
    return mu, scale[:, :, None] * root


def resampled_sums(
    cells: RegressionCells, resamples: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(T*, N*): resampled sums (resamples, G, K) and row counts (resamples, G)."""
    rng = np.random.default_rng(seed)
    total = int(cells.n.sum())
    share = cells.n / total if total else np.full(len(cells.n), 1.0 / max(len(cells.n), 1))
    counts = rng.multinomial(total, share, size=resamples)
    mu, root = _roots(cells)
    z = rng.standard_normal((resamples, len(cells.n), K))
    noise = np.einsum("gkj,rgj->rgk", root, z)
    t = counts[..., None] * mu + np.sqrt(counts)[..., None] * noise
    t[..., _NON_NEGATIVE] = np.maximum(t[..., _NON_NEGATIVE], 0.0)
    return t, counts


def resample_stats(cells: RegressionCells, resamples: int, seed: int) -> RegressionStats:
    """Per-group statistics of each resample (leading axis); `n` holds the drawn row counts."""
    t, counts = resampled_sums(cells, resamples, seed)
    return _as_stats(t, counts)


def bootstrap(
    name: str,
    cells: RegressionCells,
    resamples: int,
    seed: int,
    keep: np.ndarray | None = None,
) -> np.ndarray:
    """The metric over all (or the kept) groups on each resample; NaN where undefined."""
    keep = _kept(cells, keep)
    t, counts = resampled_sums(cells, resamples, seed)
    t, rows = t[:, keep].sum(axis=1), counts[:, keep].sum(axis=1)
    return _metric(name, t, _constant_y(cells, keep), rows)
