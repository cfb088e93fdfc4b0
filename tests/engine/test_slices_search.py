"""The slice search (gate/engine/slices*.py): bins, each slice's test against scipy, the
Benjamini-Hochberg q-values against statsmodels, planted weak slices found and named, and the
false-discovery rate held over many data sets with no weak slice."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gate.engine.slice_bins import bin_column, cut_column
from gate.engine.slice_tests import Counts, mean_tests, share_tests
from gate.engine.slices import Outcomes, Rule, search

multitest = pytest.importorskip(
    "statsmodels.stats.multitest", reason="statsmodels (installed with evidently) is the oracle"
)


def lowest(entry: dict, feature: str) -> float:
    """The lowest value a reported slice's numeric bin holds, from its exact bounds."""
    bound = entry["bounds"][feature]
    return bound["value"] if "value" in bound else bound["from"]


def test_numeric_columns_cut_into_quantile_bins_named_by_their_edges():
    column = pd.Series(np.arange(100, dtype=float))
    binned = bin_column("age", column, 4)
    assert binned.labels == ("[0, 24.75)", "[24.75, 49.5)", "[49.5, 74.25)", "[74.25, 99]")
    assert np.bincount(binned.codes).tolist() == [25, 25, 25, 25]
    assert binned.codes[0] == 0 and binned.codes[-1] == 3  # the last bin is closed


def test_ties_merge_bins_and_missing_values_are_a_bin_of_their_own():
    column = pd.Series([0.0] * 60 + list(np.arange(1.0, 41.0)) + [np.nan] * 5)
    binned = bin_column("debt", column, 5)
    # 60% zeros: the quantile edges at 0 merge, leaving three bins of five asked for
    assert binned.labels == ("[0, 0.4)", "[0.4, 20.2)", "[20.2, 40]", "missing")
    assert np.bincount(binned.codes).tolist() == [60, 20, 20, 5]
    assert (binned.codes[-5:] == 3).all()


def test_every_category_of_min_size_rows_is_a_bin_and_only_smaller_ones_are_pooled():
    column = pd.Series(["a"] * 50 + ["b"] * 30 + ["c"] * 10 + ["d"] * 5 + ["e"] * 5 + [None] * 2)
    binned = bin_column("region", column, 2, min_size=10)  # `bins` does not cap categories
    assert binned.labels == ("a", "b", "c", "other", "missing")
    assert np.bincount(binned.codes).tolist() == [50, 30, 10, 10, 2]
    assert (binned.pooled, binned.pooled_rows) == (("d", "e"), 10)
    assert cut_column("region", column, 2, 10).searched() == {
        "feature": "region", "kind": "categorical", "own_slices": 3, "missing_as": "missing",
        "pooled": {"as": "other", "values": 2, "rows": 10, "listed": ["d", "e"]},
    }  # fmt: skip
    one_small = bin_column("region", column[column != "e"], 2, min_size=6)
    assert one_small.labels == ("a", "b", "c", "other", "missing")  # 'other' names what it holds
    assert one_small.pooled == ("d",)
    few = bin_column("n_children", pd.Series([0, 1, 2, 1, 0, 1]), 5)  # few values: categories
    assert few.labels == ("1", "0", "2")


def test_the_missing_and_other_bins_are_named_apart_from_real_values():
    column = pd.Series(["missing"] * 40 + ["other"] * 40 + ["x", "y"] + [None] * 3)
    binned = bin_column("cat", column, 5, min_size=10)
    assert binned.labels == ("missing", "other", "other (the rest)", "missing (no value)")
    assert np.bincount(binned.codes).tolist() == [40, 40, 2, 3]


def test_numeric_columns_get_finer_quantile_levels_while_bins_hold_min_size_rows():
    column = pd.Series(np.arange(1000, dtype=float))
    cut = cut_column("age", column, 5, min_size=100)
    assert [len(b.labels) for b in [cut.coarse, *cut.finer]] == [5, 10]  # 20 bins: 50 rows
    assert cut.searched()["quantile_bins"] == [5, 10]
    assert cut.finer[0].repeats == frozenset()  # every 10-bin edge set differs from 5's
    tied = cut_column("n", pd.Series(np.repeat(np.arange(12.0), 100)), 5, min_size=10)
    # 12 values: rows would allow 80 bins, but the ladder stops once a level adds no new bin
    assert len(tied.finer) == 2 and all(len(b.labels) <= 14 for b in tied.finer)


@pytest.mark.parametrize("worse", ["low", "high"])
def test_share_tests_equal_scipys_exact_binomial_test_and_clopper_pearson(worse):
    k = np.array([0, 3, 17, 40, 50, 99])
    n = np.array([10, 20, 40, 50, 50, 100])
    got = share_tests(Counts(n, n.astype(float), k.astype(float)), 0.7, worse)
    alternative = "less" if worse == "low" else "greater"
    for i in range(len(k)):
        oracle = stats.binomtest(int(k[i]), int(n[i]), 0.7, alternative=alternative)
        two_sided = stats.binomtest(int(k[i]), int(n[i]), 0.7)
        ci = two_sided.proportion_ci(0.95, method="exact")
        assert got.p_value[i] == pytest.approx(oracle.pvalue, rel=1e-9, abs=1e-15)
        assert (got.low[i], got.high[i]) == pytest.approx((ci.low, ci.high), abs=1e-12)
        assert got.value[i] == k[i] / n[i]


def test_mean_tests_equal_scipys_one_sided_t_test():
    rng = np.random.default_rng(3)
    groups = [rng.exponential(scale, size) for scale, size in ((1.0, 40), (1.4, 90), (0.7, 300))]
    sizes = np.array([len(g) for g in groups], dtype=float)
    sums, squares = np.array([g.sum() for g in groups]), np.array([(g**2).sum() for g in groups])
    counts = Counts(sizes, sizes, sums, squares)
    got = mean_tests(counts, 1.1)
    for i, g in enumerate(groups):
        oracle = stats.ttest_1samp(g, 1.1, alternative="greater")
        ci = stats.ttest_1samp(g, 1.1).confidence_interval(0.95)
        assert got.p_value[i] == pytest.approx(oracle.pvalue, rel=1e-9)
        assert (got.low[i], got.high[i]) == pytest.approx((ci.low, ci.high), rel=1e-9)


def frame_with_weak_slice(n: int, seed: int, weak: float, base: float = 0.9) -> pd.DataFrame:
    """Four features; predictions right with probability `base`, but `weak` in the slice
    sex=F & region=N."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": rng.lognormal(10, 1, n),
            "sex": rng.choice(["F", "M"], n),
            "region": rng.choice(["N", "S", "E", "W"], n),
        }
    )
    inside = ((frame.sex == "F") & (frame.region == "N")).to_numpy()
    frame["right"] = rng.uniform(size=n) < np.where(inside, weak, base)
    return frame


FEATURES = ["age", "income", "sex", "region"]


def accuracy_search(frame: pd.DataFrame, threshold: float, features=FEATURES, **options):
    settings = {"depth": 2, "min_size": 30, "fdr": 0.05} | options
    bins, finer = options.pop("bins", 5), options.pop("finer", True)
    cuts = [cut_column(f, frame[f], bins, settings["min_size"]) for f in features]
    levels = [b for c in cuts for b in c.finer] if finer else []
    settings.pop("bins", None), settings.pop("finer", None)
    out = Outcomes(np.ones(len(frame)), frame["right"].to_numpy(dtype=float))
    return search([c.coarse for c in cuts], out, Rule(threshold, "low"), finer=levels, **settings)


def test_a_planted_two_feature_weak_slice_is_found_first_and_named():
    frame = frame_with_weak_slice(8000, seed=1, weak=0.6)
    found = accuracy_search(frame, 0.8)
    worst = found.reported[0]
    assert worst["slice"] == {"sex": "F", "region": "N"}
    inside = frame[(frame.sex == "F") & (frame.region == "N")]
    assert worst["n"] == len(inside)
    assert worst["value"] == pytest.approx(inside["right"].mean())
    assert worst["ci"][0] < worst["value"] < worst["ci"][1] < 0.8
    assert all(s["q_value"] <= 0.05 and s["value"] < 0.8 for s in found.reported)


def test_every_slice_is_counted_and_q_values_are_statsmodels_benjamini_hochberg():
    frame = frame_with_weak_slice(3000, seed=2, weak=0.7, base=0.85)
    found = accuracy_search(frame, 0.85, min_size=40, finer=False)
    # the oracle: every one- and two-feature slice by pandas groupby, tested with binomtest
    coded = {f: np.asarray(bin_column(f, frame[f], 5, 40).codes) for f in FEATURES}
    binned = pd.DataFrame(coded)
    binned["right"] = frame["right"].to_numpy()
    rows = []
    for depth in (1, 2):
        for features in itertools.combinations(FEATURES, depth):
            for key, g in binned.groupby(list(features)):
                if len(g) >= 40:
                    k = int(g["right"].sum())
                    p = stats.binomtest(k, len(g), 0.85, alternative="less").pvalue
                    rows.append((features, key, len(g), k / len(g), p))
    assert found.tested == len(rows)
    p = np.array([r[4] for r in rows])
    reject, q, *_ = multitest.multipletests(p, alpha=0.05, method="fdr_bh")
    assert len(found.reported) == reject.sum() > 0
    values = np.array([r[3] for r in rows])
    oracle = sorted(zip(q[reject], values[reject], strict=True))
    got = sorted((s["q_value"], s["value"]) for s in found.reported)
    assert np.allclose(np.array(got), np.array(oracle), rtol=1e-9)
    values = [s["value"] for s in found.reported]
    assert values == sorted(values)  # weakest first


def test_a_planted_one_feature_weak_slice_is_found_and_named():
    rng = np.random.default_rng(5)
    frame = frame_with_weak_slice(6000, seed=5, weak=0.9)  # no two-feature weakness
    old = (frame.age >= 67).to_numpy()
    frame["right"] = rng.uniform(size=len(frame)) < np.where(old, 0.7, 0.9)
    found = accuracy_search(frame, 0.85, depth=1, finer=False)
    assert [s["slice"] for s in found.reported] == [{"age": "[67, 79]"}]
    finer = accuracy_search(frame, 0.85, depth=1)  # finer bins inside it are found too
    assert {"age": "[67, 79]"} in [s["slice"] for s in finer.reported]
    # the exact edges in report.json (an age may be a bin of its own)
    assert all(lowest(s, "age") >= 67 for s in finer.reported)


def test_a_weak_category_among_many_and_a_narrow_numeric_range_are_found():
    """review13 #18: a 13th-most-frequent category, and a narrow range inside a coarse
    quantile bin, are each tested on their own and found at the default bins."""
    rng = np.random.default_rng(0)
    n = 20000
    levels = [f"state{i:02d}" for i in range(20)]
    p = np.linspace(2, 1, 20)
    frame = pd.DataFrame(
        {"state": rng.choice(levels, n, p=p / p.sum()), "age": rng.uniform(18, 90, n).round()}
    )
    weak = (frame.state == "state12").to_numpy()
    frame["right"] = rng.uniform(size=n) < np.where(weak, 0.45, 0.85)
    found = accuracy_search(frame, 0.7, features=["state", "age"], min_size=100)
    assert {"state": "state12"} in [s["slice"] for s in found.reported]
    assert all(s["slice"]["state"] == "state12" for s in found.reported)
    old = (frame.age >= 87).to_numpy()
    frame["right"] = rng.uniform(size=n) < np.where(old, 0.4, 0.85)
    coarse = accuracy_search(frame, 0.7, features=["state", "age"], min_size=100, finer=False)
    assert coarse.reported == []  # diluted in the top fifth of ages
    found = accuracy_search(frame, 0.7, features=["state", "age"], min_size=100)
    assert found.reported and all(lowest(s, "age") >= 80 for s in found.reported)
    assert {"age": "90"} in [s["slice"] for s in found.reported]  # the top age on its own


def test_no_weak_slice_is_reported_in_more_than_fdr_of_data_sets_without_one():
    """Every slice exactly at the threshold (the least favourable null): BH then bounds the
    chance of reporting any slice by the FDR level, over 200 seeded data sets."""
    repeats, fdr = 200, 0.05
    hits = 0
    for seed in range(repeats):
        frame = frame_with_weak_slice(2000, seed=100 + seed, weak=0.8, base=0.8)
        if not seed:  # the integer ages of 30 rows are bins of their own too (review13b #14)
            assert cut_column("age", frame["age"], 4, 30).searched()["value_bins"]["bins"] > 10
        found = accuracy_search(frame, 0.8, bins=4, fdr=fdr)
        assert found.tested > 50
        hits += bool(found.reported)
    assert hits / repeats <= fdr


def test_no_weak_slice_of_mean_errors_is_reported_in_more_than_fdr_of_data_sets():
    """Regression: per-row absolute errors with mean exactly max everywhere (t tests)."""
    repeats, fdr, hits = 100, 0.05, 0
    for seed in range(repeats):
        frame = frame_with_weak_slice(2000, seed=500 + seed, weak=0.8, base=0.8)
        errors = np.abs(np.random.default_rng(seed).normal(0, 1, len(frame)))
        mean = np.sqrt(2 / np.pi)  # E|N(0, 1)|
        columns = [bin_column(f, frame[f], 4) for f in FEATURES]
        out = Outcomes(np.ones(len(frame)), errors, mean=True)
        found = search(columns, out, Rule(mean, "high"), depth=2, min_size=30, fdr=fdr)
        hits += bool(found.reported)
    assert hits / repeats <= fdr


def test_a_column_of_one_bin_adds_no_slice():
    frame = frame_with_weak_slice(3000, seed=4, weak=0.6)
    found = accuracy_search(frame, 0.8, finer=False)
    frame["age"] = 7.0  # constant: its only bin is the whole data
    fewer = accuracy_search(frame, 0.8, finer=False)
    assert fewer.tested == found.tested - 5 - 5 * (5 + 2 + 4)
    assert fewer.reported[0]["slice"] == {"sex": "F", "region": "N"}


def test_slices_smaller_than_min_size_are_not_tested():
    frame = frame_with_weak_slice(400, seed=9, weak=0.2)
    found = accuracy_search(frame, 0.8, min_size=1000)
    assert (found.tested, found.reported) == (0, [])


def test_large_values_get_the_same_bins_and_weak_slice_as_the_same_values_near_zero():
    """review13b #2: bins are told apart by their rows, not by names printed at 6 digits,
    so epoch seconds (1.7e9 + u) are cut and searched exactly as u is, and every bin's name
    and exact bounds tell it from its neighbours."""
    rng = np.random.default_rng(0)
    n = 20000
    u = rng.uniform(0, 1000, n)
    right = rng.uniform(size=n) < np.where(u > 960, 0.4, 0.85)  # the top 4 %: ~800 rows
    found = {}
    for shift in (0.0, 1.7e9):
        frame = pd.DataFrame({"ts": u + shift, "right": right})
        cut = cut_column("ts", frame["ts"], 5, 100)
        assert cut.searched()["quantile_bins"] == [5, 10, 20, 40, 80, 160]
        for level in (cut.coarse, *cut.finer):
            assert len(set(level.labels)) == len(level.labels)  # adjacent edges print apart
        found[shift] = accuracy_search(frame, 0.7, features=["ts"], min_size=100).reported
    assert found[0.0] and len(found[0.0]) == len(found[1.7e9])
    for plain, shifted in zip(found[0.0], found[1.7e9], strict=True):
        assert (plain["n"], plain["value"]) == (shifted["n"], shifted["value"])
        bound, moved = plain["bounds"]["ts"], shifted["bounds"]["ts"]
        assert moved["from"] == pytest.approx(bound["from"] + 1.7e9, abs=1e-5)
        assert lowest(shifted, "ts") > 1.7e9 + 800  # in the weak top of the range
    assert found[1.7e9][0]["slice"] == {"ts": "[1700000982, 1700000988.1)"}
    assert found[0.0][0]["slice"] == {"ts": "[981.98, 988.132)"}  # 6 digits when enough


def test_bin_names_print_as_many_digits_as_tell_the_edges_apart():
    cents = pd.Series(1_000_000 + np.arange(0, 1000) * 0.01)  # amounts differing in cents
    cut = cut_column("amount", cents, 4, 100)
    assert cut.coarse.labels == (
        "[1000000, 1000002.5)",
        "[1000002.5, 1000005)",
        "[1000005, 1000007.5)",
        "[1000007.5, 1000010]",
    )  # fmt: skip (8 digits: each edge within a twentieth of its gap to the next)
    exact = np.quantile(cents, [0.75, 1.0])  # report.json states the edges as they are
    assert cut.coarse.bounds[-1] == {"from": exact[0], "to": exact[1], "to_included": True}
    plain = cut_column("amount", pd.Series(np.arange(100.0)), 4, 100).coarse
    assert plain.labels[0] == "[0, 24.75)"


@pytest.mark.parametrize("weak_code", [50, 1, 25])
def test_each_value_of_a_discrete_column_is_a_slice_and_a_weak_top_code_is_found(weak_code):
    """review13b #14: a numeric column of few values gets a bin per value at its finest
    level, so the largest value (which the closed last quantile bin joins to the one below)
    is tested on its own, as are the smallest and a middle one."""
    rng = np.random.default_rng(0)
    n = 20000
    frame = pd.DataFrame({"region": rng.integers(1, 51, n)})
    weak = (frame.region == weak_code).to_numpy()
    frame["right"] = rng.uniform(size=n) < np.where(weak, 0.52, 0.88)
    cut = cut_column("region", frame["region"], 5, 100)
    ones = cut.finer[-1]
    assert cut.searched()["value_bins"] == {"bins": 50, "values": 50}
    assert ones.labels[-1] == "other values" and len(ones.labels) - 1 in ones.repeats
    assert ones.bounds[49] == {"value": 50.0}
    found = accuracy_search(frame, 0.7, features=["region"], min_size=100)
    assert found.reported and all(s["n"] == weak.sum() for s in found.reported)
    assert [lowest(s, "region") for s in found.reported] == [weak_code]


def test_values_of_fewer_than_min_size_rows_get_no_bin_of_their_own():
    values = pd.Series(np.concatenate([np.repeat([1.0, 2.0, 3.0], 200), np.arange(4.0, 400.0)]))
    cut = cut_column("x", values, 5, 100)
    assert cut.searched()["value_bins"] == {"bins": 3, "values": 399}
    assert cut.finer[-1].labels == ("1", "2", "3", "other values")
    many = cut_column("x", pd.Series(np.repeat(np.arange(400.0), 100)), 5, 100)
    assert "value_bins" not in many.searched()  # more than VALUE_BINS values: quantiles only


@pytest.mark.parametrize("values", [400, 0])
def test_a_weak_largest_value_is_a_slice_of_its_own_however_many_values_there_are(values):
    """The class of review13b #14 past VALUE_BINS: 400 values of 100 rows each (no bin per
    value) put the largest value alone once it holds 1/k of the rows at level k; a continuous
    column top-coded at its maximum (values=0) has that maximum as a one-value bin."""
    rng = np.random.default_rng(1)
    if values:
        column = np.repeat(np.arange(float(values)), 100)
    else:
        column = np.where(rng.uniform(size=20000) < 0.03, 250_000.0, rng.lognormal(10, 1, 20000))
        column = np.minimum(column, 250_000.0)
    frame = pd.DataFrame({"v": column})
    top = (frame.v == frame.v.max()).to_numpy()
    frame["right"] = rng.uniform(size=len(frame)) < np.where(top, 0.4, 0.9)
    cut = cut_column("v", frame["v"], 5, 50)
    assert ("value_bins" in cut.searched()) == (not values)
    found = accuracy_search(frame, 0.7, features=["v"], min_size=50)
    assert found.reported and found.reported[0]["n"] == top.sum()  # the weakest: it alone
    assert found.reported[0]["bounds"] == {"v": {"value": frame.v.max()}}
    if values:
        assert found.reported[0]["slice"] == {"v": "399"}


@pytest.mark.parametrize("scale", [1e-9, 1.0, 1e6, 1.7e9, 1e15])
def test_the_digits_of_bin_names_keep_each_printed_edge_nearer_its_own_value(scale):
    """Whatever the magnitude, each edge a name prints reads back within a twentieth of the
    gap to the column's next edge (so the names of adjacent bins never read alike)."""
    rng = np.random.default_rng(3)
    cut = cut_column("x", pd.Series(scale * (1000 + rng.uniform(0, 1, 5000))), 5, 50)
    printed: dict[float, float] = {}
    for level in (cut.coarse, *cut.finer):
        assert len(set(level.labels)) == len(level.labels)
        for label, bound in zip(level.labels, level.bounds, strict=True):
            low, high = (float(x) for x in label[1:-1].split(", "))
            printed |= {bound["from"]: low, bound["to"]: high}
    edges = np.array(sorted(printed))
    gaps = np.diff(edges)
    room = np.minimum(np.append(gaps, np.inf), np.insert(gaps, 0, np.inf)) / 20
    assert (np.abs(np.array([printed[e] for e in edges]) - edges) <= room).all()
