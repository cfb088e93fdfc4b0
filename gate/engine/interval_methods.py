"""Bootstrap confidence intervals from resampled values: percentile, basic, BC, BCa, and
simultaneous (max-t) intervals for the largest of several signed contrasts.

Every function works along the last axis (the resamples) and broadcasts over leading axes, so a
coverage study can evaluate thousands of data sets at once. Quantiles are numpy's linear ones, as
in scipy.stats.bootstrap, which `tests/engine/test_interval_methods.py` uses as the oracle.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import ndtr, ndtri

from gate.engine.group_metrics import GROUP_METRICS
from gate.engine.stats import Stats


def _alpha(confidence: float) -> float:
    return (1.0 - confidence) / 2.0


def _quantiles(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """values[..., B] at per-row levels[..., k] in [0, 1]: (..., k), linear interpolation."""
    ordered = np.sort(values, axis=-1)
    pos = np.clip(levels, 0.0, 1.0) * (ordered.shape[-1] - 1)
    low = np.floor(pos).astype(np.int64)
    high = np.minimum(low + 1, ordered.shape[-1] - 1)
    frac = pos - low
    a = np.take_along_axis(ordered, low, axis=-1)
    b = np.take_along_axis(ordered, high, axis=-1)
    return a + frac * (b - a)


def percentile(values: np.ndarray, confidence: float) -> np.ndarray:
    """(..., 2): the alpha/2 and 1 - alpha/2 quantiles of the resampled values."""
    a = _alpha(confidence)
    return _quantiles(values, np.broadcast_to([a, 1 - a], (*values.shape[:-1], 2)))


def basic(values: np.ndarray, estimate: np.ndarray, confidence: float) -> np.ndarray:
    """(..., 2): the reverse percentile interval 2 * estimate - (q(1 - alpha/2), q(alpha/2))."""
    q = percentile(values, confidence)
    return 2 * np.asarray(estimate)[..., None] - q[..., ::-1]


def bias(values: np.ndarray, estimate: np.ndarray) -> np.ndarray:
    """z0: the normal quantile of the share of resampled values below the estimate (ties
    count one half, as scipy.stats.bootstrap does)."""
    est = np.asarray(estimate)[..., None]
    share = ((values < est).sum(-1) + (values <= est).sum(-1)) / (2.0 * values.shape[-1])
    return ndtri(share)


def acceleration(jackknife: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """BCa's acceleration from leave-one-out values; `weights` counts the rows each value
    stands for (one per cell of a multinomial: all rows of a cell leave the same value), so the
    result equals the row-level jackknife. Zero-weight entries are ignored."""
    w = np.asarray(weights, dtype=float)
    jack = np.where(w > 0, jackknife, 0.0)
    mean = (w * jack).sum(-1, keepdims=True) / w.sum(-1, keepdims=True)
    d = np.where(w > 0, mean - jack, 0.0)
    num = (w * d**3).sum(-1)
    den = 6.0 * (w * d**2).sum(-1) ** 1.5
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def bca(
    values: np.ndarray,
    estimate: np.ndarray,
    confidence: float,
    accel: np.ndarray | float = 0.0,
) -> np.ndarray:
    """(..., 2): the bias-corrected and accelerated interval (accel 0: bias-corrected, BC)."""
    z0 = bias(values, estimate)[..., None]
    a = np.asarray(accel, dtype=float)[..., None]
    z = ndtri(np.array([_alpha(confidence), 1 - _alpha(confidence)]))
    with np.errstate(divide="ignore", invalid="ignore"):
        levels = ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))
    levels = np.where(np.isfinite(levels), levels, np.where(z0 > 0, 1.0, 0.0))
    return _quantiles(values, levels)


def contrasts(
    values: np.ndarray,
    overall: np.ndarray,
    kind: str,
    method: str,
    keep: np.ndarray,
    reference: int | None = None,
) -> np.ndarray:
    """(..., K) signed contrasts whose largest absolute value is the disparity of per-group
    `values` (groups on the last axis): every pair of kept groups (between_groups, and
    to_reference with the most favoured group, which is the same), each kept group against the
    overall value (to_overall) or against the named `reference` group. Ratios on the log scale
    (the ratio is exp(-max |c|)), rates of 0 floored at 1e-12."""
    v = np.asarray(values, dtype=float)
    o = np.asarray(overall, dtype=float)[..., None]
    if kind == "ratio":
        v, o = np.log(np.maximum(v, TINY)), np.log(np.maximum(o, TINY))
    if method == "to_overall":
        return v[..., keep] - o
    if method == "to_reference" and reference is not None:
        return v[..., keep] - v[..., reference : reference + 1]
    i, j = np.triu_indices(int(np.count_nonzero(keep)), 1)
    kept = v[..., keep]
    return kept[..., i] - kept[..., j]


TINY = 1e-12


def max_t_critical(point: np.ndarray, boot: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
    """(critical value, standard errors): the `level` quantile over resamples of the largest
    studentised deviation max_k |boot_k - point_k| / se_k, with se_k the bootstrap standard
    deviation of contrast k (point: (..., K); boot: (..., B, K)). Contrasts that never vary
    (se 0) or are undefined (NaN) are left out of the maximum."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        se = np.nanstd(boot, axis=-2)
        t = np.abs(boot - point[..., None, :]) / se[..., None, :]
    t = np.where((se[..., None, :] > 0) & np.isfinite(t), t, 0.0)
    return np.quantile(t.max(axis=-1, initial=0.0), level, axis=-1), se


def simultaneous(
    points: list[np.ndarray], boots: list[np.ndarray], level: float
) -> list[np.ndarray]:
    """Per block b, (..., 2): an interval for max_k |c_bk| from simultaneous max-t intervals
    over every signed contrast of every block (points (..., K_b), boots (..., B, K_b)). When each
    c_k lies in c_k +- crit * se_k (probability >= level, jointly over all contrasts),
    max_k |c_k| lies in [max_k (|c_k| - crit * se_k)+, max_k (|c_k| + crit * se_k)]; both ends
    hold with at least that probability, also when the largest contrasts are tied, where the
    plug-in maximum is biased upward and quantiles of its bootstrap values are not valid."""
    sizes = np.cumsum([p.shape[-1] for p in points])[:-1]
    point = np.concatenate(points, axis=-1)
    crit, se = max_t_critical(point, np.concatenate(boots, axis=-1), level)
    half = crit[..., None] * se
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.maximum(np.abs(point) - half, 0.0)
        high = np.abs(point) + half
        return [
            np.stack([np.nanmax(lo, -1, initial=0.0), np.nanmax(hi, -1, initial=0.0)], -1)
            for lo, hi in zip(np.split(low, sizes, -1), np.split(high, sizes, -1), strict=True)
        ]


def disparity_contrasts(
    stats: Stats,
    components: tuple[str, ...],
    kind: str,
    method: str,
    keep: np.ndarray,
    reference: int | None,
) -> list[np.ndarray]:
    """Per component, the signed contrasts (see `contrasts`) of its per-group values; the
    overall value is over all groups, as in the disparity itself."""
    out = []
    for name in components:
        metric = GROUP_METRICS[name]
        overall = metric.compute(stats.total())[..., 0]
        out.append(contrasts(metric.compute(stats), overall, kind, method, keep, reference))
    return out


def simultaneous_disparity(
    points: list[list[np.ndarray]],
    boots: list[list[np.ndarray]],
    kind: str,
    how: str,
    confidence: float,
) -> np.ndarray:
    """(..., 2): the interval of a disparity that is the worst (or the mean, `how`) over
    components of the worst over compared groupings (outer lists), from simultaneous max-t
    intervals over all their contrasts at level (1 + confidence) / 2: each end, which a check
    judges on its own, holds with probability >= (1 + confidence) / 2 when the max-t quantile
    is right (benchmarks/coverage_disparity.py measures it). The ends combine as the values
    do, since max, min and mean are monotone in every argument."""
    flat = simultaneous(
        [p for comp in points for p in comp],
        [b for comp in boots for b in comp],
        (1 + confidence) / 2,
    )
    if kind == "ratio":
        flat = [np.exp(-b[..., ::-1]) for b in flat]
    worst = np.max if kind == "difference" else np.min
    per_comp, start = [], 0
    for comp in points:
        block = np.stack(flat[start : start + len(comp)])
        per_comp.append(block.mean(0) if how == "mean" else worst(block, 0))
        start += len(comp)
    return worst(np.stack(per_comp), 0)


def disparity_interval(
    points: list[list[np.ndarray]],
    boots: list[list[np.ndarray]],
    resampled: np.ndarray,
    kind: str,
    how: str,
    confidence: float,
) -> tuple[float, float] | None:
    """`simultaneous_disparity` as a pair of floats; None when the disparity is undefined on
    most `resampled` values (as for percentile intervals)."""
    if np.count_nonzero(np.isfinite(resampled)) < max(1, 0.5 * len(resampled)):
        return None
    low, high = simultaneous_disparity(points, boots, kind, how, confidence)
    return float(low), float(high)
