"""Bootstrap resampling of per-group statistics, against brute-force numpy oracles: regression
sums re-drawn row by row, and weighted confusion counts (exact when a cell's weights are equal,
right on average otherwise)."""

from __future__ import annotations

import numpy as np
import pytest

from gate.engine import resample
from gate.engine.metrics import Task
from gate.engine.resample import (
    percentile_interval,
    resample_confusion,
    resample_regression,
    resample_stats,
    row_count_chunks,
)
from gate.engine.stats import ConfusionStats, RegressionStats


def regression_oracle(codes, groups, y, pred, w, resamples, seed):
    """Draw n row indices per resample (rng.integers(0, n, n)) and sum each group by hand."""
    rng = np.random.default_rng(seed)
    n = len(y)
    out = np.zeros((5, resamples, groups))
    for r in range(resamples):
        for i in rng.integers(0, n, n):
            err = pred[i] - y[i]
            row = (w[i], w[i] * pred[i], w[i] * abs(err), w[i] * err * err, 1.0)
            out[:, r, codes[i]] += row
    return out


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("chunk_cells", [resample.CHUNK_CELLS, 50])
def test_regression_resampling_equals_redrawing_rows(weighted, chunk_cells, monkeypatch):
    """Also in small chunks: chunking must not change which rows each resample draws."""
    monkeypatch.setattr(resample, "CHUNK_CELLS", chunk_cells)
    rng = np.random.default_rng(4)
    n, groups = 23, 3
    codes = rng.integers(0, groups, n)
    y, pred = rng.normal(2, 1, n), rng.normal(2, 1, n)
    w = rng.uniform(0.2, 3, n) if weighted else None
    stats = resample_regression(codes, groups, y, pred, w, resamples=7, seed=11)
    expected = regression_oracle(codes, groups, y, pred, np.ones(n) if w is None else w, 7, 11)
    assert isinstance(stats, RegressionStats)
    for field, oracle in zip(("w", "pred", "abs_err", "sq_err", "n"), expected, strict=True):
        np.testing.assert_allclose(getattr(stats, field), oracle, rtol=1e-12, atol=1e-12)


def test_row_counts_sum_to_n_per_resample_in_order():
    chunks = list(row_count_chunks(5, 9, seed=3))
    counts = np.concatenate(chunks)
    assert counts.shape == (9, 5)
    assert (counts.sum(axis=1) == 5).all()
    rng = np.random.default_rng(3)
    first = np.bincount(rng.integers(0, 5, 5), minlength=5)
    assert np.array_equal(counts[0], first)


def test_resample_stats_picks_the_tasks_scheme():
    codes, y = np.array([0, 1, 0, 1]), np.array([1, 0, 1, 0])
    binary = resample_stats(Task.BINARY, codes, 2, y, np.array([1, 1, 0, 0]), None, 3, 0)
    values = resample_stats(Task.REGRESSION, codes, 2, y * 1.0, y + 0.5, None, 3, 0)
    assert isinstance(binary, ConfusionStats) and isinstance(values, RegressionStats)
    assert binary.n.shape == values.n.shape == (3, 2)


# Confusion cells: group 0 holds tp, fp, tn rows; group 1 holds fn, tn rows.
CODES = np.array([0, 0, 0, 0, 1, 1, 1])
Y = np.array([1, 1, 0, 0, 1, 0, 0])
PRED = np.array([1, 1, 1, 0, 0, 0, 0])


def test_unweighted_cells_are_one_multinomial_draw_of_the_rows():
    stats = resample_confusion(CODES, 2, Y, PRED, None, resamples=2000, seed=0)
    assert (stats.n.sum(axis=1) == 7).all()
    total = stats.tp + stats.fp + stats.fn + stats.tn
    np.testing.assert_array_equal(total, stats.n)
    # each cell's expected count is n x its share of the rows
    expected = {"tp": [2, 0], "fp": [1, 0], "fn": [0, 1], "tn": [1, 2]}
    for field, counts in expected.items():
        mean = getattr(stats, field).mean(axis=0)
        np.testing.assert_allclose(mean, counts, atol=0.1)
        assert (getattr(stats, field)[:, np.array(counts) == 0] == 0).all()


def test_equal_weights_in_a_cell_scale_its_draws_exactly():
    """With one weight per cell the variance is 0: a cell's weight is its draw x that weight."""
    cell_weight = {(1, 1): 2.0, (0, 1): 0.5, (1, 0): 3.0, (0, 0): 1.5}
    w = np.array([cell_weight[(a, b)] for a, b in zip(Y, PRED, strict=True)])
    plain = resample_confusion(CODES, 2, Y, PRED, None, resamples=50, seed=9)
    weighted = resample_confusion(CODES, 2, Y, PRED, w, resamples=50, seed=9)
    np.testing.assert_array_equal(weighted.n, plain.n)
    np.testing.assert_allclose(weighted.tp, 2.0 * plain.tp)
    np.testing.assert_allclose(weighted.fp, 0.5 * plain.fp)
    np.testing.assert_allclose(weighted.fn, 3.0 * plain.fn)
    np.testing.assert_allclose(weighted.tn, 1.5 * plain.tn)


def test_unequal_weights_in_a_cell_are_right_on_average_and_never_negative():
    """Moment matching: a cell's resampled weight averages its observed weight, and its spread
    grows with the spread of the weights in it."""
    rng = np.random.default_rng(1)
    n = 400
    y, pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
    codes = rng.integers(0, 2, n)
    w = rng.exponential(1.0, n)
    stats = resample_confusion(codes, 2, y, pred, w, resamples=4000, seed=2)
    for field, (a, b) in {"tp": (1, 1), "fp": (0, 1), "fn": (1, 0), "tn": (0, 0)}.items():
        observed = np.array([w[(codes == g) & (y == a) & (pred == b)].sum() for g in (0, 1)])
        values = getattr(stats, field)
        assert (values >= 0).all()
        stderr = values.std(axis=0) / np.sqrt(len(values))
        assert (np.abs(values.mean(axis=0) - observed) < 4 * stderr).all(), field
    equal = resample_confusion(codes, 2, y, pred, np.ones(n), resamples=4000, seed=2)
    assert (stats.tp.std(axis=0) > equal.tp.std(axis=0)).all()


def test_percentile_interval_edges():
    values = np.linspace(0, 1, 101)
    assert percentile_interval(values, 0.9) == pytest.approx((0.05, 0.95))
    half = np.r_[np.full(50, np.nan), values[:50]]
    assert percentile_interval(half, 0.9) is not None  # exactly half finite is enough
    assert percentile_interval(np.r_[np.nan, half], 0.9) is None
    assert percentile_interval(np.array([np.inf, np.nan]), 0.9) is None
