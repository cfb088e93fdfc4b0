"""Column profiles: batches add up, moments match pandas, the sketch keeps its stated accuracy.

Two properties are checked, and each test says which:
- EXACT under any batching and merge order: kind, count, missing, posinf / neginf, min, max, the
  sketch's buckets, category counts and `other`, the sum of integer columns (`assert_equivalent`);
- CLOSE under any batching: the float moments (mean, M2, M3, M4, a float sum), within 1e-9 relative
  to their scale (n * max|x| ** power); bit-identical (`==`) only for the same batching and for
  `a + b` vs `b + a`.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from functools import reduce

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.engine.column_categories import CATEGORY_CAP, category_hash, distinct
from gate.engine.column_numbers import ACCURACY, numbers_of
from gate.engine.columns import ColumnProfile, add_columns, profile_column, profile_columns

RTOL = 1e-9


def assert_equivalent(got: ColumnProfile, want: ColumnProfile) -> None:
    """Counts, buckets, categories, extremes exactly; float moments within RTOL of their scale."""
    assert (got.name, got.kind, got.count, got.missing) == (
        want.name,
        want.kind,
        want.count,
        want.missing,
    )
    assert got.categories == want.categories
    assert (got.numbers is None) == (want.numbers is None)
    if want.numbers is None:
        return
    g, w = got.numbers, want.numbers
    for field in ("n", "min", "max", "posinf", "neginf", "accuracy", "floor"):
        assert getattr(g, field) == getattr(w, field), field
    np.testing.assert_array_equal(g.keys, w.keys)
    np.testing.assert_array_equal(g.counts, w.counts)
    if isinstance(w.total, int) and isinstance(g.total, int):
        assert g.total == w.total
    if w.n == 0:
        return
    spread = max(abs(w.min), abs(w.max))  # the scale of the data (>= |mean|, >= std / 2)
    tiny = 1e-300  # subnormal data has no relative precision to keep
    assert g.mean == pytest.approx(w.mean, rel=RTOL, abs=RTOL * spread + tiny)
    assert g.total == pytest.approx(w.total, rel=RTOL, abs=RTOL * spread * w.n + tiny)
    for power, field in ((2, "m2"), (3, "m3"), (4, "m4")):
        scale = w.n * spread**power
        assert getattr(g, field) == pytest.approx(getattr(w, field), abs=RTOL * scale + tiny), field


def split_profiles(
    name: str, values: pd.Series, cuts: list[int], cap: int = CATEGORY_CAP
) -> list[ColumnProfile]:
    """Profiles of the batches between the cut points (any order, repeats make empty batches)."""
    edges = [0, *sorted(c % (len(values) + 1) for c in cuts), len(values)]
    return [profile_column(name, values.iloc[a:b], cap) for a, b in itertools.pairwise(edges)]


def mixed_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.normal(2, 3, n) * rng.choice([1e-3, 1, 1e4], n)
    x[rng.random(n) < 0.05] = 0.0
    x[rng.random(n) < 0.05] = np.nan
    x[rng.random(n) < 0.01] = np.inf
    x[rng.random(n) < 0.01] = -np.inf
    return x


# --- profile(a) + profile(b) == profile(a ++ b) ----------------------------------------------


BATCHINGS = {
    "two halves": [1000],
    "an empty batch first and in the middle": [0, 700, 700],
    "many small batches": list(range(0, 2000, 97)),
}


@pytest.mark.parametrize("cuts", BATCHINGS.values(), ids=BATCHINGS.keys())
def test_numbers_with_missing_zeros_and_infinities_add_up(cuts):
    """EXACT counts and buckets, CLOSE moments, under several batchings."""
    values = pd.Series(mixed_numbers(np.random.default_rng(1), 2000))
    whole = profile_column("x", values)
    merged = reduce(lambda a, b: a + b, split_profiles("x", values, cuts))
    assert_equivalent(merged, whole)
    assert whole.numbers.posinf > 0 and whole.numbers.neginf > 0 and whole.missing > 0


def test_the_same_batching_gives_bit_identical_profiles_and_addition_commutes():
    """== (every field, bit for bit) for the same batching and for a + b vs b + a."""
    values = pd.Series(mixed_numbers(np.random.default_rng(2), 3000))
    a, b = split_profiles("x", values, [1234])
    assert a + b == profile_column("x", values.iloc[:1234]) + profile_column(
        "x", values.iloc[1234:]
    )
    assert a + b == b + a


def test_an_all_missing_batch_only_adds_to_count_and_missing():
    """EXACT: an all-null batch of an otherwise numeric column has no kind of its own."""
    numbers = pd.Series([1.5, 2.0, -3.0])
    nothing = pd.Series([None, None], dtype=object)
    empty = profile_column("x", nothing)
    assert (empty.kind, empty.count, empty.missing) == ("empty", 2, 2)
    merged = empty + profile_column("x", numbers)
    assert_equivalent(merged, profile_column("x", pd.Series([None, None, 1.5, 2.0, -3.0])))
    assert merged == profile_column("x", numbers) + empty
    arrow_nulls = profile_column("x", pa.nulls(4))
    assert (arrow_nulls.kind, arrow_nulls.count, arrow_nulls.missing) == ("empty", 4, 4)


def test_a_column_missing_everywhere_stays_empty():
    """EXACT."""
    parts = [profile_column("x", pd.Series([np.nan] * k)) for k in (0, 3, 5)]
    assert reduce(lambda a, b: a + b, parts) == ColumnProfile("x", "empty", 8, 8)


def test_ints_then_floats_merge_and_the_integer_sum_is_exact():
    """EXACT counts and extremes; the sum of integer batches is exact even past 2**63."""
    big = pd.Series(np.array([2**62, 2**62, 2**62, -5], dtype=np.int64))
    ints = profile_column("x", big)
    assert ints.numbers.total == 3 * 2**62 - 5
    assert (ints.numbers.min, ints.numbers.max) == (-5, 2**62)
    unsigned = profile_column("x", pa.array([2**64 - 1, 2**64 - 2, 7], pa.uint64()))
    assert unsigned.numbers.total == 2**65 + 4
    floats = pd.Series([0.5, -7.25])
    merged = profile_column("x", pd.Series([1, 2, 3])) + profile_column("x", floats)
    assert_equivalent(merged, profile_column("x", pd.Series([1.0, 2.0, 3.0, 0.5, -7.25])))
    assert merged.numbers.min == -7.25 and merged.numbers.max == 3


def test_unseen_categories_add_up():
    """EXACT: category counts are exact, so the merged profile == the whole one."""
    whole = pd.Series(["a", "b", None, "a", "c", "d", "", None, "d"])
    merged = profile_column("c", whole.iloc[:4]) + profile_column("c", whole.iloc[4:])
    assert merged == profile_column("c", whole)
    assert merged.categories.counts == {"a": 2, "b": 1, "c": 1, "d": 2, "": 1}
    assert merged.missing == 2


def test_numeric_in_one_batch_and_text_in_another_is_refused_naming_both():
    numeric = profile_column("age", pd.Series([31, 45]))
    text = profile_column("age", pd.Series(["thirty", "forty"]))
    with pytest.raises(ValueError, match=r"'age' is numeric in one part and categorical"):
        numeric + text
    with pytest.raises(ValueError, match=r"'age' is categorical in one part and numeric"):
        text + numeric


def test_profiles_built_with_other_buckets_or_caps_are_refused():
    numeric = profile_column("x", pd.Series([1.0, 2.0]))
    coarse = replace(numeric, numbers=replace(numeric.numbers, accuracy=0.01))
    with pytest.raises(ValueError, match=r"'x'.*relative accuracy 0.005.*0.01"):
        numeric + coarse
    small = profile_column("c", pd.Series(["a"]), cap=5)
    with pytest.raises(ValueError, match=r"'c'.*caps \(5 vs 10000\)"):
        small + profile_column("c", pd.Series(["b"]))
    with pytest.raises(ValueError, match="columns 'x' and 'c'"):
        numeric + small


def test_frames_add_column_by_column():
    """EXACT for every count; `add_columns` refuses parts with other columns."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=200), "g": rng.choice(["a", "b"], 200)})
    parts = [profile_columns(frame.iloc[:80]), profile_columns(frame.iloc[80:])]
    merged = add_columns(*parts)
    whole = profile_columns(frame)
    for name in whole:
        assert_equivalent(merged[name], whole[name])
    with pytest.raises(ValueError, match=r"\['g'\]"):
        add_columns(parts[0], {"x": parts[1]["x"]})
    with pytest.raises(ValueError, match="more than once"):
        profile_columns(pd.DataFrame([[1, 2]], columns=["a", "a"]))


# --- moments, quantiles, re-binning ----------------------------------------------------------


DISTRIBUTIONS = {
    "normal": lambda rng, n: rng.normal(5, 2, n),
    "lognormal": lambda rng, n: rng.lognormal(0, 1, n),
    "far from zero": lambda rng, n: 1e6 + rng.exponential(1, n),
    "ints": lambda rng, n: rng.integers(-50, 1000, n),
}


@pytest.mark.parametrize("draw", DISTRIBUTIONS.values(), ids=DISTRIBUTIONS.keys())
def test_moments_and_extremes_match_pandas(draw):
    """CLOSE: mean, std, skew, kurtosis within 1e-9 relative of pandas; min / max exact."""
    series = pd.Series(draw(np.random.default_rng(4), 5000))
    halves = split_profiles("x", series, [1800])
    for profile in (profile_column("x", series), halves[0] + halves[1]):
        numbers = profile.numbers
        assert numbers.mean == pytest.approx(series.mean(), rel=RTOL)
        assert numbers.std == pytest.approx(series.std(), rel=1e-8)
        assert numbers.skew == pytest.approx(series.skew(), rel=1e-7, abs=1e-9)
        assert numbers.kurtosis == pytest.approx(series.kurt(), rel=1e-7, abs=1e-9)
        assert (numbers.min, numbers.max) == (series.min(), series.max())


def test_small_counts_follow_pandas_conventions():
    two = profile_column("x", pd.Series([1.0, 3.0])).numbers
    assert two.std == pytest.approx(math.sqrt(2)) and math.isnan(two.skew)
    assert math.isnan(two.kurtosis)
    constant = profile_column("x", pd.Series([4.0] * 6)).numbers
    assert (constant.std, constant.skew, constant.kurtosis) == (0.0, 0.0, 0.0)
    only_inf = profile_column("x", pd.Series([np.inf, -np.inf, np.nan]))
    assert only_inf.kind == "numeric" and only_inf.numbers.n == 0
    assert (only_inf.numbers.min, only_inf.numbers.max) == (None, None)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_quantiles_are_within_the_relative_accuracy(seed):
    """The sketch's quantile is np.quantile(method="lower") within ACCURACY relative."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(0, 10, 4000), np.zeros(300), -rng.lognormal(3, 2, 700)])
    x = np.concatenate([x, rng.integers(-3, 4, 500).astype(float)])
    parts = split_profiles("x", pd.Series(rng.permutation(x)), [1000, 2500])
    numbers = reduce(lambda a, b: a + b, parts).numbers
    qs = np.linspace(0, 1, 201)
    want = np.quantile(x, qs, method="lower")
    got = numbers.quantile(qs)
    assert np.all(np.abs(got - want) <= ACCURACY * np.abs(want) * (1 + 1e-9))
    assert numbers.quantile(0.0) == x.min() and numbers.quantile(1.0) == x.max()


def test_quantiles_place_infinities_at_the_ends():
    numbers = profile_column("x", pd.Series([-np.inf, 1.0, 2.0, np.inf, np.nan])).numbers
    got = numbers.quantile([0, 0.34, 0.67, 1])
    assert (got[0], got[-1]) == (-np.inf, np.inf)
    assert got[1:3] == pytest.approx([1.0, 2.0], rel=ACCURACY)
    assert profile_column("x", pd.Series([np.inf])).numbers.quantile(0.5) == np.inf
    assert profile_column("x", pd.Series([np.nan, 1.0])).numbers.quantile(0.5) == 1.0
    assert math.isnan(numbers_of(np.array([np.nan]))[0].quantile(0.5))


def test_rebin_differs_from_numpy_only_by_values_near_an_edge():
    rng = np.random.default_rng(8)
    x = np.concatenate([rng.normal(0, 5, 20_000), np.zeros(100), [np.inf, -np.inf]])
    numbers = profile_column("x", pd.Series(x)).numbers
    edges = np.array([-np.inf, -7.5, -1, -0.01, 0, 0.3, 2, 4, 9, np.inf])
    got = numbers.rebin(edges)
    want, _ = np.histogram(x[np.isfinite(x)], edges)
    want[0] += 1  # np.histogram drops infinities; the sketch counts them in the infinite bins
    want[-1] += 1
    finite_edges = edges[np.isfinite(edges) & (edges != 0)]
    near = np.abs(x[:, None] - finite_edges) <= ACCURACY * np.abs(x[:, None]) * 1.0001
    assert got.sum() == want.sum() == x.size
    assert np.abs(got - want).sum() <= 2 * near.any(axis=1).sum()
    assert not np.array_equal(got, np.zeros_like(got))


def test_huge_values_overflow_the_moments_but_not_the_counts():
    """EXACT counts and buckets past |x| ~ 1e77, where M4 is inf."""
    values = pd.Series([-8e300, 1e-300, 3e200, 0.0, 5.0])
    merged = profile_column("x", values.iloc[:2]) + profile_column("x", values.iloc[2:])
    whole = profile_column("x", values)
    assert (merged.numbers.n, merged.numbers.min, merged.numbers.max) == (5, -8e300, 3e200)
    np.testing.assert_array_equal(merged.numbers.counts, whole.numbers.counts)
    assert not math.isfinite(whole.numbers.m4)
    assert merged + whole == whole + merged
    assert whole.numbers.quantile(0.0) == -8e300 and whole.numbers.quantile(1.0) == 3e200


# --- categories past the cap -----------------------------------------------------------------


def test_past_the_cap_the_smallest_hashes_keep_their_counts_in_any_order():
    """EXACT (==) for every batching and merge order, even past the cap."""
    rng = np.random.default_rng(9)
    texts = [f"v{i}" for i in range(40)]
    values = pd.Series(rng.choice(texts, 3000, p=np.arange(40, 0, -1) / 820))
    whole = profile_column("c", values, cap=6)
    kept = sorted(set(values), key=lambda t: (category_hash(t), t))[:6]
    assert sorted(whole.categories.counts) == sorted(kept)
    assert whole.categories.counts == {t: int((values == t).sum()) for t in kept}
    assert whole.categories.other == 3000 - sum(whole.categories.counts.values())
    for cuts in ([5], [1000, 1001, 2999], list(range(0, 3000, 250))):
        parts = split_profiles("c", values, cuts, cap=6)
        assert reduce(lambda a, b: a + b, parts) == whole
        assert reduce(lambda a, b: b + a, parts) == whole
        shuffled = [parts[i] for i in rng.permutation(len(parts))]
        assert reduce(lambda a, b: a + b, shuffled) == whole


def test_distinct_is_exact_below_the_cap_and_estimated_past_it():
    below = profile_column("c", pd.Series(["a", "b", "a"]))
    assert distinct(below.categories) == 2
    many = pd.Series([f"id-{i}" for i in range(20_000)])
    estimate = distinct(profile_column("c", many, cap=2000).categories)
    assert estimate == pytest.approx(20_000, rel=0.1)


# --- inputs ----------------------------------------------------------------------------------


def test_pandas_arrow_and_chunked_inputs_give_the_same_profile():
    """EXACT (==): the same values in the same order go through the same kernels."""
    rng = np.random.default_rng(10)
    x = mixed_numbers(rng, 500)
    frame = pd.DataFrame(
        {
            "x": x,
            "n": pd.array(np.where(rng.random(500) < 0.1, None, rng.integers(0, 9, 500)), "Int64"),
            "g": pd.Series(rng.choice(["p", "q", None], 500), dtype=object),
            "b": rng.random(500) < 0.5,
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    from_pandas = profile_columns(frame)
    assert profile_columns(table) == from_pandas
    assert profile_columns(table.to_batches(max_chunksize=10_000)[0]) == from_pandas
    chunked = pa.chunked_array([table["g"].combine_chunks()[:100], table["g"][100:]])
    assert profile_column("g", chunked) == from_pandas["g"]
    assert profile_column("g", frame["g"].astype("category")) == from_pandas["g"]
    assert profile_column("g", table["g"].dictionary_encode()) == from_pandas["g"]
    assert set(from_pandas["b"].categories.counts) == {"true", "false"}
    assert from_pandas["n"].numbers.total == int(frame["n"].sum())


def test_datetimes_are_epoch_seconds_and_durations_seconds():
    stamps = pd.Series(pd.to_datetime(["2024-01-01", None, "2024-01-03"]).tz_localize("UTC"))
    profile = profile_column("t", stamps)
    assert (profile.kind, profile.missing) == ("datetime", 1)
    assert profile.numbers.min == pd.Timestamp("2024-01-01", tz="UTC").timestamp()
    dates = profile_column("t", pa.array([pd.Timestamp("2024-01-01").date()], pa.date32()))
    assert dates.kind == "datetime" and dates.numbers.max == profile.numbers.min
    waits = profile_column("w", pd.Series(pd.to_timedelta(["90s", "2min"])))
    assert waits.kind == "duration" and waits.numbers.total == 210.0
    with pytest.raises(ValueError, match="'t' is datetime in one part and numeric"):
        profile + profile_column("t", pd.Series([1.0]))


DTYPES = {
    "Int64": (pd.Series([1, None, 3], dtype="Int64"), "numeric"),
    "Float64": (pd.Series([1.5, None, 2.0], dtype="Float64"), "numeric"),
    "int64[pyarrow]": (pd.Series([1, None, 3], dtype="int64[pyarrow]"), "numeric"),
    "decimal": (pa.array([1, None, 2], pa.decimal128(10, 2)), "numeric"),
    "int8": (pa.array([1, None, -3], pa.int8()), "numeric"),
    "boolean": (pd.Series([True, None, False], dtype="boolean"), "categorical"),
    "string[pyarrow]": (pd.Series(["a", None, "b"], dtype="string[pyarrow]"), "categorical"),
    "large_string": (pa.array(["x", None, "y"], pa.large_string()), "categorical"),
    "category of ints": (pd.Series([1, 2, None], dtype="category"), "categorical"),
    "timestamp[pyarrow]": (
        pd.Series(
            pd.to_datetime(["2024-01-01", None, "2024-02-01"]), dtype="timestamp[ns][pyarrow]"
        ),
        "datetime",
    ),
}


@pytest.mark.parametrize(("values", "kind"), DTYPES.values(), ids=DTYPES.keys())
def test_nullable_and_arrow_backed_dtypes_have_a_kind_and_count_their_nulls(values, kind):
    profile = profile_column("v", values)
    assert (profile.kind, profile.count, profile.missing) == (kind, 3, 1)


def test_object_columns_of_numbers_are_numeric_and_odd_types_are_refused():
    assert profile_column("x", pd.Series([1, 2.5, None], dtype=object)).kind == "numeric"
    assert profile_column("x", pd.Series(["1", 2], dtype=object)).kind == "categorical"
    with pytest.raises(ValueError, match="column 'l' has a type that cannot be profiled"):
        profile_column("l", pa.array([[1, 2], [3]]))


def test_profiles_round_trip_through_json_and_arrays():
    """EXACT (==) after to_dict -> JSON (arrays as lists) -> from_dict."""
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {"x": mixed_numbers(rng, 300), "i": rng.integers(0, 5, 300), "g": rng.choice(["a"], 300)}
    )
    profiles = profile_columns(frame) | {"e": ColumnProfile("e", "empty", 3, 3)}
    for profile in profiles.values():
        data = profile.to_dict()
        text = json.dumps(data, default=lambda a: a.tolist())
        assert ColumnProfile.from_dict(json.loads(text)) == profile
        assert ColumnProfile.from_dict(data) == profile
    with pytest.raises(ValueError, match="unknown kind 'text'"):
        ColumnProfile.from_dict({"name": "x", "kind": "text", "count": 1, "missing": 0})


# --- property test over random batchings -----------------------------------------------------

FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(-(10**6), 10**6).map(float),
    st.sampled_from([0.0, -0.0, 1e-13, -1e-300, 5e-324]),
)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(FLOATS, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=5),
    order=st.randoms(use_true_random=False),
)
def test_any_batching_and_merge_order_gives_the_same_numbers(values, cuts, order):
    """EXACT counts and buckets, CLOSE moments, for random values (|x| <= 1e70, so that x**4
    stays finite), batchings and merge orders."""
    series = pd.Series(values, dtype=np.float64).clip(-1e70, 1e70)  # keeps x**4 finite
    parts = split_profiles("x", series, cuts)
    order.shuffle(parts)
    assert_equivalent(reduce(lambda a, b: a + b, parts), profile_column("x", series))


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.text("abcdefgh", max_size=2)), max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=5),
    order=st.randoms(use_true_random=False),
    cap=st.integers(1, 6),
)
def test_any_batching_and_merge_order_gives_the_same_categories(values, cuts, order, cap):
    """EXACT (==) for categories, past the cap too."""
    series = pd.Series(values, dtype=object)
    parts = split_profiles("c", series, cuts, cap)
    order.shuffle(parts)
    assert reduce(lambda a, b: a + b, parts) == profile_column("c", series, cap=cap)
