"""The exact distinct-value table of numeric column profiles: kept iff the whole column has at
most NUMBER_EXACT_CAP distinct finite values, EXACT (==) under any batching and merge order."""

from __future__ import annotations

from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.engine.column_numbers import NUMBER_EXACT_CAP
from gate.engine.columns import ColumnProfile, profile_column
from gate.engine.profile import Profile
from gate.inputs import profile_file
from tests.engine.test_columns import split_profiles


def table_of(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    finite = x[np.isfinite(x)] + 0.0
    values, counts = np.unique(finite, return_counts=True)
    return values, counts


def merged(parts: list[ColumnProfile], order: np.ndarray) -> ColumnProfile:
    return reduce(lambda a, b: a + b, [parts[i] for i in order])


@settings(max_examples=40, deadline=None)
@given(
    distinct=st.integers(1, 60),
    cuts=st.lists(st.integers(0, 3000), max_size=6),
    seed=st.integers(0, 2**32 - 1),
    ints=st.booleans(),
)
def test_the_table_is_exact_under_any_batching_and_merge_order(distinct, cuts, seed, ints):
    rng = np.random.default_rng(seed)
    support = rng.choice(np.arange(-30, 31), distinct, replace=False)
    if ints:
        values = pd.Series(rng.choice(support, 3000))
    else:
        x = rng.choice(support * 0.25, 3000)
        x[rng.random(3000) < 0.05] = np.nan
        x[rng.random(3000) < 0.01] = np.inf
        x[x == 0] = rng.choice([0.0, -0.0], int((x == 0).sum()))
        values = pd.Series(x)
    whole = profile_column("x", values)
    want_values, want_counts = table_of(values.to_numpy(np.float64))
    np.testing.assert_array_equal(whole.numbers.values, want_values)
    np.testing.assert_array_equal(whole.numbers.value_counts, want_counts)
    assert whole.numbers.values.dtype == np.float64 and whole.numbers.value_counts.dtype == np.int64
    parts = split_profiles("x", values, cuts)
    for order in (np.arange(len(parts)), rng.permutation(len(parts))):
        got = merged(parts, order).numbers
        np.testing.assert_array_equal(got.values, want_values)
        np.testing.assert_array_equal(got.value_counts, want_counts)


@pytest.mark.parametrize(
    "cuts",
    [[], [5000], [2000, 4000, 9000], list(range(0, 20_000, 1500))],
    ids=["one batch", "halves", "uneven", "many batches each under the cap"],
)
def test_a_column_past_the_cap_has_no_table_whatever_the_batching(cuts):
    rng = np.random.default_rng(4)
    x = rng.permutation(np.arange(NUMBER_EXACT_CAP + 1, dtype=np.float64))
    x = np.concatenate([x, x[: 20_000 - len(x)]])
    parts = split_profiles("x", pd.Series(x), cuts)
    for order in (np.arange(len(parts)), rng.permutation(len(parts))):
        assert merged(parts, order).numbers.values is None
    at_cap = x[x < NUMBER_EXACT_CAP]
    assert len(profile_column("x", pd.Series(at_cap)).numbers.values) == NUMBER_EXACT_CAP


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(np.arange(50_000) * 7),  # a wide integer range: hashed, past the cap
        pd.Series(np.arange(20_000) % 9_999 + 2**40),  # a narrow range far from zero
        pd.Series(np.arange(20_000, dtype=np.uint64) % 5),
        pd.Series(np.arange(20_000) % 10 - 5).astype("Int64"),
    ],
    ids=["wide ints", "offset ints", "unsigned", "nullable"],
)
def test_integer_tables_match_numpy(values):
    got = profile_column("x", values).numbers
    x = values.dropna().to_numpy(np.float64)
    if len(np.unique(x)) > NUMBER_EXACT_CAP:
        assert got.values is None
        return
    want_values, want_counts = table_of(x)
    np.testing.assert_array_equal(got.values, want_values)
    np.testing.assert_array_equal(got.value_counts, want_counts)


def test_arrow_and_pandas_give_the_same_table_and_infinities_stay_out():
    x = np.array([1.5, 2.0, 1.5, np.nan, np.inf, -np.inf, 3.0])
    arrow = profile_column("x", pa.array(x)).numbers
    pandas = profile_column("x", pd.Series(x)).numbers
    np.testing.assert_array_equal(arrow.values, [1.5, 2.0, 3.0])
    np.testing.assert_array_equal(arrow.value_counts, [2, 1, 1])
    assert arrow == pandas
    only_inf = profile_column("x", pd.Series([np.inf])).numbers
    assert only_inf.values.size == 0 and only_inf.value_counts.size == 0


def test_the_table_round_trips_through_dicts_and_profile_files(tmp_path: Path):
    rng = np.random.default_rng(5)
    small = profile_column("small", pd.Series(rng.integers(0, 7, 1000)))
    big = profile_column("big", pd.Series(rng.normal(size=NUMBER_EXACT_CAP + 5)))
    assert small.numbers.values is not None and big.numbers.values is None
    for column in (small, big):
        assert ColumnProfile.from_dict(column.to_dict()) == column
        as_lists = column.to_dict()
        if column.numbers.values is not None:
            as_lists["numbers"]["values"] = column.numbers.values.tolist()
            as_lists["numbers"]["value_counts"] = column.numbers.value_counts.tolist()
        assert ColumnProfile.from_dict(as_lists) == column
    profile = Profile(
        task="binary",
        features=("small", "big"),
        groups=(),
        group_rows=np.zeros(0, np.int64),
        columns={"small": small, "big": big},
    )
    path = tmp_path / "p.profile"
    profile_file.save(profile, path, {}, "9.9")
    loaded = profile_file.load(path)[0]
    assert loaded.columns == profile.columns
    np.testing.assert_array_equal(loaded.columns["small"].numbers.values, np.arange(7.0))


def test_a_profile_saved_before_the_table_loads_without_it():
    column = profile_column("x", pd.Series([1.0, 2.0, 2.0])).to_dict()
    del column["numbers"]["values"], column["numbers"]["value_counts"]
    assert ColumnProfile.from_dict(column).numbers.values is None
