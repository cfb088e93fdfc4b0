"""Score metrics of the candidate and the baseline on the same resamples: joint score cells.

`JointScores` is a profile part (the candidate's "paired_scores"): per group and class, rows
counted by (candidate's score bin, baseline's score bin) — fixed bins, JOINT_BINS per unit of
logit — with each model's loss sums. Cells add like the score cells' bins. A bootstrap draws
once over the joint cells (merging neighbouring bins pairwise while there are more than
BUDGET cells, so its cost depends on cells, not rows) and reads both models' metrics from the
same draw: a mean loss from the cells' loss sums, ROC AUC and average precision from each
model's bins (ties within a bin counted half), shifted by the model's exact-minus-binned point
value so the resamples centre on the exact value. A candidate whose scores equal the
baseline's fills the same cells as it: the two values are equal on every resample.

Fixed bins lose the order of scores that lie within one bin: two models whose scores all fall in
one bin would read 0.5 on every resample, and the shift would turn that into a zero-width
interval. So the part also keeps the (candidate score, baseline score, group, class) keys —
exactly while there are at most 500,000 of them, past that with both scores truncated to fewer
mantissa bits (gate.engine.paired_exact), which keeps their order at any scale — and a ranking
bootstrap bins each model by the rank of its score instead: for ROC AUC dense ranks, which the
pairwise merging turns into bins of about equal mass wherever the scores lie; for average
precision ranks counted in positive-bearing scores, which it turns into bins of about equal
*positive* mass, fine at the top of an imbalanced ranking where the metric lives. (A profile
written before the keys were kept past the cap has only the fixed bins there.) Whichever bins,
the interval is refused (`Unresolved`), never reported, when they do not resolve the ranking: a
binned point value more than MAX_SHIFT from the exact one, one that differs at all while a
model's scores fill fewer than MIN_BINS bins, or bins that move the drop (the two models' shifts
apart) by more than the drop's own interval is wide — a guard relative to the interval it
protects, so a large sample's narrow interval is not judged by a tolerance meant for a small
one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np

from gate.engine import paired_exact
from gate.engine.paired_draws import draw_mass, model_values
from gate.engine.scores import (
    BINS_PER_UNIT,
    LOSSES,
    RANKING,
    keyed_table,
    merged_table,
    row_losses,
    score_bins,
)

JOINT_BINS = 64  # joint bins per unit of logit (the fine bins, BINS_PER_UNIT, merged)
MAX_SHIFT = 0.02  # largest |exact - binned| point value of a ranking metric the bins may show
MIN_BINS = 8  # fewest bins a model's scores may fill for a ranking metric's interval
SUM_NOISE = 1e-9  # |exact - binned| below this: the bins split no distinct scores (sum order)
BUDGET = 20_000  # joint cells a bootstrap draws over
CHUNK = 100  # resamples drawn at once (bounds memory)
METRICS = frozenset(LOSSES) | frozenset(RANKING)
_SPAN = 1 << 26  # pair key: (candidate bin + _HALF) * _SPAN + baseline bin + _HALF
_HALF = 1 << 25
_KEYS = ("pair", "group", "y")
_EXACT = paired_exact.KEYS


class Unresolved(ValueError):
    """The joint cells cannot resolve a ranking metric's interval (see the module docstring)."""


def _pair(cand: np.ndarray, base: np.ndarray) -> np.ndarray:
    step = BINS_PER_UNIT // JOINT_BINS
    return (score_bins(cand) // step + _HALF) * _SPAN + score_bins(base) // step + _HALF


def _unpair(pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return pair // _SPAN - _HALF, pair % _SPAN - _HALF


@dataclass(frozen=True, eq=False)
class JointScores:
    """Joint bins of both models' scores: pair, group, y, count[, weight, weight_sq], and
    per model ("c_", "b_") the (weighted) sums of each loss."""

    groups: int
    weighted: bool
    table: dict[str, np.ndarray]
    #: both scores: pair (complex: candidate + 1j * baseline), group, y, count[, weight,
    #: weight_sq], at `bits` mantissa bits (gate.engine.paired_exact); None in a profile
    #: written before the scores were kept past the cap
    exact: dict[str, np.ndarray] | None = None
    bits: int = paired_exact.FULL

    @classmethod
    def from_rows(cls, group, y, cand, base, weight=None, groups=None) -> Self:
        """One batch: group codes, labels 0/1 and both models' scores (weights optional)."""
        group = np.asarray(group, dtype=np.int64)
        groups = int(group.max(initial=-1)) + 1 if groups is None else groups
        y = np.asarray(y).astype(np.int8)
        cand, base = (np.asarray(s, dtype=float) + 0.0 for s in (cand, base))
        w = None if weight is None else np.asarray(weight, dtype=float)
        sums = {"count": np.ones(len(y), dtype=np.int64)}
        if w is not None:
            sums |= {"weight": w, "weight_sq": w * w}
        for prefix, score in (("c_", cand), ("b_", base)):
            for name, loss in zip(LOSSES, row_losses(y.astype(float), score), strict=True):
                sums[prefix + name] = loss if w is None else w * loss
        keys = {"pair": _pair(cand, base), "group": group, "y": y}
        exact_sums = {k: sums[k] for k in ("count", "weight", "weight_sq") if k in sums}
        pair = cand + 1j * base
        table = keyed_table({"pair": pair, "group": group, "y": y}, exact_sums)
        exact, bits = paired_exact.capped(table, paired_exact.FULL)
        return cls(groups, w is not None, keyed_table(keys, sums), exact, bits)

    def __add__(self, other: Self) -> Self:
        if (self.groups, self.weighted) != (other.groups, other.weighted):
            raise ValueError("joint score cells differ in groups or weighting")
        exact, bits = None, paired_exact.FULL
        if self.exact is not None and other.exact is not None:
            exact, bits = paired_exact.merged(self.exact, self.bits, other.exact, other.bits)
        table = merged_table(self.table, other.table, _KEYS)
        return type(self)(self.groups, self.weighted, table, exact, bits)

    def remap(self, codes: np.ndarray, groups: int) -> Self:
        """Renumber groups: old code j becomes codes[j]."""
        keys = {k: self.table[k] for k in _KEYS}
        keys["group"] = np.asarray(codes, dtype=np.int64)[keys["group"]]
        sums = {k: v for k, v in self.table.items() if k not in _KEYS}
        exact = None
        if self.exact is not None:
            keys_x = {k: self.exact[k] for k in _EXACT}
            keys_x["group"] = np.asarray(codes, dtype=np.int64)[keys_x["group"]]
            sums_x = {k: v for k, v in self.exact.items() if k not in _EXACT}
            exact = keyed_table(keys_x, sums_x)  # fewer keys than before: within the cap
        return type(self)(groups, self.weighted, keyed_table(keys, sums), exact, self.bits)

    def to_arrays(self) -> dict[str, np.ndarray]:
        head = {"groups": np.array([self.groups]), "weighted": np.array([int(self.weighted)])}
        exact = {f"exact.{k}": v for k, v in (self.exact or {}).items()}
        if self.exact is not None:
            exact["exact_bits"] = np.array([self.bits])
        return head | {f"table.{k}": v for k, v in self.table.items()} | exact

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Self:
        table = {k[6:]: np.asarray(v) for k, v in arrays.items() if k.startswith("table.")}
        if not set(_KEYS) | {"count"} <= set(table) or len({len(v) for v in table.values()}) > 1:
            raise ValueError("joint score cells: the 'table.*' arrays are missing or differ")
        table = {
            k: v.astype(np.int64 if k in ("pair", "group", "count") else v.dtype)
            for k, v in table.items()
        }
        table["y"] = table["y"].astype(np.int8)
        exact = {k[6:]: np.asarray(v) for k, v in arrays.items() if k.startswith("exact.")}
        if exact and (
            not set(_EXACT) | {"count"} <= set(exact) or len(set(map(len, exact.values()))) > 1
        ):
            raise ValueError("joint score cells: the 'exact.*' arrays are missing or differ")
        if exact:
            exact = {
                k: v.astype(np.int64 if k in ("group", "count") else v.dtype)
                for k, v in exact.items()
            }
            exact["y"] = exact["y"].astype(np.int8)
        bits = int(np.asarray(arrays.get("exact_bits", [paired_exact.FULL]))[0])
        if not 0 <= bits <= paired_exact.FULL:
            raise ValueError(f"joint score cells: 'exact_bits' {bits} is not in [0, 52]")
        head = (int(arrays["groups"][0]), bool(arrays["weighted"][0]), table)
        return cls(*head, exact or None, bits)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JointScores):
            return NotImplemented
        mine, theirs = self.to_arrays(), other.to_arrays()
        return mine.keys() == theirs.keys() and all(
            np.array_equal(v, theirs[k]) for k, v in mine.items()
        )

    __hash__ = None  # type: ignore[assignment]

    def bootstrap(
        self, name: str, resamples: int, seed: int, exact: tuple[float, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(candidate, baseline) values of `name` on the same resamples; `exact`: both models'
        exact point values (ranking metrics are centred on them)."""
        if name not in METRICS:
            raise KeyError(f"no paired score metric {name}")
        ranked = name in RANKING and self.exact is not None
        cells = _ranked_cells(self.exact, name) if ranked else _cells(self.table, self.weighted)
        mass = cells["weight"] if self.weighted else cells["count"]
        point = [float(model_values(name, cells, mass[None], p)[0]) for p in ("c_", "b_")]
        shift = [0.0, 0.0] if name in LOSSES else [e - p for e, p in zip(exact, point, strict=True)]
        _resolvable(name, cells, point, exact, shift)
        rng = np.random.default_rng(seed)
        out: tuple[list, list] = ([], [])
        for done in range(0, resamples, CHUNK):
            drawn = draw_mass(cells, self.weighted, min(CHUNK, resamples - done), rng)
            for values, prefix in zip(out, ("c_", "b_"), strict=True):
                values.append(model_values(name, cells, drawn, prefix))
        cand, base = (np.concatenate(v) if v else np.zeros(0) for v in out)
        if name in RANKING:
            _resolved(name, cand - base, shift, point, exact)
        return cand + shift[0], base + shift[1]


def _resolvable(
    name: str, cells: dict, point: list[float], exact: tuple[float, float], shift: list[float]
) -> None:
    """Unresolved when a binned point value is more than MAX_SHIFT from the exact one, or
    differs from it at all while a model's scores fill fewer than MIN_BINS bins (a model with
    a few distinct scores, a hard classifier, fills few bins and loses nothing)."""
    if name not in RANKING:
        return
    few = min(len(np.unique(cells[k])) for k in ("cand", "base"))
    moved = max(map(abs, shift))
    if moved > MAX_SHIFT or (few < MIN_BINS and moved > SUM_NOISE):
        why = f"one model's scores fill {few} bin(s)" if few < MIN_BINS else "too few bins"
        raise Unresolved(_why(name, point, exact, why))


def _resolved(
    name: str, drop: np.ndarray, shift: list[float], point: list[float], exact: tuple
) -> None:
    """Unresolved when the bins move the drop (the two models' shifts apart) by more than the
    width of the drop's own interval: the interval would then say more than the bins know."""
    moved = abs(shift[0] - shift[1])
    width = float(np.subtract(*np.percentile(drop, [97.5, 2.5]))) if len(drop) else 0.0
    if moved > width:
        why = f"they move the drop by {moved:.3g}, more than its interval is wide ({width:.3g})"
        raise Unresolved(_why(name, point, exact, why))


def _why(name: str, point: list[float], exact: tuple[float, float], why: str) -> str:
    return (
        f"the joint score bins (at most {BUDGET} cells) cannot resolve the order of {name}: "
        f"{why} (binned {point[0]:.4g} / {point[1]:.4g} vs exact {exact[0]:.4g} / "
        f"{exact[1]:.4g}); the paired interval would be false"
    )


def _ranked_cells(exact: dict[str, np.ndarray], name: str) -> dict[str, np.ndarray]:
    """The exact table binned by each model's score rank, merged pairwise like the fixed bins:
    for ROC AUC, dense ranks (ties share a rank), so bins of about equal mass wherever the
    scores lie; for average precision, ranks counted in positives, so bins of about equal
    positive mass (fine where the positives are, at the top of an imbalanced ranking)."""
    bins = paired_exact.ranks(exact, name)
    return _cells(exact, "weight" in exact, bins, _EXACT)


def _cells(
    table: dict[str, np.ndarray],
    weighted: bool,
    bins: tuple[np.ndarray, np.ndarray] | None = None,
    keys: tuple[str, ...] = _KEYS,
) -> dict[str, np.ndarray]:
    """The table over all groups, by (candidate bin, baseline bin, class), bins merged
    pairwise until at most BUDGET cells remain (`bins`: each row's, default its pair key's)."""
    cand, base = _unpair(table["pair"]) if bins is None else bins
    y = table["y"].astype(np.int64)
    while True:  # one int64 per (cand, base, y), ordered as the triple (faster than axis=0)
        low_c, low_b = int(cand.min(initial=0)), int(base.min(initial=0))
        span = int(base.max(initial=0)) - low_b + 1
        key = ((cand - low_c) * span + (base - low_b)) * 2 + y
        unique, index = np.unique(key, return_inverse=True)
        if len(unique) <= BUDGET:
            break
        cand, base = cand // 2, base // 2
    index = index.ravel()
    sums = {
        k: np.bincount(index, weights=v, minlength=len(unique))
        for k, v in table.items()
        if k not in keys
    }
    pair, y = np.divmod(unique, 2)
    c, b = np.divmod(pair, span)
    return sums | {"cand": c + low_c, "base": b + low_b, "y": y}
