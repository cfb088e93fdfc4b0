"""Model inputs that encode an attribute the model does not take by its own name: one-hot
dummies (`sex_M`, `Sex.F`, scikit-learn's `cat__sex_M`, `sexM`), an indicator (`is_male`), any
per-group constant. A behaviour check about the attribute (importance's protected / proxies, a
counterfactual) would otherwise call it "not a model input" and pass whatever the model does
with its encoding (review13 #2, review13b #1).

Two tests, either enough: the name (the attribute's name, in any case, after an optional
`prefix__`, followed by a separator), and — when the data holds the attribute — the values: an
input that is constant within each of the attribute's values on the probed rows while it varies
across them is a function of the attribute, so it carries exactly what the attribute does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import pandas as pd

#: an attribute with more distinct values on the probed rows is not measured (an id-like column
#: makes groups of a row or two, in which every input is "constant")
MAX_VALUES = 50
#: rows of groups of at least two rows (the only ones that can show an input varying), as a
#: share of the probed rows, below which the values prove nothing
MIN_EVIDENCE = 0.9
SEPARATORS = ("_", "=", ".", ":", "-", " ")


def encoding_inputs(
    attribute: str,
    inputs: Iterable[str],
    rows: pd.DataFrame,
    known: Collection[str] = (),
) -> list[str]:
    """The inputs (other than `attribute` and `known`: its declared encoding and proxies) that
    encode `attribute`, by their name or, when `rows` hold the attribute, by their values."""
    candidates = [c for c in inputs if c != attribute and c not in known]
    named = [c for c in candidates if _named_after(attribute, c)]
    measured = _determined(attribute, [c for c in candidates if c not in named], rows)
    return [c for c in candidates if c in named or c in measured]


def _named_after(attribute: str, column: str) -> bool:
    """`sex_M`, `Sex=F`, `cat__sex_M`, `sex.F`: the attribute's name, any case, after an
    optional `prefix__`, then a separator."""
    name = column.lower().rsplit("__", 1)[-1]
    head = attribute.lower()
    return name.startswith(head) and name[len(head) : len(head) + 1] in SEPARATORS


def _determined(attribute: str, columns: list[str], rows: pd.DataFrame) -> set[str]:
    """The columns of `rows` constant within each value of `attribute` (missing values one
    value) and not constant overall, when the groups can show it (see MIN_EVIDENCE)."""
    present = [c for c in columns if c in rows.columns]
    if attribute not in rows.columns or not present or len(rows) < 2:
        return set()
    key = rows[attribute].astype(object).where(rows[attribute].notna(), "\x00missing")
    sizes = key.value_counts()
    if len(sizes) < 2 or len(sizes) > MAX_VALUES:
        return set()
    if sizes[sizes >= 2].sum() < MIN_EVIDENCE * len(rows) or (sizes >= 2).sum() < 2:
        return set()
    frame = rows[present]
    within = frame.groupby(key.to_numpy(), sort=False).nunique(dropna=False).max()
    overall = frame.nunique(dropna=False)
    return {c for c in present if within[c] <= 1 and overall[c] >= 2}
