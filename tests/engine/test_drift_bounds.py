"""Off the exact table, each statistic comes from the sketch (or pooled categories) with a stated
error bound: |value - the exact value on the raw data| <= error_bound, on continuous data of
several shapes and seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from gate.engine.column_numbers import NUMBER_EXACT_CAP
from gate.engine.columns import profile_column
from gate.engine.drift_methods import column_drift

utils = pytest.importorskip(
    "evidently.legacy.calculations.stattests.utils", reason="Evidently's binning is the oracle"
)
core = pytest.importorskip("evidently.legacy.core", reason="Evidently's binning is the oracle")


def shapes(rng: np.random.Generator, n: int, shift: float) -> dict[str, np.ndarray]:
    mixture = np.where(rng.random(n) < 0.3, rng.normal(-3, 0.5, n), rng.normal(2 + shift, 1, n))
    return {
        "normal": rng.normal(shift, 1, n),
        "lognormal": rng.lognormal(shift, 1.2, n),
        "mixture": mixture,
        "wide": rng.standard_t(3, n) * 1e4 + shift * 1e4,
        "around zero": rng.normal(shift * 1e-3, 1e-3, n),
    }


def exact(method: str, a: np.ndarray, b: np.ndarray) -> float:
    if method == "wasserstein":
        return stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
    if method == "ks":
        return stats.ks_2samp(a, b).statistic
    feel = method == "psi"
    num = core.ColumnType.Numerical
    r, c = utils.get_binned_data(pd.Series(a), pd.Series(b), num, 30, feel)
    if method == "psi":
        return float(np.sum((r - c) * np.log(r / c)))
    return float(distance.jensenshannon(r, c))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shift", [0.0, 0.05, 0.5])
def test_sketch_values_are_within_their_stated_bound(seed, shift):
    rng = np.random.default_rng(seed)
    ref_data = shapes(rng, 30_000, 0.0)
    cur_data = shapes(rng, 20_000, shift)
    for shape, a in ref_data.items():
        b = cur_data[shape]
        ref, cur = profile_column("x", pd.Series(a)), profile_column("x", pd.Series(b))
        assert ref.numbers.values is None and cur.numbers.values is None
        for method in ("wasserstein", "ks", "psi", "jensen_shannon"):
            got = column_drift(method, ref, cur, confidence=None, resamples=0, seed=0)
            want = exact(method, a, b)
            assert got.error_bound is not None and got.error_bound >= 0
            assert abs(got.value - want) <= got.error_bound * (1 + 1e-9) + 1e-12, (shape, method)


def test_bounds_are_small_enough_to_use_on_a_million_rows():
    """The bound is a statement, not a formality: on 1M normal rows it is a few thousandths."""
    rng = np.random.default_rng(3)
    ref = profile_column("x", pd.Series(rng.normal(size=1_000_000)))
    cur = profile_column("x", pd.Series(rng.normal(0.1, 1, 1_000_000)))
    w = column_drift("wasserstein", ref, cur, confidence=None, resamples=0, seed=0)
    ks = column_drift("ks", ref, cur, confidence=None, resamples=0, seed=0)
    assert w.error_bound < 0.01 and ks.error_bound < 0.005
    assert w.value == pytest.approx(0.1, abs=0.01)


def test_one_side_exact_and_the_other_past_the_cap_use_the_sketch():
    rng = np.random.default_rng(4)
    a = rng.integers(0, 100, 5000).astype(float)
    b = rng.normal(50, 30, NUMBER_EXACT_CAP + 5000)
    ref, cur = profile_column("x", pd.Series(a)), profile_column("x", pd.Series(b))
    got = column_drift("wasserstein", ref, cur, confidence=None, resamples=0, seed=0)
    assert abs(got.value - exact("wasserstein", a, b)) <= got.error_bound
    with pytest.raises(
        ValueError, match="column 'x' has more distinct values than the profile keeps"
    ):
        column_drift("chi2", ref, cur, confidence=None, resamples=0, seed=0)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_categories_past_the_cap_are_pooled_within_the_bound(seed):
    rng = np.random.default_rng(seed)
    names = np.array([f"k{i}" for i in range(300)])
    weights = rng.dirichlet(np.full(300, 0.5))
    drifted = rng.dirichlet(np.full(300, 0.5)) * 0.3 + weights * 0.7
    a, b = rng.choice(names, 20_000, p=weights), rng.choice(names, 15_000, p=drifted)
    ref, cur = profile_column("c", pd.Series(a), cap=40), profile_column("c", pd.Series(b), cap=40)
    assert ref.categories.other > 0
    cat = core.ColumnType.Categorical
    r, c = utils.get_binned_data(pd.Series(a), pd.Series(b), cat, 30, False)
    rf, cf = utils.get_binned_data(pd.Series(a), pd.Series(b), cat, 30, True)
    keys = sorted(set(a) | set(b))
    table = np.array([[np.sum(a == k) for k in keys], [np.sum(b == k) for k in keys]])
    want = {
        "jensen_shannon": distance.jensenshannon(r, c),
        "psi": float(np.sum((rf - cf) * np.log(rf / cf))),
        "chi2": stats.contingency.association(table, method="cramer"),
    }
    for method, value in want.items():
        got = column_drift(method, ref, cur, confidence=None, resamples=0, seed=0)
        assert got.error_bound is not None
        assert abs(got.value - value) <= got.error_bound, method
    with pytest.raises(ValueError, match="method z needs each value's count"):
        column_drift("z", ref, cur, confidence=None, resamples=0, seed=0)
