"""Joint score cells: they add as their rows do, keep their arrays, centre on the exact values,
and spread like a paired row bootstrap computed with scikit-learn (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from gate.engine import paired_scores
from gate.engine.paired_scores import JointScores
from gate.engine.profile import part_type
from gate.engine.score_values import value
from gate.engine.scores import ScoreCells

SKLEARN = {
    "roc_auc": roc_auc_score,
    "average_precision": average_precision_score,
    "brier_score": brier_score_loss,
    "log_loss": log_loss,
}


def rows(n: int, seed: int):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    base = 1 / (1 + np.exp(-(1.2 * (2 * y - 1) + rng.normal(size=n))))
    cand = np.clip(base + rng.normal(scale=0.15, size=n), 0.001, 0.999)
    return rng.integers(0, 3, n), y, cand, base


def test_joint_score_cells_add_as_their_rows_do_and_round_trip():
    group, y, cand, base = rows(900, 1)
    w = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    whole = JointScores.from_rows(group, y, cand, base, w, 3)
    cut = 400
    halves = JointScores.from_rows(group[:cut], y[:cut], cand[:cut], base[:cut], w[:cut], 3)
    halves = halves + JointScores.from_rows(
        group[cut:], y[cut:], cand[cut:], base[cut:], w[cut:], 3
    )
    for k in ("pair", "group", "y", "count"):
        np.testing.assert_array_equal(whole.table[k], halves.table[k])
    for k in whole.table:
        np.testing.assert_allclose(whole.table[k], halves.table[k], rtol=1e-12)
    for k in ("pair", "group", "y", "count"):
        np.testing.assert_array_equal(whole.exact[k], halves.exact[k])
    np.testing.assert_allclose(whole.exact["weight"], halves.exact["weight"], rtol=1e-12)
    assert part_type("paired_scores").from_arrays(whole.to_arrays()) == whole
    moved = whole.remap(np.array([0, 0, 1]), 2)
    assert moved.groups == 2 and int(moved.table["count"].sum()) == len(y)


def _exact(name, group, y, score):
    return value(name, ScoreCells.from_rows(group, y, score, None, 3))[0]


@pytest.mark.parametrize("name", sorted(SKLEARN))
def test_resamples_centre_on_the_exact_values_and_spread_like_a_paired_row_bootstrap(name):
    group, y, cand, base = rows(1500, 3)
    exact = (_exact(name, group, y, cand), _exact(name, group, y, base))
    assert exact == pytest.approx((SKLEARN[name](y, cand), SKLEARN[name](y, base)), abs=1e-9)
    boot_c, boot_b = JointScores.from_rows(group, y, cand, base, None, 3).bootstrap(
        name, 1000, 0, exact
    )
    assert boot_c.mean() == pytest.approx(exact[0], abs=0.25 * boot_c.std())
    rng = np.random.default_rng(4)
    oracle = []
    for _ in range(400):
        i = rng.integers(0, len(y), len(y))
        oracle.append(SKLEARN[name](y[i], cand[i]) - SKLEARN[name](y[i], base[i]))
    assert np.std(boot_c - boot_b) == pytest.approx(np.std(oracle), rel=0.2)


def test_a_bootstrap_draws_over_at_most_the_budget_of_cells(monkeypatch):
    group, y, cand, base = rows(3000, 5)
    cells = JointScores.from_rows(group, y, cand, 1 - base, None, 3)
    monkeypatch.setattr(paired_scores, "BUDGET", 200)
    merged = paired_scores._cells(cells.table, False)
    assert len(merged["count"]) <= 200 and merged["count"].sum() == len(y)
    exact = (_exact("roc_auc", group, y, cand), _exact("roc_auc", group, y, 1 - base))
    boot_c, _ = cells.bootstrap("roc_auc", 300, 0, exact)
    assert boot_c.mean() == pytest.approx(exact[0], abs=0.25 * boot_c.std())


@pytest.mark.parametrize("name", ["roc_auc", "average_precision"])
def test_ranking_intervals_depend_on_the_order_of_the_scores_not_on_their_spacing(name):
    """Third review of issue 12, finding 2: scores squeezed into one fixed bin (here 1e-4 wide)
    gave a zero-width interval. The same ranking at any scale must give the same interval, and
    it spreads like a paired row bootstrap (scikit-learn's) of the squeezed scores."""
    group, y, cand, base = rows(600, 7)
    exact = (SKLEARN[name](y, cand), SKLEARN[name](y, base))
    draws = []
    for scale in (1.0, 1e-4):
        c, b = 0.5 + scale * (cand - 0.5), 0.5 + scale * (base - 0.5)
        draws.append(JointScores.from_rows(group, y, c, b, None, 3).bootstrap(name, 400, 0, exact))
    np.testing.assert_array_equal(draws[0][0] - draws[0][1], draws[1][0] - draws[1][1])
    drop = draws[1][0] - draws[1][1]
    rng = np.random.default_rng(4)
    oracle = []
    for _ in range(400):
        i = rng.integers(0, len(y), len(y))
        oracle.append(SKLEARN[name](y[i], cand[i]) - SKLEARN[name](y[i], base[i]))
    assert np.std(drop) == pytest.approx(np.std(oracle), rel=0.2)


def test_past_the_exact_cap_unresolvable_bins_refuse_the_interval(monkeypatch):
    """Without the exact keys, bins that cannot resolve the ranking refuse; they never report
    a zero-width interval."""
    group, y, cand, base = rows(600, 8)
    monkeypatch.setattr(paired_scores, "EXACT_PAIRS", 100)
    squeezed = JointScores.from_rows(group, y, 0.5 + 1e-4 * cand, 0.5 + 1e-4 * base, None, 3)
    assert squeezed.exact is None
    exact = (roc_auc_score(y, cand), roc_auc_score(y, base))
    with pytest.raises(paired_scores.Unresolved, match="cannot resolve the order of roc_auc"):
        squeezed.bootstrap("roc_auc", 100, 0, exact)
    spread = JointScores.from_rows(group, y, cand, base, None, 3)
    boot_c, boot_b = spread.bootstrap("roc_auc", 100, 0, exact)  # fixed bins resolve these
    assert np.std(boot_c - boot_b) > 0


def test_the_exact_keys_are_dropped_past_the_cap_in_any_merge_order(monkeypatch):
    group, y, cand, base = rows(300, 9)
    monkeypatch.setattr(paired_scores, "EXACT_PAIRS", 250)
    parts = [
        JointScores.from_rows(group[i:j], y[i:j], cand[i:j], base[i:j], None, 3)
        for i, j in ((0, 100), (100, 200), (200, 300))
    ]
    assert all(p.exact is not None for p in parts)
    assert (parts[0] + parts[1]).exact is not None
    assert ((parts[0] + parts[1]) + parts[2]) == (parts[0] + (parts[1] + parts[2]))
    assert ((parts[0] + parts[1]) + parts[2]).exact is None


def _weak(n: int, seed: int):
    """review12d #2: two weak, correlated models (ROC AUC ~0.51) whose scores all lie in one
    fixed bin: the binned value is off by less than MAX_SHIFT, yet the bins know nothing."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    z = rng.standard_normal(n)
    base, cand = 0.052 * y + z, 0.052 * y + z + 0.45 * rng.standard_normal(n)
    squeeze = lambda t: 0.5 + 1e-4 / (1 + np.exp(-t))  # noqa: E731
    return np.zeros(n, dtype=int), y, squeeze(cand), squeeze(base)


def test_bins_that_cannot_resolve_weak_models_refuse_whatever_the_shift(monkeypatch):
    """The guard is on resolution, not on an absolute shift of the point value: past the exact
    cap the interval is refused, never the constant exact drop of a zero-width interval."""
    group, y, cand, base = _weak(4000, 3)
    exact = (roc_auc_score(y, cand), roc_auc_score(y, base))
    assert max(abs(e - 0.5) for e in exact) < paired_scores.MAX_SHIFT  # the old guard passed
    monkeypatch.setattr(paired_scores, "EXACT_PAIRS", 100)
    squeezed = JointScores.from_rows(group, y, cand, base, None, 1)
    for name in ("roc_auc", "average_precision"):
        point = (SKLEARN[name](y, cand), SKLEARN[name](y, base))
        with pytest.raises(paired_scores.Unresolved, match="fill 1 bin"):
            squeezed.bootstrap(name, 100, 0, point)


def test_a_hard_classifier_with_two_scores_loses_nothing_in_two_bins(monkeypatch):
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 3000)
    cand = np.where(rng.uniform(size=3000) < 0.8, y, 1 - y).astype(float)
    base = np.where(rng.uniform(size=3000) < 0.75, y, 1 - y).astype(float)
    monkeypatch.setattr(paired_scores, "EXACT_PAIRS", 2)  # fixed bins only
    joint = JointScores.from_rows(np.zeros(3000, dtype=int), y, cand, base, None, 1)
    exact = (roc_auc_score(y, cand), roc_auc_score(y, base))
    boot_c, boot_b = joint.bootstrap("roc_auc", 200, 0, exact)
    assert np.std(boot_c - boot_b) > 0


@pytest.mark.parametrize("prevalence", [0.05, 0.01])
def test_average_precision_on_imbalanced_data_is_resolved_and_spreads_like_rows(prevalence):
    """review12d #15: rank bins of equal mass lost the top of an imbalanced ranking, so AP was
    refused far below the cap; bins of equal positive mass resolve it. Oracle: a paired row
    bootstrap with scikit-learn."""
    rng = np.random.default_rng(11)
    n = 30_000
    y = (rng.uniform(size=n) < prevalence).astype(int)
    z = rng.standard_normal(n)
    base = 1 / (1 + np.exp(-(2.0 * y - 3 + z)))
    cand = 1 / (1 + np.exp(-(2.0 * y - 3 + z + 0.5 * rng.standard_normal(n))))
    joint = JointScores.from_rows(np.zeros(n, dtype=int), y, cand, base, None, 1)
    exact = (average_precision_score(y, cand), average_precision_score(y, base))
    boot_c, boot_b = joint.bootstrap("average_precision", 300, 0, exact)
    drop = boot_c - boot_b
    oracle = []
    for _ in range(150):
        i = rng.integers(0, n, n)
        oracle.append(
            average_precision_score(y[i], cand[i]) - average_precision_score(y[i], base[i])
        )
    assert np.std(drop) == pytest.approx(np.std(oracle), rel=0.25)
    assert np.mean(drop) == pytest.approx(np.mean(oracle), abs=np.std(oracle))
