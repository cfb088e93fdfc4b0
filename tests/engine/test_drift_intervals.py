"""Bootstrap intervals of drift statistics: seeded, containing the value, wide on small samples
(so the check can say inconclusive) and narrow on large ones (so a million rows of the same
distribution pass)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gate.engine.columns import profile_column
from gate.engine.drift_methods import METHODS, column_drift
from gate.engine.drift_support import support


def profiles(a: np.ndarray | list, b: np.ndarray | list):
    return profile_column("x", pd.Series(a)), profile_column("x", pd.Series(b))


def cases() -> dict[str, tuple]:
    rng = np.random.default_rng(21)
    return {
        "ints": profiles(rng.integers(0, 30, 2000), rng.integers(2, 33, 1500)),
        "continuous": profiles(rng.normal(size=15_000), rng.normal(0.2, 1, 12_000)),
        "categories": profiles(rng.choice(list("abcd"), 3000), rng.choice(list("abc"), 2000)),
        "binary": profiles(rng.choice(list("ny"), 500), rng.choice(list("ny"), 400, p=[0.3, 0.7])),
    }


CASES = cases()
NUMERIC_ONLY = {"ks", "wasserstein"}


def applicable(case: str) -> list[str]:
    """z compares a two-valued column; chi2 needs exact counts (not the continuous sketch)."""
    if case in ("categories", "binary"):
        return [m for m in METHODS if m not in NUMERIC_ONLY and (m != "z" or case == "binary")]
    return [m for m in METHODS if m != "z" and not (case == "continuous" and m == "chi2")]


@pytest.mark.parametrize("case", CASES, ids=CASES.keys())
def test_intervals_contain_the_value_and_repeat_for_a_seed(case):
    ref, cur = CASES[case]
    for method in applicable(case):
        got = column_drift(method, ref, cur, confidence=0.95, resamples=300, seed=4)
        assert got.ci is not None, method
        assert got.ci[0] <= got.value <= got.ci[1], method
        assert got.ci[1] > got.ci[0], method
        again = column_drift(method, ref, cur, confidence=0.95, resamples=300, seed=4)
        assert again == got, method
        other = column_drift(method, ref, cur, confidence=0.95, resamples=300, seed=5)
        assert other.ci != got.ci and other.value == got.value, method
        assert column_drift(method, ref, cur, confidence=None, resamples=300, seed=4).ci is None


def test_a_wider_confidence_gives_a_wider_interval():
    ref, cur = CASES["ints"]
    narrow = column_drift("wasserstein", ref, cur, confidence=0.5, resamples=500, seed=1).ci
    wide = column_drift("wasserstein", ref, cur, confidence=0.99, resamples=500, seed=1).ci
    assert wide[0] < narrow[0] and narrow[1] < wide[1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_hundred_rows_of_the_same_distribution_are_inconclusive(seed):
    """n = 200 a side: the distance's interval reaches past the 0.1 threshold."""
    rng = np.random.default_rng(seed)
    ref, cur = profiles(rng.normal(size=200), rng.normal(size=200))
    got = column_drift("wasserstein", ref, cur, confidence=0.95, resamples=1000, seed=seed)
    assert got.ci[1] > 0.1
    js = column_drift("jensen_shannon", ref, cur, confidence=0.95, resamples=1000, seed=seed)
    assert js.ci[1] > 0.1


def test_a_million_rows_of_the_same_distribution_are_clearly_not_drift():
    """1M vs 1M from one distribution (past the exact cap: the sketch): upper end below 0.02."""
    rng = np.random.default_rng(22)
    ref, cur = profiles(rng.normal(size=1_000_000), rng.normal(size=1_000_000))
    got = column_drift("wasserstein", ref, cur, confidence=0.95, resamples=1000, seed=3)
    assert got.error_bound is not None
    assert got.ci[1] < 0.02


def test_the_interval_of_a_real_shift_excludes_zero_and_covers_it():
    rng = np.random.default_rng(23)
    ref, cur = profiles(rng.integers(0, 50, 5000), rng.integers(0, 50, 5000) + 3)
    got = column_drift("wasserstein", ref, cur, confidence=0.95, resamples=1000, seed=0)
    true = 3 / np.std(np.arange(50))  # a shift by 3 of a uniform on 0..49
    assert got.ci[0] > 0.1
    assert got.ci[0] <= true * 1.1 and got.ci[1] >= true * 0.9


@pytest.mark.parametrize("method", ["wasserstein", "ks"])
@pytest.mark.parametrize("data", ["sketch", "exact"])
def test_pooling_the_bootstrap_into_cells_keeps_the_interval(monkeypatch, method, data):
    """Resampling ~BOOTSTRAP_CELLS cells instead of every point moves the ends by a small part
    of the width (same seed, so the comparison is of the method, not of the noise)."""
    from gate.engine import drift_interval

    rng = np.random.default_rng(24)
    if data == "sketch":
        a, b = rng.normal(0, 1, 200_000), rng.normal(0.01, 1, 150_000)
    else:
        a, b = rng.integers(0, 9000, 200_000), rng.integers(10, 9010, 150_000)
    ref, cur = profiles(a, b)
    assert len(support(ref, cur).points) > 1.5 * drift_interval.BOOTSTRAP_CELLS
    pooled = column_drift(method, ref, cur, confidence=0.95, resamples=1000, seed=2)
    monkeypatch.setattr(drift_interval, "BOOTSTRAP_CELLS", 10**9)
    full = column_drift(method, ref, cur, confidence=0.95, resamples=1000, seed=2)
    assert pooled.value == full.value
    width = full.ci[1] - full.ci[0]
    assert abs(pooled.ci[0] - full.ci[0]) < 0.2 * width
    assert abs(pooled.ci[1] - full.ci[1]) < 0.2 * width


def test_the_redraw_has_the_multinomials_mean_and_covariance():
    """Cells of >= NORMAL_COUNT rows come from the normal law, the rest exactly (after a binomial
    split of the total): every redraw keeps the total, and the moments are the multinomial's."""
    from gate.engine.redraw import NORMAL_COUNT, redraw

    counts = np.array([5000, 3, 0, 40, 250, NORMAL_COUNT, 12, 900, 1])
    n, p = counts.sum(), counts / counts.sum()
    got = redraw(np.random.default_rng(0), counts, 40_000)
    assert np.allclose(got.sum(axis=1), n) and (got >= 0).all() and (got[:, 2] == 0).all()
    want = n * (np.diag(p) - np.outer(p, p))
    assert np.allclose(got.mean(axis=0), n * p, atol=4 * np.sqrt(np.diag(want) / 40_000) + 1e-12)
    sd = np.sqrt(np.outer(np.diag(want), np.diag(want)))
    assert np.allclose(np.cov(got.T), want, atol=0.05 * sd.max(), rtol=0.05)


@pytest.mark.parametrize("method", ["wasserstein", "ks", "jensen_shannon", "psi", "chi2"])
def test_the_normal_redraw_keeps_the_interval(monkeypatch, method):
    """Drawing the large cells from the normal law instead of numpy's multinomial moves the ends
    by a small part of the width (the Monte Carlo noise of 2,000 resamples is ~2 %)."""
    from gate.engine import redraw as redraw_module

    rng = np.random.default_rng(25)
    if method == "chi2":
        a, b = rng.integers(0, 40, 300_000), rng.integers(0, 41, 200_000)
    else:
        a, b = rng.normal(0, 1, 300_000), rng.normal(0.02, 1, 200_000)
    ref, cur = profiles(a, b)
    fast = column_drift(method, ref, cur, confidence=0.95, resamples=2000, seed=2)
    monkeypatch.setattr(redraw_module, "NORMAL_COUNT", 10**18)
    exact = column_drift(method, ref, cur, confidence=0.95, resamples=2000, seed=2)
    width = exact.ci[1] - exact.ci[0]
    assert abs(fast.ci[0] - exact.ci[0]) < 0.1 * width
    assert abs(fast.ci[1] - exact.ci[1]) < 0.1 * width
