"""Score statistics (roc_auc, average_precision, brier_score, log_loss) as a mergeable profile part.

`ScoreCells` keeps, per group and class, an exact table of the distinct scores while it fits
EXACT_BUDGET keys, and always fixed fine bins of the score (uniform in logit space on [0, 1],
octave-based outside) with loss sums. Point values come from the exact table (exact) or from the
bins (with a rigorous error bound). A bootstrap is one multinomial draw over at most about
2 x CELLS cells per class, so its cost depends on cells, never on rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np

from gate.engine.confusion import ConfusionCells

EXACT_BUDGET = 2_000_000  # distinct (score, group, class) keys kept exactly; past it: bins only
CELLS = 256  # resampling cells per class (equal row count over the sorted keys)
BINS_PER_UNIT = 1024  # fine bins per unit of logit (scores in [0, 1]) or per octave (outside)
CLIP = 1e-15  # scores are clipped to [CLIP, 1 - CLIP] before the logit
QUADRATURE = 4  # points per cell that carry the within-cell precision curve of a resample
CHUNK = 128  # resamples evaluated at once (bounds memory)
EPS = np.finfo(np.float64).eps  # log loss clips probabilities at [EPS, 1 - EPS]
RANKING = ("roc_auc", "average_precision")
LOSSES = ("brier_score", "log_loss")
#: the fixed bins and budgets of score cells: profiles with other settings are not comparable
_OUTER = 1 << 23  # key offset of the bins of scores above 1 (and, negated, below 0)
_K0 = int(np.floor(np.log(CLIP / (1 - CLIP)) * BINS_PER_UNIT))
_EDGES = 1.0 / (1.0 + np.exp(-np.arange(_K0, -_K0 + 2) / BINS_PER_UNIT))
_EDGES = np.r_[0.0, np.maximum.accumulate(_EDGES[1:]), np.inf]  # bin k: [_EDGES[k - _K0], next)
BINS = {"bins_per_unit": BINS_PER_UNIT, "clip": CLIP, "exact_budget": EXACT_BUDGET}
_TABLE = ("score", "group", "y")
_BINS = ("bin", "group", "y")


def score_bins(score: np.ndarray) -> np.ndarray:
    """Fixed fine-bin keys (int64), non-decreasing in the score over all finite reals."""
    s = np.asarray(score, dtype=float)
    key = np.empty(len(s), dtype=np.int64)
    inner, above, below = (s >= 0) & (s <= 1), s > 1, s < 0
    key[inner] = _logit_bins(np.clip(s[inner], CLIP, 1 - CLIP))
    key[above] = _OUTER + _octave(s[above])
    key[below] = -_OUTER - _octave(-s[below])
    return key


def probabilities(cells: ScoreCells) -> bool:
    """Whether every score lies in [0, 1] (brier score and log loss read them as probabilities)."""
    keys = cells.bins["bin"]
    return bool(len(keys) == 0 or (keys.min() > -_OUTER and keys.max() < _OUTER))


def _logit_bins(p: np.ndarray) -> np.ndarray:
    """The bin k with _EDGES[k - _K0] <= p < _EDGES[k - _K0 + 1]: a formula's guess, then
    corrected against the edges until it holds (exactly as a search of the edges would give)."""
    guess = np.floor((np.log(p) - np.log1p(-p)) * BINS_PER_UNIT).astype(np.int64) - _K0
    index = np.clip(guess, 0, len(_EDGES) - 2)
    while True:
        step = (p >= _EDGES[index + 1]).astype(np.int64) - (p < _EDGES[index])
        if not step.any():
            return index + _K0
        index = np.clip(index + step, 0, len(_EDGES) - 2)


def _octave(x: np.ndarray) -> np.ndarray:
    """Log-spaced keys of x > 0: the binary exponent, then BINS_PER_UNIT linear slices of it."""
    mantissa, exponent = np.frexp(x)
    slices = np.floor((mantissa - 0.5) * 2 * BINS_PER_UNIT).astype(np.int64)
    return (exponent.astype(np.int64) + 1100) * BINS_PER_UNIT + slices


def row_losses(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row brier and log losses, as gate.engine.intervals defines them."""
    p = np.clip(score, EPS, 1 - EPS)
    return (y - score) ** 2, -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _aggregate(
    keys: dict[str, np.ndarray], sums: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Distinct (primary, group, y) keys, sorted in that order, and the sums over each."""
    primary, group, y = keys.values()
    if len(primary) == 0:
        return {k: v[:0] for k, v in keys.items()}, {k: v[:0] for k, v in sums.items()}
    composite = _composite(primary, group * 2 + y)
    order = np.argsort(composite)
    sorted_key = composite[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    first = order[starts]
    return (
        {k: v[first] for k, v in keys.items()},
        {k: np.add.reduceat(v[order], starts) for k, v in sums.items()},
    )


def _composite(primary: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """One int64 per row, ordered as (primary, minor): the primary's dense rank (or its offset
    when it is an integer of small range) times the minor's span, plus the minor."""
    span = int(minor.max()) + 1
    low, high = primary.min(), primary.max()
    if primary.dtype.kind == "i" and (int(high) - int(low) + 1) * span < 1 << 62:
        return (primary - low) * span + minor
    order = np.argsort(primary)
    ordered = primary[order]
    rank = np.empty(len(primary), dtype=np.int64)
    rank[order] = np.cumsum(np.r_[False, ordered[1:] != ordered[:-1]])
    return rank * span + minor


def _table(keys: dict[str, np.ndarray], sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    keys, sums = _aggregate(keys, sums)
    return keys | sums


def _split(table: dict[str, np.ndarray], names: tuple[str, ...]) -> tuple[dict, dict]:
    return (
        {k: table[k] for k in names},
        {k: v for k, v in table.items() if k not in names},
    )


@dataclass(frozen=True, eq=False)
class ScoreCells:
    """Exact distinct-score table (while within EXACT_BUDGET) and fine bins, per group and class."""

    groups: int
    weighted: bool
    exact: bool
    table: dict[str, np.ndarray]  # score, group, y, count[, weight, weight_sq]
    bins: dict[str, np.ndarray]  # bin, group, y, count[, weight, weight_sq], per-loss sums

    @classmethod
    def from_rows(
        cls,
        group: np.ndarray,
        y: np.ndarray,
        score: np.ndarray,
        weight: np.ndarray | None,
        groups: int | None = None,
    ) -> Self:
        """One batch; `groups` defaults to the highest group code + 1."""
        group = np.asarray(group, dtype=np.int64)
        y = np.asarray(y)
        score = np.asarray(score, dtype=float) + 0.0  # -0.0 -> 0.0: one key per value
        _check_rows(group, y, score, weight)
        y = y.astype(np.int8)
        groups = int(group.max() + 1 if len(group) else 0) if groups is None else groups
        count = np.ones(len(y), dtype=np.int64)
        sums = {"count": count}
        if weight is not None:
            w = np.asarray(weight, dtype=float)
            sums |= {"weight": w, "weight_sq": w * w}
        table = _table({"score": score, "group": group, "y": y}, sums)
        bins = _table(
            {"bin": score_bins(score), "group": group, "y": y},
            sums | _loss_sums(y, score, None if weight is None else sums["weight"]),
        )
        return cls._bounded(groups, weight is not None, True, table, bins)

    @classmethod
    def _bounded(cls, groups: int, weighted: bool, exact: bool, table: dict, bins: dict) -> Self:
        if not exact or len(table["score"]) > EXACT_BUDGET:
            table = {k: v[:0] for k, v in table.items()}
            exact = False
        return cls(groups, weighted, exact, table, bins)

    def __add__(self, other: Self) -> Self:
        if (self.groups, self.weighted) != (other.groups, other.weighted):
            raise ValueError(
                "score cells differ in groups or weighting: "
                f"{self.groups}/{self.weighted} vs {other.groups}/{other.weighted}"
            )
        exact = self.exact and other.exact
        table = _merge(self.table, other.table, _TABLE) if exact else self.table
        bins = _merge(self.bins, other.bins, _BINS)
        return self._bounded(self.groups, self.weighted, exact, table, bins)

    def remap(self, codes: np.ndarray, groups: int) -> Self:
        """Renumber groups: old code j becomes codes[j]."""
        codes = np.asarray(codes, dtype=np.int64)

        def renumber(table: dict, names: tuple[str, ...]) -> dict:
            keys, sums = _split(table, names)
            return _table(keys | {"group": codes[keys["group"]]}, sums)

        table = renumber(self.table, _TABLE)
        return type(self)(groups, self.weighted, self.exact, table, renumber(self.bins, _BINS))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Flat numeric arrays, for the profile file."""
        head = {
            "groups": np.array([self.groups], dtype=np.int64),
            "weighted": np.array([int(self.weighted)], dtype=np.int64),
            "exact": np.array([int(self.exact)], dtype=np.int64),
        }
        table = {f"table.{k}": v for k, v in self.table.items()}
        return head | table | {f"bins.{k}": v for k, v in self.bins.items()}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Self:
        """The inverse of to_arrays; ValueError naming the array at fault."""
        head = {k: _scalar(arrays, k) for k in ("groups", "weighted", "exact")}
        weighted = bool(head["weighted"])
        table = _section(arrays, "table", _TABLE + _sum_names(weighted, False))
        bins = _section(arrays, "bins", _BINS + _sum_names(weighted, True))
        return cls(head["groups"], weighted, bool(head["exact"]), table, bins)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScoreCells):
            return NotImplemented
        mine, theirs = self.to_arrays(), other.to_arrays()
        return mine.keys() == theirs.keys() and all(
            np.array_equal(v, theirs[k]) for k, v in mine.items()
        )

    __hash__ = None  # type: ignore[assignment]


def _check_rows(group: np.ndarray, y: np.ndarray, score: np.ndarray, weight: object) -> None:
    sizes = {len(group), len(y), len(score)} | ({len(weight)} if weight is not None else set())
    if len(sizes) > 1:
        raise ValueError(f"group, y, score and weight differ in length: {sorted(sizes)}")
    if not np.isfinite(score).all():
        raise ValueError("scores must be finite")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must be 0 or 1")
    if len(group) and group.min() < 0:
        raise ValueError("group codes must be >= 0")


def _loss_sums(y: np.ndarray, score: np.ndarray, w: np.ndarray | None) -> dict[str, np.ndarray]:
    """Per-row terms whose per-cell sums give each loss's mean and within-cell (co)variance."""
    out = {}
    for name, loss in zip(LOSSES, row_losses(y.astype(float), score), strict=True):
        if w is None:
            out |= {name: loss, f"{name}_sq": loss * loss}
        else:
            wl = w * loss
            out |= {name: wl, f"{name}_cross": w * wl, f"{name}_sq": wl * wl}
    return out


def _sum_names(weighted: bool, losses: bool) -> tuple[str, ...]:
    names = ("count", "weight", "weight_sq") if weighted else ("count",)
    for name in LOSSES if losses else ():
        names += (name, f"{name}_cross", f"{name}_sq") if weighted else (name, f"{name}_sq")
    return names


def _merge(a: dict, b: dict, names: tuple[str, ...]) -> dict:
    keys, sums = _split({k: np.concatenate([v, b[k]]) for k, v in a.items()}, names)
    return _table(keys, sums)


def _scalar(arrays: dict[str, np.ndarray], name: str) -> int:
    value = np.asarray(arrays.get(name, []))
    if value.shape != (1,):
        raise ValueError(f"score cells: '{name}' must hold one number")
    return int(value[0])


_DTYPES = {"score": np.float64, "group": np.int64, "y": np.int8, "bin": np.int64}


def _section(arrays: dict[str, np.ndarray], prefix: str, names: tuple[str, ...]) -> dict:
    out = {}
    for name in names:
        key = f"{prefix}.{name}"
        if key not in arrays or np.ndim(arrays[key]) != 1:
            raise ValueError(f"score cells: '{key}' is missing or not one-dimensional")
        dtype = np.int64 if name == "count" else _DTYPES.get(name, np.float64)
        out[name] = np.asarray(arrays[key]).astype(dtype, copy=False)
    if len({len(v) for v in out.values()}) > 1:
        raise ValueError(f"score cells: the '{prefix}.*' arrays differ in length")
    return out


# ---------------------------------------------------------------- per-key tables over groups


def _per_key(cells: ScoreCells, keep: np.ndarray | None, fields: tuple[str, ...], *, bins: bool):
    """(keys ascending, {field: (keys, 2) sums by class}) over the kept groups."""
    source = cells.bins if bins else cells.table
    key = source["bin" if bins else "score"]
    rows = np.ones(len(key), dtype=bool) if keep is None else np.asarray(keep)[source["group"]]
    key, y = key[rows], source["y"][rows]
    if len(key) == 0:
        return key, {f: np.zeros((0, 2)) for f in fields}
    index = np.cumsum(np.r_[False, key[1:] != key[:-1]])
    slot, size = index * 2 + y, 2 * (int(index[-1]) + 1)
    out = {
        f: np.bincount(slot, weights=source[f][rows], minlength=size).reshape(-1, 2) for f in fields
    }
    return key[np.r_[True, key[1:] != key[:-1]]], out


def _mass(cells: ScoreCells) -> str:
    return "weight" if cells.weighted else "count"


def _source(cells: ScoreCells, keep: np.ndarray | None, fields: tuple[str, ...]):
    return _per_key(cells, keep, fields, bins=not cells.exact)[1]


# ---------------------------------------------------------------- point values


def value(name: str, cells: ScoreCells, keep: np.ndarray | None = None) -> tuple[float, float]:
    """(value, bound): |value - exact value| <= bound; bound 0.0 when exact (to rounding)."""
    mass = _mass(cells)
    if name in LOSSES:
        sums = _per_key(cells, keep, (mass, name), bins=True)[1]
        total = sums[mass].sum()
        return (float(sums[name].sum() / total) if total > 0 else float("nan")), 0.0
    m = _source(cells, keep, (mass,))[mass]
    neg, pos = m[:, 0], m[:, 1]
    if name == "roc_auc":
        return _auc(pos, neg, cells.exact)
    if name == "average_precision":
        return _average_precision(pos, neg, cells.exact)
    raise KeyError(f"no score metric {name}")


def _auc(pos: np.ndarray, neg: np.ndarray, exact: bool) -> tuple[float, float]:
    """Mann-Whitney with ties half; a pair inside one bin may be either way: bound 1/2 of them."""
    total = pos.sum() * neg.sum()
    if not total > 0:
        return float("nan"), 0.0
    below = np.cumsum(neg) - neg
    auc = float((pos * (below + 0.5 * neg)).sum() / total)
    return auc, 0.0 if exact else float(0.5 * (pos * neg).sum() / total)


def _average_precision(pos: np.ndarray, neg: np.ndarray, exact: bool) -> tuple[float, float]:
    """scikit-learn's step-wise AP, thresholds at the keys from the highest down."""
    total = pos.sum()
    if not total > 0:
        return float("nan"), 0.0
    pos, neg = pos[::-1], neg[::-1]
    tps, fps = np.cumsum(pos), np.cumsum(neg)
    with np.errstate(divide="ignore", invalid="ignore"):
        ap = float(np.where(pos > 0, pos * tps / (tps + fps), 0.0).sum() / total)
    return ap, 0.0 if exact else float(_ap_bound(pos, neg, tps - pos, fps - neg) / total)


def _ap_bound(pos: np.ndarray, neg: np.ndarray, above: np.ndarray, neg_above: np.ndarray):
    """Sum over bins of the largest change any within-bin order makes to the bin's AP term.

    A positive's precision is (T + t) / (T + F + t + f), T, F the masses above the bin, t <= a
    the bin's positives at or above it (the intervals of mass they close tile [0, a]), f <= b
    the bin's negatives there. So the term lies between the integral of (T + t) / (T + F + b +
    t) over [0, a] and a (T + a) / (T + F + a).
    """
    d = above + neg_above + neg
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = pos * (above + pos) / (d + pos)
        upper = pos * (above + pos) / (above + neg_above + pos)
        lower = np.where(d > 0, pos - (d - above) * np.log1p(pos / d), pos)
    gap = np.maximum(upper - estimate, estimate - lower)
    return np.where(pos > 0, gap, 0.0).sum()


def above_median(cells: ScoreCells) -> ConfusionCells:
    """Per-group confusion cells [group, truth, score > median of all rows' scores]."""
    if not cells.exact:
        raise ValueError(
            "scoring_rate needs exact scores: more than EXACT_BUDGET "
            f"({EXACT_BUDGET}) distinct scores"
        )
    t = cells.table
    count = t["count"]
    n = int(count.sum())
    cum = np.cumsum(count)
    shape = (cells.groups, 2, 2)
    if n == 0:
        return ConfusionCells(np.zeros(shape, dtype=np.int64))
    middle = t["score"][np.searchsorted(cum, [(n - 1) // 2, n // 2], side="right")]
    cell = t["group"] * 4 + t["y"].astype(np.int64) * 2 + (t["score"] > np.mean(middle))
    size = cells.groups * 4

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=values, minlength=size).reshape(shape)

    counts = total(count).astype(np.int64)
    if not cells.weighted:
        return ConfusionCells(counts)
    return ConfusionCells(counts, total(t["weight"]), total(t["weight_sq"]))


# ---------------------------------------------------------------- bootstrap over cells


def bootstrap(
    name: str, cells: ScoreCells, resamples: int, seed: int, keep: np.ndarray | None = None
) -> np.ndarray:
    """The metric on `resamples` multinomial resamples of the cells (NaN where undefined)."""
    rng = np.random.default_rng(seed)
    if name in LOSSES:
        return _bootstrap_loss(name, cells, resamples, rng, keep)
    if name not in RANKING:
        raise KeyError(f"no score metric {name}")
    mass = _mass(cells)
    fields = ("count", "weight", "weight_sq") if cells.weighted else ("count",)
    sums = _source(cells, keep, fields)
    cell = _coarsen(sums["count"])
    coarse = {k: _by_cell(cell, v) for k, v in sums.items()}
    draws = _draw(coarse["count"], resamples, rng)
    if cells.weighted:
        draws = _weights(draws, coarse["count"], coarse["weight"], coarse["weight_sq"], rng)
    neg, pos = sums[mass][:, 0], sums[mass][:, 1]
    if name == "roc_auc":
        return _auc_draws(draws, cell, pos, neg, coarse[mass])
    return _ap_draws(draws, cell, pos, neg, coarse[mass])


def _coarsen(count: np.ndarray) -> np.ndarray:
    """Cell of each key (ascending): a new cell wherever either class's running row count
    crosses a multiple of its total / CELLS; canonical, at most 2 x CELLS cells."""
    count = count.astype(np.int64)
    before = np.cumsum(count, axis=0) - count
    total = np.maximum(count.sum(axis=0), 1)
    edge = (before * CELLS // total).sum(axis=1)
    if len(edge) == 0:
        return edge.astype(np.int64)
    return np.cumsum(np.r_[0, np.diff(edge) > 0]).astype(np.int64)


def _by_cell(cell: np.ndarray, values: np.ndarray) -> np.ndarray:
    cells = int(cell[-1]) + 1 if len(cell) else 0
    return np.stack(
        [np.bincount(cell, weights=values[:, c], minlength=cells) for c in range(2)], axis=1
    )


def _draw(count: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, cells, 2) row counts: one multinomial draw of all rows over the cells."""
    flat = count.ravel()
    n = int(flat.sum())
    out = np.zeros((resamples, flat.size))
    used = flat > 0
    if n > 0:
        out[:, used] = rng.multinomial(n, flat[used] / n, size=resamples)
    return out.reshape(resamples, *count.shape)


def _weights(draws, count, weight, weight_sq, rng: np.random.Generator) -> np.ndarray:
    """Moment-matched weight sum of the drawn rows of each cell (normal, clipped at 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nan_to_num(weight / count)
        var = np.maximum(np.nan_to_num(weight_sq / count) - mean * mean, 0.0)
    noise = np.sqrt(draws * var) * rng.standard_normal(draws.shape)
    return np.maximum(draws * mean + noise, 0.0)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, and 0 where den is 0."""
    num, den = np.broadcast_arrays(num, den)
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


def _auc_draws(draws, cell, pos, neg, mass) -> np.ndarray:
    """Resampled AUC: cross-cell pairs are ordered; a cell's own pairs keep their concordance."""
    below = np.cumsum(neg) - neg
    start = np.r_[0, np.flatnonzero(np.diff(cell)) + 1]
    inside = np.bincount(cell, weights=pos * (below - below[start][cell] + 0.5 * neg))
    concordance = _ratio(inside, mass[:, 1] * mass[:, 0])
    wneg, wpos = draws[..., 0], draws[..., 1]
    neg_below = np.cumsum(wneg, axis=1) - wneg
    num = (wpos * neg_below).sum(axis=1) + (wpos * wneg * concordance).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / (wpos.sum(axis=1) * wneg.sum(axis=1))


def _ap_draws(draws, cell, pos, neg, mass) -> np.ndarray:
    """Resampled AP: each cell's positives keep their within-cell (t, f) shares, summarised by
    QUADRATURE points, plus the constant-share correction that centres it on the exact AP."""
    cells = len(mass)
    pos_in = _within_from_top(cell, pos)
    neg_in = _within_from_top(cell, neg)
    share = _ratio(pos_in - 0.5 * pos, mass[cell, 1])
    slot = cell * QUADRATURE + np.minimum((share * QUADRATURE).astype(np.int64), QUADRATURE - 1)
    size = cells * QUADRATURE
    omega = np.bincount(slot, weights=pos, minlength=size).reshape(cells, QUADRATURE)
    u = _ratio(np.bincount(slot, weights=pos * pos_in, minlength=size).reshape(cells, -1), omega)
    v = _ratio(np.bincount(slot, weights=pos * neg_in, minlength=size).reshape(cells, -1), omega)
    u, v = _ratio(u, mass[:, 1:]), _ratio(v, mass[:, :1])
    omega = _ratio(omega, mass[:, 1:])
    above = _cell_above(mass[None])[0]
    key_above = above[cell]
    exact = np.bincount(
        cell,
        weights=_ratio(pos * (key_above[:, 1] + pos_in), key_above.sum(axis=1) + pos_in + neg_in),
        minlength=cells,
    )
    correction = _ratio(exact - _ap_terms(mass[None], above[None], omega, u, v)[0], mass[:, 1])
    out = []
    for chunk in range(0, len(draws), CHUNK):
        w = draws[chunk : chunk + CHUNK]
        terms = _ap_terms(w, _cell_above(w), omega, u, v) + correction * w[..., 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(terms.sum(axis=1) / w[..., 1].sum(axis=1))
    return np.concatenate(out) if out else np.zeros(0)


def _within_from_top(cell: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per key: the mass of its cell at keys >= its own."""
    total = np.cumsum(values[::-1])[::-1]
    end = np.r_[np.flatnonzero(np.diff(cell)) + 1, len(cell)]
    next_total = np.r_[total, 0.0][end][cell]
    return total - next_total


def _cell_above(mass: np.ndarray) -> np.ndarray:
    """(..., cells, 2) masses in the cells above each cell."""
    return np.cumsum(mass[:, ::-1], axis=1)[:, ::-1] - mass


def _ap_terms(w, above, omega, u, v) -> np.ndarray:
    """(resamples, cells): sum over positives in each cell of their precision times weight."""
    wneg, wpos = w[..., 0:1], w[..., 1:2]
    top = above[..., 1:2] + u * wpos
    precision = _ratio(top, above.sum(axis=-1, keepdims=True) + u * wpos + v * wneg)
    return wpos[..., 0] * (omega * precision).sum(axis=-1)


def _bootstrap_loss(name, cells: ScoreCells, resamples: int, rng, keep) -> np.ndarray:
    """Mean loss over (class x cell) draws; each drawn cell's sums of loss (and of weight) are
    a moment-matched normal from the cell's per-row means, variances and covariance."""
    if cells.weighted:
        fields = ("count", "weight", "weight_sq", name, f"{name}_cross", f"{name}_sq")
    else:
        fields = ("count", name, f"{name}_sq")
    sums = _per_key(cells, keep, fields, bins=True)[1]
    cell = _coarsen(sums["count"])
    c = {k: _by_cell(cell, v).ravel() for k, v in sums.items()}
    draws = _draw(c["count"], resamples, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = {k: np.nan_to_num(v / c["count"]) for k, v in c.items()}
    z = rng.standard_normal((2, *draws.shape))
    if not cells.weighted:
        var = np.maximum(m[f"{name}_sq"] - m[name] ** 2, 0.0)
        loss = np.maximum(draws * m[name] + np.sqrt(draws * var) * z[0], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return loss.sum(axis=1) / draws.sum(axis=1)
    var_w = np.maximum(m["weight_sq"] - m["weight"] ** 2, 0.0)
    var_l = np.maximum(m[f"{name}_sq"] - m[name] ** 2, 0.0)
    cov = m[f"{name}_cross"] - m[name] * m["weight"]
    slope = _ratio(cov, var_w)
    rest = np.maximum(var_l - slope * cov, 0.0)
    weight = draws * m["weight"] + np.sqrt(draws * var_w) * z[0]
    loss = draws * m[name] + np.sqrt(draws) * (slope * np.sqrt(var_w) * z[0] + np.sqrt(rest) * z[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(loss, 0.0).sum(axis=1) / np.maximum(weight, 0.0).sum(axis=1)
