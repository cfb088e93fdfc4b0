"""Confusion cells add exactly, renumber and fold, and resample as the row-based code did."""

from __future__ import annotations

import numpy as np
import pytest

from gate.engine.confusion import ConfusionCells
from gate.engine.resample import resample_confusion
from gate.engine.stats import confusion_stats


def rows(seed: int, n: int = 500, groups: int = 4):
    rng = np.random.default_rng(seed)
    return (
        rng.integers(0, groups, n),
        rng.integers(0, 2, n),
        rng.integers(0, 2, n),
        rng.exponential(size=n),
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_cells_of_concatenated_rows_are_the_sum_of_the_parts(weighted):
    group, y, pred, w = rows(0)
    w = w if weighted else None
    whole = ConfusionCells.from_rows(group, y, pred, w, 4)
    cut = 173
    parts = [
        ConfusionCells.from_rows(group[s], y[s], pred[s], None if w is None else w[s], 4)
        for s in (slice(0, cut), slice(cut, cut), slice(cut, None))
    ]
    total = parts[0] + parts[1] + parts[2]
    assert np.array_equal(total.n, whole.n)
    if weighted:
        np.testing.assert_allclose(total.w, whole.w, rtol=1e-12)
        np.testing.assert_allclose(total.w2, whole.w2, rtol=1e-12)
    else:
        assert total == whole


def test_point_statistics_equal_the_row_statistics():
    group, y, pred, w = rows(1)
    for weight in (None, w):
        cells = ConfusionCells.from_rows(group, y, pred, weight, 4).stats()
        direct = confusion_stats(group, 4, y, pred, weight)
        for name in ("tp", "fp", "fn", "tn", "n"):
            np.testing.assert_allclose(getattr(cells, name), getattr(direct, name), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_resampling_cells_draws_what_resampling_rows_drew(weighted):
    group, y, pred, w = rows(2)
    weight = w if weighted else None
    new = ConfusionCells.from_rows(group, y, pred, weight, 4).resample(200, seed=9)
    old = resample_confusion(group, 4, y, pred, weight, 200, 9)
    for name in ("tp", "fp", "fn", "tn", "n"):
        np.testing.assert_allclose(getattr(new, name), getattr(old, name), rtol=1e-12)


def test_remap_moves_groups_and_fold_sums_them():
    group, y, pred, _ = rows(3, groups=3)
    cells = ConfusionCells.from_rows(group, y, pred, None, 3)
    moved = cells.remap(np.array([4, 0, 2]), 5)
    assert np.array_equal(moved.n[4], cells.n[0])
    assert np.array_equal(moved.n[0], cells.n[1])
    assert moved.n[1].sum() == moved.n[3].sum() == 0
    folded = cells.fold(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    assert np.array_equal(folded.n[0], cells.n[0] + cells.n[1])
    assert folded.n.dtype == np.int64


def test_arrays_round_trip_and_shapes_are_checked():
    group, y, pred, w = rows(4)
    for weight in (None, w):
        cells = ConfusionCells.from_rows(group, y, pred, weight, 4)
        assert ConfusionCells.from_arrays(cells.to_arrays()) == cells
    with pytest.raises(ValueError, match="groups, 2, 2"):
        ConfusionCells.from_arrays({"n": np.zeros((3, 4))})


def test_weighted_and_unweighted_cells_do_not_add():
    group, y, pred, w = rows(5)
    with pytest.raises(ValueError, match="weighted"):
        ConfusionCells.from_rows(group, y, pred, None, 4) + ConfusionCells.from_rows(
            group, y, pred, w, 4
        )
