"""profile(a) + profile(b) == profile(a ++ b): groups unite, parts renumber and add."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from helpers import profiles_match as same
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.backends.profiling import profile_bound
from gate.engine.groups import MISSING
from gate.engine.metrics import Task
from gate.inputs.binding import EvalData, Predictions

FEATURES = ("sex", "race")


def frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    race = rng.choice(["a", "b", "c", "d", None], n, p=[0.4, 0.3, 0.2, 0.07, 0.03])
    return pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "race": pd.Series(race, dtype="object"),
            "x": rng.normal(size=n),
            "y": rng.integers(0, 2, n),
            "pred": rng.integers(0, 2, n),
        }
    )


def bound(rows: pd.DataFrame) -> EvalData:
    rows = rows.reset_index(drop=True)
    classes = tuple(sorted(map(str, rows["y"].unique())))
    return EvalData(
        Task.BINARY,
        rows["y"].to_numpy(),
        None,
        Predictions("m", rows["pred"].to_numpy(), None),
        None,
        rows,
        FEATURES,
        ("x",),
        classes,
    )


def profile_of(rows: pd.DataFrame, offset: int = 0):
    return profile_bound(bound(rows), FEATURES, sample_columns=("x", "sex"), offset=offset)


def batched(data: pd.DataFrame, cuts: list[int]):
    edges = [0, *sorted(cuts), len(data)]
    parts = [profile_of(data.iloc[a:b], a) for a, b in itertools.pairwise(edges)]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def test_batches_add_up_to_the_whole_including_empty_batches_and_unseen_groups():
    data = frame(0, 400)
    data.loc[:150, "race"] = "a"  # the first batches see one race only: the rest is unseen
    whole = profile_of(data)
    assert same(batched(data, [0, 150, 150, 151, 399]), whole)
    assert whole.groups[-1][1] == MISSING  # missing values are a group, sorted last
    assert whole.rows == 400


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 300), max_size=6), st.integers(0, 10_000))
def test_any_batching_gives_the_same_profile(cuts, seed):
    data = frame(seed, 300)
    assert same(batched(data, cuts), profile_of(data))


def test_merge_order_does_not_matter():
    data = frame(1, 300)
    a, b, c = (
        profile_of(data.iloc[s], s.start) for s in (slice(0, 80), slice(80, 200), slice(200, 300))
    )
    assert same((a + b) + c, a + (b + c))
    assert same(a + (b + c), (c + a) + b)


def test_profiles_of_other_features_or_tasks_do_not_merge():
    data = frame(2, 100)
    a = profile_of(data)
    other = profile_bound(bound(data), ("sex",))
    with pytest.raises(ValueError, match="features"):
        a + other


def test_the_grouping_of_a_subset_folds_the_cells():
    data = frame(3, 500)
    profile = profile_of(data)
    grouping, fold = profile.grouping(("race",))
    counts = profile.group_rows @ fold
    expected = data["race"].fillna(MISSING).value_counts()
    assert {
        g[0]: int(c) for g, c in zip(grouping.labels, counts, strict=True)
    } == expected.to_dict()
