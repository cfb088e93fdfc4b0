"""Columns cut into the bins a slice search combines.

Numeric columns: quantile bins ('[30, 40)', the last one closed, or the largest value a bin
of its own when it holds 1/`bins` of the rows) at `bins`, and finer levels (2, 4, 8... times
`bins`) while a bin of the level holds `min_size` rows on average, so a narrow weak range is
not diluted in a coarse bin; pairs of features use the `bins` level.
A numeric column with at most `VALUE_BINS` values of `min_size` rows has a finest level of
one bin per such value ('50'), so its largest value (which the closed last quantile bin
joins to the one below) is a slice of its own. Bins are told apart by the rows they hold
(their lowest and highest value), never by their names; names print edges with the fewest
significant digits (at least 6) that put each edge nearer its value than its neighbours'
(1.7e9 + u prints '1700000968.99', not '1.7e+09'); `bounds` has each bin's exact edges.

Categorical columns (and numbers with at most `bins` values): every value with at least
`min_size` rows is a bin of its own; the values with fewer rows (which no slice of its own
could test) are pooled as 'other'. Missing values are a bin of their own ('missing'). A bin
name that a real value already has gets a qualifier ('missing (no value)', 'other (the rest)').
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MISSING = "missing"
OTHER = "other"
MISSING_ALT = "missing (no value)"
OTHER_ALT = "other (the rest)"
#: pooled values listed by name in what a search says it searched (the rest are counted)
LISTED_POOLED = 20
#: a numeric column with at most this many values of `min_size` rows gets a bin per value
VALUE_BINS = 300
#: the fewest significant digits a numeric bin's name prints (more when edges need them)
DIGITS = 6
_MOST_DIGITS = 17  # enough to tell any two doubles apart

Bound = dict[str, object]


@dataclass(frozen=True)
class Binned:
    """One column as bin codes (0..len(labels)-1, one per row) and the bins' names.
    `repeats`: bins a coarser level of the same column already has, or that no slice tests.
    `bounds`: a numeric column's bins as exact edges ({'from', 'to', 'to_included'} or
    {'value'}; None for 'missing')."""

    feature: str
    codes: np.ndarray
    labels: tuple[str, ...]
    repeats: frozenset[int] = frozenset()
    pooled: tuple[str, ...] = ()  # categorical: the values pooled as 'other'
    pooled_rows: int = 0
    missing: bool = False  # the last bin holds the rows with no value
    bounds: tuple[Bound | None, ...] = ()


@dataclass(frozen=True)
class Cut:
    """A column's bins: `coarse` (one- and two-feature slices) and `finer` numeric levels
    (one-feature slices only; the last is the one-value level when `value_bins`)."""

    coarse: Binned
    finer: tuple[Binned, ...] = field(default_factory=tuple)
    numeric: bool = False
    value_bins: int = 0  # bins of one value each (numeric)
    values: int = 0  # distinct values on the searched rows (numeric)

    def searched(self) -> dict[str, object]:
        """What the search tests of this column, as report.json `sample.searched` lists it."""
        c = self.coarse
        if self.numeric:
            levels = [c, *self.finer][: len(self.finer) + 1 - bool(self.value_bins)]
            out: dict[str, object] = {
                "feature": c.feature,
                "kind": "numeric",
                "quantile_bins": [_real_bins(b) for b in levels],
                "pairs_on": _real_bins(c),
            }
            if self.value_bins:
                out["value_bins"] = {"bins": self.value_bins, "values": self.values}
            return out | ({"missing_as": c.labels[-1]} if c.missing else {})
        out = {"feature": c.feature, "kind": "categorical"}
        out["own_slices"] = _real_bins(c) - bool(c.pooled)
        if c.missing:
            out["missing_as"] = c.labels[-1]
        if c.pooled:
            out["pooled"] = {
                "as": c.labels[_real_bins(c) - 1],
                "values": len(c.pooled),
                "rows": c.pooled_rows,
                "listed": list(c.pooled[:LISTED_POOLED]),
            }
        return out


def cut_column(feature: str, column: pd.Series, bins: int, min_size: int) -> Cut:
    """`column` cut for a slice search (module docstring)."""
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if numeric:
        values = column.to_numpy(dtype=float, na_value=np.nan)
        present = np.isfinite(values)
        if len(np.unique(values[present])) > bins:
            return _numeric(feature, values, present, bins, min_size)
    return Cut(_categories(feature, column, min_size))


def bin_column(feature: str, column: pd.Series, bins: int, min_size: int = 1) -> Binned:
    """The coarse bins of `column` (numbers: `bins` quantile bins; categories: every value
    of at least `min_size` rows, the rest as 'other'), plus 'missing' when values are."""
    return cut_column(feature, column, bins, min_size).coarse


@dataclass(frozen=True)
class _Level:
    """A numeric level before it is named: each row's bin, and each bin's rows as the
    (lowest, highest) value they hold (None: no slice of this bin is tested)."""

    codes: np.ndarray
    keys: list[tuple[float, float] | None]
    edges: np.ndarray  # quantile edges, or the values of a one-value level
    one_value: bool = False
    top_alone: bool = False  # quantile bins all half-open, then the largest value alone


def _numeric(
    feature: str, values: np.ndarray, present: np.ndarray, bins: int, min_size: int
) -> Cut:
    """The `bins` level, then levels of twice as many bins while they average `min_size`
    rows (and, with a one-value level, while they are fewer than the values); a bin an
    earlier level already has (the same rows) is marked as a repeat."""
    ordered = np.sort(values[present])
    distinct, counts = np.unique(ordered, return_counts=True)
    ones = _one_value_bins(distinct, counts, min_size)
    levels = [_quantile_level(values, present, ordered, bins)]
    seen = set(levels[0].keys)
    k = 2 * bins
    while len(ordered) >= k * min_size and not (len(ones) and k >= len(distinct)):
        level = _quantile_level(values, present, ordered, k)
        if seen.issuperset(level.keys):
            break  # ties: no finer bin left
        seen |= set(level.keys)
        levels.append(level)
        k *= 2
    if len(ones):
        levels.append(_value_level(values, present, ones))
    digits = _digits(np.unique(np.concatenate([lv.edges for lv in levels])))
    named = [_named(feature, levels[0], present, digits, set())]
    seen = set(levels[0].keys)
    for level in levels[1:]:
        named.append(_named(feature, level, present, digits, seen))
        seen |= set(level.keys)
    return Cut(named[0], tuple(named[1:]), True, len(ones), len(distinct))


def _one_value_bins(distinct: np.ndarray, counts: np.ndarray, min_size: int) -> np.ndarray:
    """The values of at least `min_size` rows, when there are at most VALUE_BINS of them."""
    big = distinct[counts >= min_size]
    return big if len(big) <= VALUE_BINS else big[:0]


def _quantile_level(
    values: np.ndarray, present: np.ndarray, ordered: np.ndarray, bins: int
) -> _Level:
    """The quantile bins [e_i, e_i+1) (ties merge bins; the last one closed), or, when the
    largest value holds at least 1/`bins` of the rows, that value as a last bin of its own."""
    raw = np.quantile(ordered, np.linspace(0, 1, bins + 1))
    edges = np.unique(raw)
    alone = bool(raw[-2] == raw[-1])
    inner = edges[1:] if alone else edges[1:-1]
    codes = np.searchsorted(inner, np.where(present, values, edges[0]), side="right")
    first = np.searchsorted(ordered, edges if alone else edges[:-1], side="left")
    last = np.append(np.searchsorted(ordered, inner, side="left"), len(ordered)) - 1
    keys = [
        (float(ordered[a]), float(ordered[b])) if b >= a else None
        for a, b in zip(first, last, strict=True)
    ]
    return _Level(codes.astype(np.int64), keys, edges, top_alone=alone)


def _value_level(values: np.ndarray, present: np.ndarray, ones: np.ndarray) -> _Level:
    """A bin per value of `ones`; the rows of other values in a last bin no slice tests."""
    at = np.minimum(np.searchsorted(ones, np.where(present, values, ones[0])), len(ones) - 1)
    codes = np.where(present & (ones[at] == values), at, len(ones))
    keys: list[tuple[float, float] | None] = [(float(v), float(v)) for v in ones]
    return _Level(codes.astype(np.int64), [*keys, None], ones, one_value=True)


def _named(
    feature: str, level: _Level, present: np.ndarray, digits: int, seen: set[object]
) -> Binned:
    """`level` as a Binned: names and exact bounds of its bins, repeats of `seen`."""
    e = level.edges
    if level.one_value:
        labels = [number(v, digits) for v in e] + ["other values"]
        bounds: list[Bound | None] = [{"value": float(v)} for v in e] + [None]
    else:
        top = len(e) - 2
        closed = not level.top_alone
        labels = [
            f"[{number(e[i], digits)}, {number(e[i + 1], digits)}"
            + ("]" if closed and i == top else ")")
            for i in range(top + 1)
        ]
        bounds = [
            {"from": float(e[i]), "to": float(e[i + 1]), "to_included": closed and i == top}
            for i in range(top + 1)
        ]
        if level.top_alone:
            labels.append(number(e[-1], digits))
            bounds.append({"value": float(e[-1])})
    repeats = {i for i, key in enumerate(level.keys) if key is None or key in seen}
    binned = _with_missing(feature, level.codes, labels, present)
    return Binned(
        feature,
        binned.codes,
        binned.labels,
        frozenset(repeats | ({len(labels)} if binned.missing and seen else set())),
        missing=binned.missing,
        bounds=(*bounds, None) if binned.missing else tuple(bounds),
    )


def _with_missing(
    feature: str,
    codes: np.ndarray,
    labels: list[str],
    present: np.ndarray,
    pooled: tuple[str, ...] = (),
    pooled_rows: int = 0,
) -> Binned:
    """The bins, and a last one for the rows with no value (named apart from real values)."""
    if present.all():
        return Binned(feature, codes, tuple(labels), pooled=pooled, pooled_rows=pooled_rows)
    name = MISSING_ALT if MISSING in labels or MISSING in pooled else MISSING
    coded = np.where(present, codes, len(labels))
    return Binned(feature, coded, (*labels, name), frozenset(), pooled, pooled_rows, True)


def _categories(feature: str, column: pd.Series, min_size: int) -> Binned:
    """Every value of at least `min_size` rows as a bin (most frequent first, ties by name);
    the rest pooled as 'other'."""
    present = column.notna().to_numpy()
    text = column.astype("string").fillna("").to_numpy(dtype=object)
    names, codes = np.unique(text[present], return_inverse=True)
    counts = np.bincount(codes, minlength=len(names))
    order = np.lexsort((names, -counts))  # most frequent first, then by name
    keep = order[: int((counts >= min_size).sum())]
    relabel = np.full(len(names), len(keep), dtype=np.int64)
    relabel[keep] = np.arange(len(keep))
    labels = [str(names[i]) for i in keep]
    pooled = tuple(str(names[i]) for i in order[len(keep) :])
    if pooled:
        labels.append(OTHER if OTHER not in set(names) else OTHER_ALT)
    out = np.empty(len(column), dtype=np.int64)
    out[present] = relabel[codes]
    rows = int(counts[order[len(keep) :]].sum())
    return _with_missing(feature, out, labels, present, pooled, rows)


def _real_bins(b: Binned) -> int:
    return len(b.labels) - b.missing


def _digits(edges: np.ndarray) -> int:
    """The fewest significant digits (at least DIGITS) that print each of the sorted, unique
    `edges` within a twentieth of its gap to the next edge (so adjacent edges print apart,
    each nearer its own value than its neighbour's)."""
    gaps = np.diff(edges)
    room = np.minimum(np.append(gaps, np.inf), np.insert(gaps, 0, np.inf)) / 20
    magnitude = np.floor(np.log10(np.where(edges == 0, 1.0, np.abs(edges))))
    for digits in range(DIGITS, _MOST_DIGITS):
        scale = 10.0 ** (digits - 1 - magnitude)  # `number` at `digits`, vectorised
        if (np.abs(np.round(edges * scale) / scale - edges) <= room).all():
            return digits
    return _MOST_DIGITS


def number(value: float, digits: int = DIGITS) -> str:
    """A bin edge as a name shows it: '30', '0.125', '1.5e+06', '1700000968.99'."""
    return f"{value:.{digits}g}"
