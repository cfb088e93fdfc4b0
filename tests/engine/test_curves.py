"""Curves from score cells against scikit-learn on the same rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve, roc_curve

from gate.engine import curves as C
from gate.engine.scores import ScoreCells


def _rows(n: int, seed: int, distinct: int | None = None):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    score = rng.beta(2, 5, n)
    if distinct:
        score = np.round(score * distinct) / distinct  # ties
    y = (rng.uniform(size=n) < score + 0.1 * group).astype(int)
    return group, y, score


@pytest.mark.parametrize("distinct", [None, 40])
def test_exact_curves_equal_sklearn_over_all_groups(distinct: int | None) -> None:
    group, y, score = _rows(3000, 1, distinct)
    cells = ScoreCells.from_rows(group[:1000], y[:1000], score[:1000], None)
    cells = cells + ScoreCells.from_rows(group[1000:], y[1000:], score[1000:], None)
    mass = cells.table["count"].astype(float)
    keys = np.unique(cells.table["score"])
    pos = np.bincount(np.searchsorted(keys, cells.table["score"]), mass * cells.table["y"])
    neg = np.bincount(np.searchsorted(keys, cells.table["score"]), mass * (1 - cells.table["y"]))

    fpr, tpr, _ = roc_curve(y, score, drop_intermediate=False)
    mine = C.roc(pos, neg)
    np.testing.assert_allclose(mine[0], fpr)
    np.testing.assert_allclose(mine[1], tpr)

    precision, recall, _ = precision_recall_curve(y, score)
    recall_mine, precision_mine = C.precision_recall(pos, neg)
    np.testing.assert_allclose(recall_mine, recall[::-1])
    np.testing.assert_allclose(precision_mine, precision[::-1])

    observed, predicted = calibration_curve(y, score, n_bins=10, strategy="uniform")
    got = C.curves(cells)
    assert got is not None and got["exact"] is True
    np.testing.assert_allclose(got["calibration"]["observed"], observed)
    np.testing.assert_allclose(got["calibration"]["mean_predicted"], predicted)
    ids = np.searchsorted(np.linspace(0, 1, 11)[1:-1], score)
    assert got["calibration"]["count"] == [int(c) for c in np.bincount(ids) if c]


def test_weighted_curves_equal_sklearn_with_sample_weight() -> None:
    group, y, score = _rows(2000, 2, 25)
    w = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    got = C.curves(ScoreCells.from_rows(group, y, score, w))
    assert got is not None
    fpr, tpr, _ = roc_curve(y, score, sample_weight=w, drop_intermediate=False)
    np.testing.assert_allclose(got["roc"]["fpr"], fpr)
    np.testing.assert_allclose(got["roc"]["tpr"], tpr)


def test_thinned_curves_keep_ends_stay_on_the_path_and_within_the_limit() -> None:
    group, y, score = _rows(20000, 4)
    got = C.curves(ScoreCells.from_rows(group, y, score, None))
    assert got is not None
    fpr, tpr, _ = roc_curve(y, score, drop_intermediate=False)
    assert len(got["roc"]["fpr"]) <= C.MAX_POINTS < len(fpr)
    assert (got["roc"]["fpr"][0], got["roc"]["tpr"][0]) == (0.0, 0.0)
    assert (got["roc"]["fpr"][-1], got["roc"]["tpr"][-1]) == (1.0, 1.0)
    full = set(zip(fpr.round(12), tpr.round(12), strict=True))
    kept = zip(np.round(got["roc"]["fpr"], 12), np.round(got["roc"]["tpr"], 12), strict=True)
    assert all(p in full for p in kept)
    # the shape survives: the area under the thinned curve is the full curve's to 1e-3
    assert np.trapezoid(got["roc"]["tpr"], got["roc"]["fpr"]) == pytest.approx(
        np.trapezoid(tpr, fpr), abs=1e-3
    )
    assert len(got["pr"]["recall"]) <= C.MAX_POINTS


def test_binned_curves_are_close_to_the_exact_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    group, y, score = _rows(20000, 5)
    exact = C.curves(ScoreCells.from_rows(group, y, score, None))
    monkeypatch.setattr("gate.engine.scores.EXACT_BUDGET", 10)
    binned_cells = ScoreCells.from_rows(group, y, score, None)
    assert not binned_cells.exact
    binned = C.curves(binned_cells)
    assert exact is not None and binned is not None and binned["exact"] is False
    area = np.trapezoid(binned["roc"]["tpr"], binned["roc"]["fpr"])
    assert area == pytest.approx(np.trapezoid(exact["roc"]["tpr"], exact["roc"]["fpr"]), abs=2e-3)
    np.testing.assert_allclose(
        binned["calibration"]["mean_predicted"], exact["calibration"]["mean_predicted"], atol=2e-3
    )


def test_no_curves_without_scores_or_without_both_classes() -> None:
    assert C.curves(None) is None
    assert C.model_curves({"confusion": object()}, None) is None
    one_class = ScoreCells.from_rows(np.zeros(5, int), np.zeros(5, int), np.linspace(0, 1, 5), None)
    assert C.curves(one_class) is None


def test_scores_outside_zero_one_have_roc_and_pr_but_no_calibration() -> None:
    group, y, score = _rows(500, 6)
    got = C.curves(ScoreCells.from_rows(group, y, score * 10 - 3, None))
    assert got is not None and "calibration" not in got and "roc" in got and "pr" in got


def test_model_curves_names_candidate_and_baseline() -> None:
    group, y, score = _rows(500, 7)
    cells = ScoreCells.from_rows(group, y, score, None)
    got = C.model_curves({"scores": cells}, {"scores": cells})
    assert got is not None and set(got) == {"candidate", "baseline"}
    assert set(C.model_curves({"scores": cells}, None) or {}) == {"candidate"}
