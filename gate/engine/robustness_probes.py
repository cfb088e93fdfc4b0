"""The perturbed copies a robustness check feeds the model: noise on numeric inputs, swaps
among interchangeable categories, and monotonicity grids; all within the declared constraints
(range, immutable), all from a seeded generator. Pure: frames in, frames out, no I/O.

A Probe is a block of `copies` frames, each the probed rows with some inputs changed;
`stacked` concatenates every probe's copies into a few large frames, so the model is called a
few times per check, never once per row or per copy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MONOTONIC_POINTS = 10  # grid points, evenly spaced quantiles from the 1st to the 99th percentile
NOISE_KINDS = ("relative", "absolute", "std")


@dataclass(frozen=True)
class Probe:
    """`copies` changed versions of the probed rows, made on demand by `make(copy)`."""

    kind: str  # noise | monotonic | counterfactual
    feature: str  # the input changed; "*" for every noised input at once
    copies: int
    make: Callable[[int], pd.DataFrame]
    detail: dict[str, Any] = field(default_factory=dict)  # what was changed, for the report
    changed: np.ndarray | None = None  # per row: whether any copy changed it (None: every row)

    def changed_rows(self, rows: int) -> np.ndarray:
        """Per row whether this probe changed it in any copy."""
        return np.ones(rows, dtype=bool) if self.changed is None else self.changed


def is_numeric(column: pd.Series) -> bool:
    """Numbers that can take noise: numeric and not boolean."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def is_whole(column: pd.Series) -> bool:
    """An integer column: an integer dtype, or floats whose present values are all whole
    (a CSV integer column with an empty cell arrives as float64)."""
    if pd.api.types.is_integer_dtype(column):
        return True
    if not is_numeric(column):
        return False
    x = column.to_numpy(dtype=float, na_value=np.nan)
    x = x[np.isfinite(x)]
    return bool(x.size) and bool((x == np.rint(x)).all())


def valid(
    values: np.ndarray,
    column: pd.Series,
    bounds: tuple[float, float] | None,
    whole: bool | None = None,
) -> Any:
    """Values made valid for `column`: clipped into the declared range, but never past the
    row's own value (a value the data holds outside the range is not moved further out, nor
    pulled in: it may move only towards the range); whole numbers for an integer column (so a
    perturbed age is still an age; `whole` as `is_whole` decides unless given); NaN stays
    missing."""
    if bounds is not None:
        own = column.to_numpy(dtype=float, na_value=np.nan)
        lo = np.fmin(bounds[0], own)
        hi = np.fmax(bounds[1], own)
        values = np.clip(values, lo, hi)
    if not (is_whole(column) if whole is None else whole):
        return values
    values = np.rint(values)
    if pd.api.types.is_extension_array_dtype(column):  # nullable integers: NaN -> <NA>
        return pd.array(values, dtype="Float64").astype(column.dtype)
    return values.astype(column.dtype)  # whole floats (with NaN) stay float, NaN kept


def noised(
    column: pd.Series,
    rng: np.random.Generator,
    noise: tuple[str, float],
    bounds: tuple[float, float] | None,
) -> Any:
    """`column` moved by a uniform draw within ±size: of each value (relative), in its units
    (absolute) or of its standard deviation on these rows (std); missing values stay missing."""
    kind, size = noise
    x = column.to_numpy(dtype=float, na_value=np.nan)
    u = rng.uniform(-1.0, 1.0, len(x))
    if kind == "relative":
        moved = x * (1.0 + size * u)
    elif kind == "absolute":
        moved = x + size * u
    else:
        std = float(np.nanstd(x)) if np.isfinite(x).any() else 0.0
        moved = x + size * std * u
    return valid(np.where(np.isnan(x), np.nan, moved), column, bounds)


def swap_matches(column: pd.Series, values: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Which rows hold each swap value: compared as numbers on a numeric column (the policy's
    `1` is the data's 1.0), as text otherwise; missing values match none."""
    if is_numeric(column):
        x = column.to_numpy(dtype=float, na_value=np.nan)
        return {v: x == _number(v) for v in values}
    text = column.astype("string")
    return {v: (text == v).fillna(False).to_numpy(dtype=bool) for v in values}


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan  # matches no number


def swapped(column: pd.Series, rng: np.random.Generator, values: tuple[str, ...]) -> pd.Series:
    """A row holding one of `values` gets another of those the rows hold, at random; other
    rows, missing values included, stay as they are (fewer than two present: none moves)."""
    holds = swap_matches(column, values)
    present = [v for v in values if holds[v].any()]
    if len(present) < 2:
        return column
    typed = [column[holds[v]].iloc[0] for v in present]
    own = np.full(len(column), -1)
    for i, v in enumerate(present):
        own[holds[v]] = i
    at = own >= 0
    other = (own[at] + rng.integers(1, len(present), at.sum())) % len(present)
    out = column.copy()
    out[at] = pd.Series([typed[i] for i in other], dtype=column.dtype).to_numpy()
    return out


def grid(column: pd.Series, bounds: tuple[float, float] | None) -> np.ndarray:
    """The monotonicity probe's points: evenly spaced quantiles of the feature on these rows,
    made valid (clipped into the range, whole for integers), distinct and ascending."""
    x = column.to_numpy(dtype=float, na_value=np.nan)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.array([])
    points = np.quantile(x, np.linspace(0.01, 0.99, MONOTONIC_POINTS))
    if bounds is not None:
        points = np.clip(points, bounds[0], bounds[1])
    if is_whole(column):
        points = np.rint(points)
    return np.unique(points)


def with_column(rows: pd.DataFrame, name: str, values: Any) -> pd.DataFrame:
    """A copy of `rows` with one column replaced (the others shared, not copied)."""
    out = rows.copy(deep=False)
    out[name] = values
    return out


Change = Callable[[pd.Series, np.random.Generator], Any]  # a column -> its perturbed values


def noise_probe(
    rows: pd.DataFrame,
    feature: str,
    changes: list[tuple[str, Change]],
    repeats: int,
    seed: list[int],
    detail: dict[str, Any],
) -> Probe:
    """`repeats` copies of the rows, each with every column of `changes` perturbed by a draw
    of its own generator (seeded by `seed` and the copy: the same whatever the order). The
    perturbed columns are drawn here (small: rows x repeats per column), so the probe knows
    which rows it actually changed."""
    drawn: list[dict[str, Any]] = []
    changed = np.zeros(len(rows), dtype=bool)
    for copy in range(repeats):
        rng = np.random.default_rng([*seed, copy])
        columns = {name: change(rows[name], rng) for name, change in changes}
        for name, values in columns.items():
            changed |= differs(rows[name], values)
        drawn.append(columns)

    def make(copy: int) -> pd.DataFrame:
        out = rows.copy(deep=False)
        for name, values in drawn[copy].items():
            out[name] = values
        return out

    return Probe("noise", feature, repeats, make, detail, changed)


def differs(column: pd.Series, values: Any) -> np.ndarray:
    """Per row whether `values` differs from `column` (missing on both sides: the same)."""
    old, new = pd.Series(column).reset_index(drop=True), pd.Series(values).reset_index(drop=True)
    same = (old == new).fillna(False).to_numpy(dtype=bool)
    both_missing = (old.isna() & new.isna()).to_numpy(dtype=bool)
    return ~(same | both_missing)


def monotonic_probe(
    rows: pd.DataFrame, name: str, direction: str, bounds: tuple[float, float] | None
) -> Probe:
    """One copy of the rows per grid point, the feature set to that point."""
    points = grid(rows[name], bounds)
    column = rows[name]

    def make(copy: int) -> pd.DataFrame:
        return with_column(rows, name, valid(np.full(len(rows), points[copy]), column, None))

    detail = {"direction": direction, "grid": [float(p) for p in points]}
    return Probe("monotonic", name, len(points), make, detail)


def stacked(rows: int, probes: list[Probe], chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Every probe's copies, in order, concatenated into frames of at most ~chunk_rows rows
    (at least one copy each): few large model calls instead of one per copy."""
    batch: list[pd.DataFrame] = []
    for probe in probes:
        for copy in range(probe.copies):
            batch.append(probe.make(copy))
            if (len(batch) + 1) * rows > chunk_rows:
                yield pd.concat(batch, ignore_index=True)
                batch = []
    if batch:
        yield pd.concat(batch, ignore_index=True)
