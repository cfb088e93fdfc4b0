"""Interval methods: percentile, basic and BCa against scipy.stats.bootstrap on the same bootstrap
distribution (BCa's acceleration from the row-level jackknife there, from cells here), the
simultaneous max-t interval on hand-checked cases, and a reduced coverage study
(benchmarks/coverage_disparity.py) in which the gate's method holds at each end and the
percentile interval does not."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats as sps

from benchmarks.coverage_disparity import SCENARIOS, coverage, simulate, truth
from gate.engine import interval_methods as im
from gate.engine.fairness import Spec, disparity_of
from gate.engine.stats import confusion_from_cells

SPEC = Spec(("true_positive_rate", "false_positive_rate"), "difference", "between_groups", ("g",))
KEEP = np.ones(2, dtype=bool)


def equalized_odds(cells: np.ndarray) -> np.ndarray:
    """Equalized-odds difference of (..., 8) cell counts, 2 groups x truth x prediction."""
    grid = cells.reshape(*cells.shape[:-1], 2, 2, 2).astype(float)
    return disparity_of(confusion_from_cells(grid, grid), SPEC, None, KEEP)[0]


@pytest.fixture(scope="module")
def small():
    """60 rows, their cell per row, the cell counts, and 2,000 cell-multinomial resamples."""
    rng = np.random.default_rng(11)
    cell = rng.integers(0, 8, 60)
    counts = np.bincount(cell, minlength=8).astype(float)
    draws = rng.multinomial(60, counts / 60, size=2000)
    return cell, counts, equalized_odds(draws)


def scipy_interval(cell, boot, method):
    """scipy's interval on the rows, given our bootstrap distribution (n_resamples=0)."""

    def statistic(idx, axis=-1):
        onehot = cell[np.moveaxis(idx, axis, -1)][..., None] == np.arange(8)
        return equalized_odds(onehot.sum(-2))

    result = sps.bootstrap(
        (np.arange(len(cell)),),
        statistic,
        n_resamples=0,
        bootstrap_result=SimpleNamespace(bootstrap_distribution=boot),
        method=method,
        confidence_level=0.9,
        vectorized=True,
    )
    return np.array([result.confidence_interval.low, result.confidence_interval.high])


def test_percentile_and_basic_equal_scipy(small):
    cell, counts, boot = small
    estimate = equalized_odds(counts)
    np.testing.assert_allclose(im.percentile(boot, 0.9), scipy_interval(cell, boot, "percentile"))
    np.testing.assert_allclose(
        im.basic(boot, estimate, 0.9), scipy_interval(cell, boot, "basic"), atol=1e-12
    )


def test_bca_with_the_cell_jackknife_equals_scipys_row_jackknife(small):
    cell, counts, boot = small
    leave_one = counts - np.eye(8)  # one row out of each cell; every row of a cell alike
    accel = im.acceleration(equalized_odds(leave_one), counts)
    ours = im.bca(boot, equalized_odds(counts), 0.9, accel)
    np.testing.assert_allclose(ours, scipy_interval(cell, boot, "BCa"), atol=1e-12)
    assert accel != 0.0  # the comparison exercises the acceleration


def test_bias_correction_counts_ties_one_half():
    values = np.array([0.0, 1.0, 1.0, 2.0])
    assert im.bias(values, 1.0) == pytest.approx(0.0)  # (1 + 3) / 8 = 0.5
    assert im.bias(values, 0.5) < 0


def test_simultaneous_interval_of_one_contrast_is_its_max_t_interval():
    rng = np.random.default_rng(3)
    boot = 0.1 + 0.02 * rng.standard_normal((4000, 1))
    se = boot.std()
    crit = np.quantile(np.abs(boot[:, 0] - 0.1) / se, 0.95)
    (interval,) = im.simultaneous([np.array([0.1])], [boot], 0.95)
    np.testing.assert_allclose(interval, [0.1 - crit * se, 0.1 + crit * se])
    assert crit == pytest.approx(1.96, abs=0.1)


def test_simultaneous_interval_takes_the_largest_contrast_and_floors_at_zero():
    rng = np.random.default_rng(4)
    point = np.array([0.01, -0.2])
    boot = point + np.array([0.05, 0.01]) * rng.standard_normal((4000, 2))
    (low, high), *_ = im.simultaneous([point], [boot], 0.95)
    crit, se = im.max_t_critical(point, boot, 0.95)
    assert high == pytest.approx(max(0.01 + crit * se[0], 0.2 + crit * se[1]))
    assert low == pytest.approx(0.2 - crit * se[1])
    (tied,) = im.simultaneous([np.array([0.01, -0.01])], [boot * 0.1], 0.95)
    assert tied[0] == 0.0  # contrasts within their noise: the disparity may be 0


def test_contrasts_give_the_disparity():
    rates = np.array([0.2, 0.5, 0.4, 0.3])
    keep = np.array([True, True, True, False])
    pairs = im.contrasts(rates, 0.35, "difference", "between_groups", keep)
    assert np.abs(pairs).max() == pytest.approx(0.3) and pairs.shape == (3,)
    ratio = im.contrasts(rates, 0.35, "ratio", "between_groups", keep)
    assert np.exp(-np.abs(ratio).max()) == pytest.approx(0.2 / 0.5)
    overall = im.contrasts(rates, 0.35, "difference", "to_overall", keep)
    np.testing.assert_allclose(overall, [-0.15, 0.15, 0.05])
    named = im.contrasts(rates, 0.35, "difference", "to_reference", keep, reference=2)
    np.testing.assert_allclose(named, [-0.2, 0.1, 0.0])


REDUCED = {
    "dp difference between_groups 2x200, equal": "low",
    "dp difference between_groups 50/200/2000, equal": "low",
    "eo difference 3x200, equal": "low",
    "dp ratio to_overall 4x200, equal": "high",
    "dp difference between_groups 4x200, 0.1": "low",
}
TOLERANCE = 0.035  # about 3.5 Monte-Carlo standard errors at 300 data sets


@pytest.fixture(scope="module")
def reduced():
    """{scenario: (truth, {method: intervals})} for 300 data sets x 400 resamples each."""
    chosen = [s for s in SCENARIOS if s.name in REDUCED]
    assert len(chosen) == len(REDUCED)
    return {s.name: (truth(s), simulate(s, 300, 400, 0.95, seed=5)) for s in chosen}


@pytest.mark.parametrize("name", REDUCED)
def test_the_gates_interval_holds_at_each_end(reduced, name):
    """The end away from 'fair' (lower for differences, upper for ratios) is the one a biased
    plug-in maximum pushes past the truth; a check would wrongly fail on it."""
    true, intervals = reduced[name]
    _, low, high, _ = coverage(intervals["max-t"], true)
    assert min(low, high) >= 0.975 - TOLERANCE, (low, high)


@pytest.mark.parametrize("name", [n for n in REDUCED if "equal" in n])
def test_the_percentile_interval_misses_a_zero_disparity(reduced, name):
    true, intervals = reduced[name]
    _, low, high, _ = coverage(intervals["percentile"], true)
    assert (low if REDUCED[name] == "low" else high) < 0.975 - TOLERANCE
