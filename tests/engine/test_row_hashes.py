"""Row hashes: exact duplicate / conflict / overlap counts against pandas, the same under any
batching, types normalised across batches and files, and past the cap an estimate within its
stated error bound."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.backends import local
from gate.backends.profiling import Plan
from gate.engine.hash_pairs import sorted_pairs
from gate.engine.metrics import Task
from gate.engine.row_hashes import RowHashes, value_hashes
from gate.inputs import csv_batches
from gate.inputs.data import DataSource
from gate.policy.model import DataBinding

KEYS = ["a", "b", "c"]


def frame(seed: int, n: int, values: int = 6) -> pd.DataFrame:
    """Few distinct keys, so rows repeat, some with another label."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "a": rng.integers(0, values, n),
            "b": rng.choice(["x", "y", None], n),
            "c": np.where(rng.uniform(size=n) < 0.2, np.nan, rng.integers(0, 3, n) / 2),
            "y": rng.integers(0, 2, n),
        }
    )


def duplicates(df: pd.DataFrame) -> int:
    return int(df.duplicated(subset=[*KEYS, "y"]).sum())


def conflicting(df: pd.DataFrame) -> int:
    labels = df.groupby(KEYS, dropna=False)["y"].transform("nunique")
    return int((labels > 1).sum())


def overlapping(df: pd.DataFrame, ref: pd.DataFrame) -> int:
    keys = set(ref[KEYS].astype(str).itertuples(index=False))
    return sum(k in keys for k in df[KEYS].astype(str).itertuples(index=False))


def hashed(df: pd.DataFrame, cap: int = 5_000_000) -> RowHashes:
    return RowHashes.from_table(df, KEYS, "y", cap)


def batched(df: pd.DataFrame, cuts: list[int], cap: int = 5_000_000) -> RowHashes:
    edges = [0, *sorted(cuts), len(df)]
    parts = [hashed(df.iloc[a:b], cap) for a, b in itertools.pairwise(edges)]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def test_exact_counts_equal_pandas():
    df, ref = frame(0, 2000), frame(1, 500)
    h = hashed(df)
    assert h.rows == 2000 and not h.sampled
    assert h.duplicate_rows().value == duplicates(df) > 0
    assert h.conflicting_rows().value == conflicting(df) > 0
    assert h.overlap_rows(hashed(ref)).value == overlapping(df, ref) > 0
    assert h.duplicate_rows().exact and h.duplicate_rows().error_bound == 0.0
    assert h.distinct_keys().value == len(df[KEYS].astype(str).drop_duplicates())


def test_pairs_are_sorted_and_unique_with_counts():
    h = hashed(frame(2, 1000))
    h.validate()
    assert h.count.sum() == 1000
    assert len(set(zip(h.key.tolist(), h.label.tolist(), strict=True))) == len(h.key)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), max_size=60))
def test_pairs_sort_as_numpy_lexsort_sorts_them(pairs):
    """sorted_pairs (argsort, then the repeated keys by label) against np.lexsort, the oracle;
    a few keys and labels, so repeated keys and repeated pairs are common."""
    key = np.array([k * 2**61 + 7 for k, _ in pairs], np.uint64)
    label = np.array([v for _, v in pairs], np.uint64)
    order = np.lexsort((label, key))
    got_key, got_label = sorted_pairs(key, label)
    assert np.array_equal(got_key, key[order]) and np.array_equal(got_label, label[order])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 400), max_size=6), st.integers(0, 10_000))
def test_any_batching_gives_the_same_hashes(cuts, seed):
    df = frame(seed, 400)
    assert batched(df, cuts) == hashed(df)


def test_merge_order_does_not_matter():
    df = frame(3, 900)
    a, b, c = (hashed(df.iloc[s]) for s in (slice(0, 300), slice(300, 600), slice(600, 900)))
    assert (a + b) + c == a + (b + c) == (c + a) + b == hashed(df)


def test_values_equal_as_data_hash_equal_whatever_the_type():
    ints = pa.array([1, 2, None, 2**60, 0])
    same = [
        pa.array([1.0, 2.0, np.nan, float(2**60), -0.0]),  # float, -0.0 and NaN
        pa.array(["1", "2", None, str(2**60), "0"]),  # a column read as text
        pa.array([1, 2, None, 2**60, 0]).dictionary_encode(),
        pa.chunked_array([[1, 2], [None, 2**60, 0]]),
    ]
    for other in same:
        assert np.array_equal(value_hashes(ints), value_hashes(other)), other
    assert np.array_equal(value_hashes(pa.array([True, False])), value_hashes(pa.array([1, 0])))
    assert np.array_equal(
        value_hashes(pa.array(["true", "False"])), value_hashes(pa.array([True, False]))
    )
    day = pd.Timestamp("2024-03-01")
    assert np.array_equal(
        value_hashes(pa.array(["2024-03-01"])), value_hashes(pa.array([day.date()]))
    )
    assert np.array_equal(value_hashes(pa.array(["2024-03-01"])), value_hashes(pa.array([day])))
    assert len(set(value_hashes(pa.array([1, 2, 3, 2**60, 2**60 + 1])).tolist())) == 5
    assert value_hashes(pa.array(["a", "b"]))[0] != value_hashes(pa.array(["a", "b"]))[1]


def test_a_pandas_int_column_turned_float_by_a_missing_value_hashes_alike():
    """pandas makes an int column float in a batch with a missing value, and columns come in
    any order: the hashes do not change."""
    df = frame(4, 300)
    floats = df.astype({"a": float})
    reordered = floats[["c", "y", "b", "a"]]
    assert hashed(reordered) == hashed(df)


def test_csv_batches_typed_differently_hash_like_parquet(tmp_path: Path, monkeypatch):
    """A CSV column empty in its first block is read as text in every batch; the same rows from
    Parquet (typed as numbers) hash alike, and overlap is every row."""
    monkeypatch.setattr(csv_batches, "CSV_BLOCK", 4096)  # type inference from a small block
    n = 3000
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "a": rng.integers(0, 40, n),
            "late": np.r_[[np.nan] * 600, rng.integers(0, 5, n - 600)],  # empty first block
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 5, n), "D"),
            "y": rng.integers(0, 2, n),
        }
    )
    df.to_csv(tmp_path / "d.csv", index=False, date_format="%Y-%m-%d")
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "d.parquet")
    plan = Plan(DataBinding(label="y"), Task.BINARY, needs_truth=False, hash_columns=True)
    csv_source = DataSource(tmp_path / "d.csv")
    first = next(csv_source.batches(500))
    assert first.table.schema.field("late").type == pa.string()  # read as text, as promised
    from_csv = local.run(plan, DataSource(tmp_path / "d.csv"), 500).hashes
    from_parquet = local.run(plan, DataSource(tmp_path / "d.parquet"), 700).hashes
    assert from_csv == from_parquet
    assert from_csv.overlap_rows(from_parquet).value == n
    expected = int(df.duplicated(subset=["a", "late", "when", "y"]).sum())
    assert from_csv.duplicate_rows().value == expected


def test_overlap_needs_the_same_key_columns():
    df = frame(6, 100)
    other = RowHashes.from_table(df, ["a", "b"], "y")
    with pytest.raises(ValueError, match="different key columns"):
        hashed(df).overlap_rows(other)


# --- past the cap ----------------------------------------------------------------------------

CAP = 4000


def big(seed: int, n: int = 60_000) -> pd.DataFrame:
    """20,000 distinct keys (5x the cap): duplicates, conflicts and overlap at known rates."""
    rng = np.random.default_rng(seed)
    key = rng.integers(0, 20_000, n)
    label = np.where(key % 7 == 0, rng.integers(0, 2, n), key % 2)  # keys % 7: conflicting
    return pd.DataFrame({"a": key, "b": "x", "c": 1.0, "y": label})


def test_past_the_cap_a_bottom_k_sample_whatever_the_batching():
    df = big(7)
    whole = hashed(df, CAP)
    assert whole.sampled and len(np.unique(whole.key)) == CAP and whole.rows == len(df)
    assert batched(df, [5000, 17_000, 17_001, 40_000], CAP) == whole
    exact = hashed(df)
    below = exact.key < np.uint64(whole.threshold)
    assert np.array_equal(exact.key[below], whole.key)  # the smallest keys, complete
    assert np.array_equal(exact.count[below], whole.count)
    assert whole.threshold == int(np.unique(exact.key)[CAP])  # the next key seen


@pytest.mark.parametrize("seed", range(8))
def test_estimates_past_the_cap_are_within_their_error_bound(seed: int):
    df, ref = big(seed), big(seed + 100, 30_000)
    ref["a"] += 10_000  # overlaps half the key range
    sampled, exact = hashed(df, CAP), hashed(df)
    ref_sampled, ref_exact = hashed(ref, CAP // 2), hashed(ref)
    pairs = [
        (sampled.duplicate_rows(), exact.duplicate_rows().value, duplicates(df)),
        (sampled.conflicting_rows(), exact.conflicting_rows().value, conflicting(df)),
        (sampled.overlap_rows(ref_sampled), exact.overlap_rows(ref_exact).value, None),
        (sampled.overlap_rows(ref_exact), exact.overlap_rows(ref_exact).value, None),
        (sampled.distinct_keys(), exact.distinct_keys().value, df["a"].nunique()),
    ]
    for estimate, truth, oracle in pairs:
        assert oracle is None or truth == oracle
        assert not estimate.exact
        assert abs(estimate.value - truth) <= estimate.error_bound, (estimate, truth)
        assert estimate.error_bound < 0.25 * truth  # informative, not a blanket bound


def test_hashes_round_trip_and_damage_is_refused():
    h = hashed(big(1), CAP)
    again = RowHashes.from_dict(h.to_dict())
    assert again == h
    broken = h.to_dict()
    broken["key"] = broken["key"][::-1].copy()
    with pytest.raises(ValueError, match="not sorted"):
        RowHashes.from_dict(broken)
    broken = h.to_dict() | {"threshold": str(int(h.key[-1]))}
    with pytest.raises(ValueError, match="past the threshold"):
        RowHashes.from_dict(broken)
    broken = h.to_dict() | {"count": h.count.astype(np.float64)}
    with pytest.raises(ValueError, match="int64"):
        RowHashes.from_dict(broken)


def test_large_integers_keep_every_digit_as_numbers_and_as_text():
    big_ints = [2**60, 2**60 + 1, 2**60 + 2]
    hashes = value_hashes(pa.array(big_ints))
    assert len(set(hashes.tolist())) == 3  # a float would merge them
    assert np.array_equal(hashes, value_hashes(pa.array([str(v) for v in big_ints])))
