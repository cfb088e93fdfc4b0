"""The logical inputs of an importance check: the model's input columns, with the columns of an
attribute declared in data.encoded (one-hot dummies, say) taken together as one input named
after the attribute; and the protected attributes / proxies the conditions are about.

An attribute that is not an input while inputs encode it (gate.checks.encodings: named after it,
or a function of its values on the probed rows) is refused, as is one data.encoded puts inside a
group named otherwise (CheckUnavailable: the check is an `error`, which blocks): judged column by
column, or as "not an input", an encoded attribute would pass whatever the model does with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gate.checks.base import CheckContext, CheckUnavailable
from gate.checks.encodings import encoding_inputs
from gate.checks.importance_summary import Flagged


@dataclass(frozen=True)
class Inputs:
    """The logical inputs, in the model's order, and the columns of each encoded one."""

    names: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]

    def columns(self, name: str) -> tuple[str, ...]:
        return self.groups.get(name, (name,))


def logical_inputs(columns: tuple[str, ...], ctx: CheckContext, what: str) -> Inputs:
    """`columns` (a model's inputs) with each data.encoded attribute's columns as one input,
    placed where its first column is; an attribute only some of whose columns are inputs is
    refused (its importance would be its other columns' without them)."""
    groups: dict[str, tuple[str, ...]] = {}
    for attribute, encoded in ctx.binding.encoded:
        taken = [c for c in encoded if c in columns]
        if taken and len(taken) < len(encoded):
            missing = ", ".join(c for c in encoded if c not in columns)
            raise CheckUnavailable(
                f"{what}: data.encoded '{attribute}' lists {missing}, which the model does not "
                f"take while it takes {', '.join(taken)}: list exactly the model's columns"
            )
        if taken and attribute in columns and attribute not in encoded:
            raise CheckUnavailable(
                f"{what}: data.encoded names '{attribute}', which is itself a model input: "
                "name the encoded attribute differently, or list the column among its columns"
            )
        if taken:
            groups[attribute] = tuple(encoded)
    owner = {c: a for a, encoded in groups.items() for c in encoded}
    names = dict.fromkeys(owner.get(c, c) for c in columns)
    return Inputs(tuple(names), groups)


def union(a: Inputs, b: Inputs, what: str) -> Inputs:
    """The inputs of either model (a's first: the candidate's): a comparison covers what either
    one uses. CheckUnavailable when one name means other columns for the two models (data.encoded
    dummies for one, the raw column for the other): both models are measured by shuffling the
    same columns, and one of them would be measured on columns it never reads (review13b #16)."""
    for name in set(a.names) & set(b.names):
        mine, theirs = a.columns(name), b.columns(name)
        if mine != theirs:
            raise CheckUnavailable(
                f"{what}: '{name}' is {_as_columns(mine)} for the candidate but "
                f"{_as_columns(theirs)} for the baseline model: the two cannot be measured by "
                "shuffling the same columns, so this comparison is not made; compare models that "
                "take it alike, or gate this change without the baseline comparison"
            )
    return Inputs(tuple(dict.fromkeys((*a.names, *b.names))), {**b.groups, **a.groups})


def _as_columns(columns: tuple[str, ...]) -> str:
    if len(columns) == 1:
        return f"the column {columns[0]}"
    return f"the columns {', '.join(columns)} (data.encoded)"


def flagged(
    protected: tuple[str, ...],
    proxies: tuple[str, ...],
    inputs: Inputs,
    rows: pd.DataFrame,
    what: str,
) -> Flagged:
    """The protected attributes and proxies, each an input or a data column, with those whose
    values do not vary on the probed rows (shuffling them changes nothing: no evidence)."""
    names = (*protected, *proxies)
    for name in names:
        role = "protected attribute" if name in protected else "proxy"
        _not_inside_a_group(name, role, inputs, what)
        _not_encoded(name, role, inputs, rows, names, what)
        if name not in inputs.names and name not in rows.columns:
            raise CheckUnavailable(
                f"{what}: {role} '{name}' is neither a model input nor a data column"
            )
    constant = tuple(
        f
        for f in names
        if f in inputs.names and len(rows[list(inputs.columns(f))].drop_duplicates()) < 2
    )
    return Flagged(protected, tuple(p for p in proxies if p not in protected), constant)


def _not_inside_a_group(name: str, role: str, inputs: Inputs, what: str) -> None:
    """CheckUnavailable when data.encoded puts `name` among the columns of a group named
    otherwise: the check would call it "not a model input" while the model takes it."""
    owner = next((a for a, columns in inputs.groups.items() if name in columns), name)
    if owner != name:
        raise CheckUnavailable(
            f"{what}: {role} '{name}' is one of the columns data.encoded groups as '{owner}': "
            f"name the group after it (data.encoded: {{{name}: [...]}}) so the check judges it"
        )


def _not_encoded(
    name: str, role: str, inputs: Inputs, rows: pd.DataFrame, flagged: tuple[str, ...], what: str
) -> None:
    """CheckUnavailable when model inputs other than `name` (and the other flagged names)
    encode it (gate.checks.encodings: by their name, or constant within each of its values on
    the probed rows) and data.encoded does not say so: shuffled apart from them, `name` would
    look unused while the model reads it through them."""
    plain = [c for c in inputs.names if c not in inputs.groups]
    found = encoding_inputs(name, plain, rows, known=flagged)
    if found:
        listed = ", ".join(found[:8]) + (" ..." if len(found) > 8 else "")
        taken = "a model input, and" if name in inputs.names else "not a model input, but"
        raise CheckUnavailable(
            f"{what}: {role} '{name}' is {taken} the model takes {listed}, which "
            f"encode it (named after it, or determined by its value on the probed rows): "
            f"declare data.encoded: {{{name}: [{', '.join(found)}]}} (they are then shuffled "
            "jointly as one input), or drop them from the model if they are not its encoding"
        )
