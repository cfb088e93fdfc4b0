"""Counterfactual copies of rows: a protected attribute set to each value it takes, its
declared proxies moved with it; and the changed decisions counted per group. Pure, no I/O.

For a target value v, a row whose attribute is already v (or missing) is left as it is; any
other row gets v, and its proxies (those the model takes) are replaced jointly by those of a
row drawn at random (seeded) from the probed rows holding v, so a proxy follows the attribute
as it does in the data. A row's decision "flips" when any of its counterfactual copies changes
it; a group is the rows sharing an attribute value, and its flip rate is its flipped share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gate.engine.robustness_probes import Probe


def attribute_values(column: pd.Series) -> list[object]:
    """The distinct known values of the attribute, sorted as text."""
    known = column.dropna().unique().tolist()
    return sorted(known, key=str)


def holds(column: pd.Series, value: object) -> np.ndarray:
    """Which rows hold `value` (missing values: none), as a plain boolean array."""
    return (column == value).fillna(False).to_numpy(dtype=bool)


def counterfactual_probe(
    rows: pd.DataFrame, attribute: str, proxies: tuple[str, ...], seed: list[int]
) -> Probe:
    """One copy of the rows per attribute value (rows holding it are unchanged)."""
    values = attribute_values(rows[attribute])
    own = rows[attribute]

    def make(copy: int) -> pd.DataFrame:
        target = values[copy]
        change = own.notna().to_numpy(dtype=bool) & ~holds(own, target)
        out = rows.copy(deep=False)
        column = own.copy()
        column[change] = target
        out[attribute] = column
        if proxies and change.any():
            donors = np.flatnonzero(holds(own, target))
            rng = np.random.default_rng([*seed, copy])
            drawn = donors[rng.integers(0, len(donors), int(change.sum()))]
            for proxy in proxies:
                moved = rows[proxy].copy()
                moved[change] = rows[proxy].to_numpy()[drawn]
                out[proxy] = moved
        return out

    detail = {"values": [str(v) for v in values], "proxies": list(proxies)}
    return Probe("counterfactual", attribute, len(values), make, detail)


@dataclass(frozen=True)
class GroupFlips:
    """One attribute value's rows and how many of them flipped."""

    value: str
    n: int
    flips: int


def group_flips(own: pd.Series, changed: np.ndarray) -> tuple[list[GroupFlips], int]:
    """Per attribute value, rows and flipped rows; `changed` is (values, rows): whether the
    copy with that value changed the row's decision. Also the rows with the attribute missing
    (never probed)."""
    flipped = changed.any(axis=0)
    out = []
    for value in attribute_values(own):
        at = holds(own, value)
        out.append(GroupFlips(str(value), int(at.sum()), int(flipped[at].sum())))
    return out, int(own.isna().sum())
