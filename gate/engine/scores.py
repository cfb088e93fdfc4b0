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

EXACT_BUDGET = 2_000_000  # distinct (score, group, class) keys kept exactly; past it: bins only
BINS_PER_UNIT = 1024  # fine bins per unit of logit (scores in [0, 1]) or per octave (outside)
CLIP = 1e-15  # scores are clipped to [CLIP, 1 - CLIP] before the logit
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


def keyed_table(keys: dict[str, np.ndarray], sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One row per distinct key (keys sorted), its sums added."""
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
        table = keyed_table({"score": score, "group": group, "y": y}, sums)
        bins = keyed_table(
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
        table = merged_table(self.table, other.table, _TABLE) if exact else self.table
        bins = merged_table(self.bins, other.bins, _BINS)
        return self._bounded(self.groups, self.weighted, exact, table, bins)

    def remap(self, codes: np.ndarray, groups: int) -> Self:
        """Renumber groups: old code j becomes codes[j]."""
        codes = np.asarray(codes, dtype=np.int64)

        def renumber(table: dict, names: tuple[str, ...]) -> dict:
            keys, sums = _split(table, names)
            return keyed_table(keys | {"group": codes[keys["group"]]}, sums)

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


def merged_table(a: dict, b: dict, names: tuple[str, ...]) -> dict:
    """Two keyed tables as one (`names`: the key columns)."""
    keys, sums = _split({k: np.concatenate([v, b[k]]) for k, v in a.items()}, names)
    return keyed_table(keys, sums)


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
