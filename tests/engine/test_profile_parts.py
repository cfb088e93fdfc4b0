"""The parts a plan adds to a profile (row hashes, output columns, per-group columns) add up
like the rest: profile(a) + profile(b) == profile(a ++ b) under any batching and merge order."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from helpers import profiles_match as same
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.backends.profiling import ALL, Plan, profile_batch, profile_bound
from gate.engine.columns import profile_column, profile_columns
from gate.engine.groups import MISSING
from gate.engine.metrics import Task
from gate.engine.profile import columns_by_group
from gate.engine.row_hashes import RowHashes
from gate.errors import InputError
from gate.inputs.binding import EvalData, Predictions
from gate.inputs.data import Dataset
from gate.policy.model import DataBinding

FEATURES = ("sex", "race")
BINDING = DataBinding(label="y", score="s", prediction="pred", sensitive=FEATURES)
PLAN = Plan(
    BINDING,
    Task.BINARY,
    features=FEATURES,
    hash_columns=True,
    output_columns=True,
    group_columns=("x", "city"),
)


def frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    race = rng.choice(["a", "b", "c", None], n, p=[0.5, 0.3, 0.15, 0.05])
    return pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "race": pd.Series(race, dtype="object"),
            "x": np.round(rng.normal(size=n), 1),
            "city": rng.choice(["p", "q", "r"], n),
            "y": rng.integers(0, 2, n),
            "s": rng.uniform(size=n),
            "pred": rng.integers(0, 2, n),
        }
    )


def bound(rows: pd.DataFrame) -> EvalData:
    rows = rows.reset_index(drop=True)
    return EvalData(
        Task.BINARY,
        rows["y"].to_numpy(),
        None,
        Predictions("m", rows["pred"].to_numpy(), rows["s"].to_numpy()),
        None,
        rows,
        FEATURES,
        ("x",),
        tuple(sorted(map(str, rows["y"].unique()))),
    )


def profile_of(rows: pd.DataFrame, plan: Plan = PLAN):
    return profile_bound(bound(rows), FEATURES, plan=plan)


def batched(data: pd.DataFrame, cuts: list[int], plan: Plan = PLAN):
    edges = [0, *sorted(cuts), len(data)]
    parts = [profile_of(data.iloc[a:b], plan) for a, b in itertools.pairwise(edges)]
    return sum(parts[1:], parts[0])


def test_off_by_default_and_on_when_asked():
    data = frame(0, 200)
    plain = profile_bound(bound(data), FEATURES)
    assert plain.hashes is plain.outputs is plain.group_columns is None
    full = profile_of(data)
    assert full.hashes.columns == ("city", "race", "sex", "x")  # not y, s, pred
    assert set(full.outputs) == {"score", "prediction"}
    assert len(full.group_columns) == len(full.groups)


def test_outputs_are_the_bound_scores_and_predictions_as_columns():
    data = frame(1, 300)
    outputs = profile_of(data).outputs
    assert outputs["score"] == profile_column("score", data["s"].to_numpy())
    assert outputs["prediction"] == profile_column("prediction", data["pred"].to_numpy())


def test_per_group_columns_are_the_column_profiles_of_each_cells_rows():
    data = frame(2, 600)
    profile = profile_of(data)
    for label, cell in zip(profile.groups, profile.group_columns, strict=True):
        race = data["race"].fillna(MISSING)
        rows = data[(data["sex"] == label[0]) & (race == label[1])]
        assert cell == profile_columns(rows[["x", "city"]].reset_index(drop=True))


def test_columns_by_group_folds_cells_into_one_features_groups():
    data = frame(3, 800)
    by_race = columns_by_group(profile_of(data), "race")
    assert list(by_race) == ["a", "b", "c", MISSING]
    for race, columns in by_race.items():
        rows = data[data["race"].fillna(MISSING) == race]
        expected = profile_columns(rows[["x", "city"]].reset_index(drop=True))
        assert columns["city"] == expected["city"]
        assert columns["x"].count == len(rows)
        assert np.isclose(columns["x"].numbers.mean, rows["x"].mean())
    with pytest.raises(ValueError, match="no per-group column"):
        columns_by_group(profile_bound(bound(data), FEATURES), "race")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 300), max_size=5), st.integers(0, 10_000))
def test_any_batching_gives_the_same_parts(cuts, seed):
    data = frame(seed, 300)
    data.loc[:120, "race"] = "a"  # early batches miss groups that later ones have
    assert same(batched(data, cuts), profile_of(data))


def test_merge_order_does_not_matter():
    data = frame(4, 300)
    a, b, c = (profile_of(data.iloc[s]) for s in (slice(0, 80), slice(80, 200), slice(200, 300)))
    assert same((a + b) + c, a + (b + c))
    assert same(a + (b + c), (c + a) + b)


def test_profiles_with_and_without_a_part_do_not_merge():
    data = frame(5, 100)
    with pytest.raises(ValueError, match="row hashes cannot be merged"):
        profile_of(data) + profile_bound(bound(data), FEATURES)


def dataset(data: pd.DataFrame) -> Dataset:
    table = pa.RecordBatch.from_pandas(data, preserve_index=False)
    return Dataset("d.csv", "", data, 0, "reference", table)


def test_outputs_without_a_label_come_from_the_bound_columns():
    """A reference needs the candidate's outputs but no label: none is bound."""
    data = frame(6, 200).drop(columns=["y"])
    plan = Plan(BINDING, Task.BINARY, needs_truth=False, output_columns=True, hash_columns=True)
    profile = profile_batch(plan, dataset(data))
    assert profile.candidate is None  # no metric cells without a label
    assert profile.outputs["score"] == profile_column("score", data["s"].to_numpy())
    assert profile.hashes.label.max() == 0  # no label: the label hash is 0
    missing = Plan(DataBinding(score="nope"), Task.BINARY, needs_truth=False, output_columns=True)
    with pytest.raises(InputError, match="no score column 'nope'"):
        profile_batch(missing, dataset(data))


def test_all_columns_per_group_and_the_arrow_path_agree_with_pandas():
    data = frame(7, 400)
    plan = Plan(BINDING, Task.BINARY, features=FEATURES, group_columns=(ALL,), hash_columns=True)
    from_arrow = profile_batch(plan, dataset(data))
    assert set(from_arrow.group_columns[0]) == {"x", "city"}  # key columns but the features
    from_pandas = profile_bound(bound(data), FEATURES, plan=plan)
    assert from_arrow.group_columns == from_pandas.group_columns
    assert (
        from_arrow.hashes
        == from_pandas.hashes
        == RowHashes.from_table(data, ["sex", "race", "x", "city"], "y")
    )


def test_a_missing_group_column_is_an_input_error_naming_it():
    plan = Plan(BINDING, Task.BINARY, features=FEATURES, group_columns=("income",))
    with pytest.raises(InputError, match=r"reference file d\.csv has no column 'income'"):
        profile_batch(plan, dataset(frame(8, 50)))
