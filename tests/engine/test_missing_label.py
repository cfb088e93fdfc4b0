"""A real group value that reads "(missing)" stays apart from missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gate.engine.groups import MISSING, group_columns, group_rows, shown, union


def _sizes(grouping) -> dict[str, int]:
    counts = np.bincount(grouping.codes, minlength=grouping.size)
    return {label[0]: int(n) for label, n in zip(grouping.labels, counts, strict=True)}


def test_a_real_missing_named_value_and_missing_values_are_two_groups():
    column = pd.Series(["(missing)"] * 100 + [None] * 40 + ["f"] * 7, dtype=object)
    sizes = _sizes(group_rows(pd.DataFrame({"sex": column}), ["sex"]))
    assert sizes == {'"(missing)"': 100, "f": 7, MISSING: 40}


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("(missing)", '"(missing)"'),
        ('"(missing)"', '""(missing)""'),
        ('"(missing)', '"(missing)'),  # unbalanced: cannot be a quoted label, shown as it is
        ("(missing) ", "(missing) "),
        ("missing", "missing"),
    ],
)
def test_only_values_that_read_like_a_label_of_missing_are_quoted(value, label):
    assert shown(value) == label


def test_labels_are_distinct_for_every_value_and_missing_comes_last():
    values = ["(missing)", '"(missing)"', '""(missing)""', '"(missing)', "a", None, "z"]
    grouping = group_rows(pd.DataFrame({"g": pd.Series(values, dtype=object)}), ["g"])
    labels = [label[0] for label in grouping.labels]
    assert len(set(labels)) == len(values)
    assert labels[-1] == MISSING and labels[:-1] == sorted(labels[:-1])
    back = {labels[c]: v for c, v in zip(grouping.codes.tolist(), values, strict=True)}
    assert back[MISSING] is None and back['"(missing)"'] == "(missing)"


def test_batches_give_the_labels_of_the_whole():
    values = pd.Series(["(missing)", None, "b", '"(missing)"', "a", None], dtype=object)
    whole = group_columns([values], ("g",), len(values))
    first = group_columns([values[:3].reset_index(drop=True)], ("g",), 3)
    second = group_columns([values[3:].reset_index(drop=True)], ("g",), 3)
    merged, _, _ = union(first.labels, second.labels)
    assert merged == whole.labels


def test_declared_unknown_values_still_join_the_missing_group():
    column = pd.Series(["(missing)", "Unknown", None, "f"], dtype=object)
    grouping = group_columns([column], ("sex",), 4, {"sex": ["unknown"]})
    assert _sizes(grouping) == {'"(missing)"': 1, "f": 1, MISSING: 2}
