"""The weakest slices of the data: an exhaustive search over one- and two-feature slices of
binned columns (and one-feature slices of finer numeric levels), each slice tested against a
threshold, Benjamini-Hochberg across them all.

Counting is vectorised: each feature (and each pair of features, on combined bin codes) is
one `np.bincount` per statistic, never a Python loop per slice. A slice is tested when it has
at least `min_size` rows (and at least one row its metric is a share of); it is reported when
its BH-adjusted q-value is at most `fdr`. Under the global null (no slice worse than the
threshold) BH keeps the chance of reporting any slice at or below `fdr`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gate.engine.multiple_testing import adjust
from gate.engine.slice_bins import Binned
from gate.engine.slice_tests import Counts, Tested, mean_tests, share_tests


@dataclass(frozen=True)
class Outcomes:
    """What the metric reads of each row: for a share, `support` (the rows it is a share of)
    and `hits`; for a mean error, `errors` (support: every row)."""

    support: np.ndarray  # float 0/1 per row
    values: np.ndarray  # hits (0/1) or per-row errors
    mean: bool = False  # True: a mean per-row error (t test), False: a share (binomial)

    def overall(self) -> float:
        return float(self.values[self.support > 0].sum() / self.support.sum())


@dataclass(frozen=True)
class Rule:
    """The bound a slice is tested against, on the tested scale (rmse: on mse), and which
    side of it is worse."""

    threshold: float
    worse: str  # "low" | "high"
    root: bool = False  # rmse: values and intervals are shown as square roots


@dataclass(frozen=True)
class Search:
    """Every slice tested, and which of them are reported (weakest first)."""

    tested: int
    reported: list[dict[str, Any]]
    beyond: int  # slices whose point value is past the threshold, reported or not


@dataclass(frozen=True)
class _Block:
    """The slices of one feature or one pair of features that have enough rows."""

    features: tuple[int, ...]
    codes: np.ndarray  # the combined bin code of each kept slice
    counts: Counts


def search(
    columns: list[Binned],
    out: Outcomes,
    rule: Rule,
    depth: int,
    min_size: int,
    fdr: float,
    finer: Sequence[Binned] = (),
) -> Search:
    """Test every slice of at least `min_size` rows; report those with q <= fdr. `columns`
    make one- and two-feature slices, `finer` (finer levels of numeric columns) one-feature
    slices only. A column of one bin (constant, or all missing) splits nothing and is left out."""
    columns = [c for c in columns if len(c.labels) > 1]
    pairs = len(columns)
    columns += [c for c in finer if len(c.labels) > 1]
    every = bool(out.support.all())  # a share of every row (accuracy) or a mean error
    counted = out.values * out.support
    squared = out.values**2 if out.mean else None
    sets = _feature_sets(len(columns), pairs, depth)
    blocks = [_block(columns, f, out, (counted, squared), every, min_size) for f in sets]
    blocks = [b for b in blocks if len(b.codes)]
    if not blocks:
        return Search(0, [], 0)
    counts = Counts(*(np.concatenate([getattr(b.counts, k) for b in blocks]) for k in _KEYS))
    if not out.mean:
        counts = Counts(counts.rows, counts.support, counts.total)
    tested = (
        mean_tests(counts, rule.threshold)
        if out.mean
        else share_tests(counts, rule.threshold, rule.worse)
    )
    q = np.asarray(adjust(tested.p_value.tolist(), "bh"), dtype=float)
    past = tested.value < rule.threshold if rule.worse == "low" else tested.value > rule.threshold
    hits = np.flatnonzero(q <= fdr)
    sign = 1.0 if rule.worse == "low" else -1.0
    hits = hits[np.lexsort((q[hits], sign * tested.value[hits]))]
    reported = [_entry(columns, blocks, i, counts, tested, q, rule) for i in hits]
    return Search(len(q), reported, int(past.sum()))


_KEYS = ("rows", "support", "total", "squares")


def _feature_sets(k: int, pairs: int, depth: int) -> list[tuple[int, ...]]:
    """Every column alone, and (depth 2) every pair of the first `pairs` columns."""
    singles = [(i,) for i in range(k)]
    return singles + (list(itertools.combinations(range(pairs), 2)) if depth >= 2 else [])


def _block(
    columns: list[Binned],
    features: tuple[int, ...],
    out: Outcomes,
    sums: tuple[np.ndarray, np.ndarray | None],
    every: bool,
    min_size: int,
) -> _Block:
    """Per-slice counts of one feature set (combined bin codes, one bincount each; codes
    renumbered to those present when their product outgrows the rows)."""
    code, size = columns[features[0]].codes, len(columns[features[0]].labels)
    for f in features[1:]:
        width = len(columns[f].labels)
        code, size = code * width + columns[f].codes, size * width
    present = None
    if size > len(code):
        present, code = np.unique(code, return_inverse=True)
        size = len(present)
    rows = np.bincount(code, minlength=size)
    support = rows if every else np.bincount(code, weights=out.support, minlength=size)
    wanted = (rows >= min_size) & (support > 0)
    if present is None and len(features) == 1 and columns[features[0]].repeats:
        wanted[list(columns[features[0]].repeats)] = False  # tested at a coarser level
    keep = np.flatnonzero(wanted)
    total = np.bincount(code, weights=sums[0], minlength=size)
    squared = sums[1]
    squares = (
        np.bincount(code, weights=squared, minlength=size)[keep]
        if squared is not None
        else np.zeros(len(keep))
    )
    if not out.mean:
        total = np.rint(total)  # counts of hits, exact
    counts = Counts(rows[keep], np.rint(support[keep]), total[keep], squares)
    return _Block(features, keep if present is None else present[keep], counts)


def _locate(blocks: list[_Block], i: int) -> tuple[int, int]:
    """(block, combined code) of the i-th slice in concatenated order."""
    ends = np.cumsum([len(b.codes) for b in blocks])
    block = int(np.searchsorted(ends, i, side="right"))
    start = int(ends[block - 1]) if block else 0
    return block, int(blocks[block].codes[i - start])


def _entry(
    columns: list[Binned],
    blocks: list[_Block],
    i: int,
    counts: Counts,
    tested: Tested,
    q: np.ndarray,
    rule: Rule,
) -> dict[str, Any]:
    """One reported slice as report.json lists it."""
    at, code = _locate(blocks, i)
    block = blocks[at]
    names: dict[str, str] = {}
    bounds: dict[str, dict[str, object]] = {}
    for f in reversed(block.features):  # the last feature is the fastest-varying code
        col, width = columns[f], len(columns[f].labels)
        names[col.feature] = col.labels[code % width]
        if col.bounds and col.bounds[code % width] is not None:
            bounds[col.feature] = col.bounds[code % width]
        code //= width
    shown = np.sqrt if rule.root else (lambda v: v)
    low = max(float(tested.low[i]), 0.0) if rule.root else float(tested.low[i])
    return {
        "slice": dict(reversed(list(names.items()))),
        "n": int(counts.rows[i]),
        "support": int(counts.support[i]),
        "value": float(shown(tested.value[i])),
        "ci": [float(shown(low)), float(shown(tested.high[i]))],
        "p_value": float(tested.p_value[i]),
        "q_value": float(q[i]),
    } | ({"bounds": dict(reversed(list(bounds.items())))} if bounds else {})
