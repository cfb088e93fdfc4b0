"""Joint score cells: they add as their rows do, keep their arrays, centre on the exact values,
and spread like a paired row bootstrap computed with scikit-learn (the oracle)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from gate.engine import paired_exact, paired_scores
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


def test_fixed_bins_alone_refuse_an_interval_they_cannot_resolve():
    """A profile without the keys (written before they were kept past the cap) has only fixed
    bins: bins that cannot resolve the ranking refuse, never a zero-width interval."""
    group, y, cand, base = rows(600, 8)
    squeezed = JointScores.from_rows(group, y, 0.5 + 1e-4 * cand, 0.5 + 1e-4 * base, None, 3)
    squeezed = dataclasses.replace(squeezed, exact=None)
    exact = (roc_auc_score(y, cand), roc_auc_score(y, base))
    with pytest.raises(paired_scores.Unresolved, match="cannot resolve the order of roc_auc"):
        squeezed.bootstrap("roc_auc", 100, 0, exact)
    spread = JointScores.from_rows(group, y, cand, base, None, 3)
    boot_c, boot_b = dataclasses.replace(spread, exact=None).bootstrap("roc_auc", 100, 0, exact)
    assert np.std(boot_c - boot_b) > 0  # fixed bins resolve these


def test_past_the_cap_the_keys_are_truncated_alike_in_any_merge_order(monkeypatch):
    group, y, cand, base = rows(300, 9)
    monkeypatch.setattr(paired_exact, "EXACT_PAIRS", 250)
    parts = [
        JointScores.from_rows(group[i:j], y[i:j], cand[i:j], base[i:j], None, 3)
        for i, j in ((0, 100), (100, 200), (200, 300))
    ]
    assert all(p.bits == paired_exact.FULL for p in parts)
    assert (parts[0] + parts[1]).bits == paired_exact.FULL
    three = (parts[0] + parts[1]) + parts[2]
    assert three == parts[0] + (parts[1] + parts[2]) == (parts[2] + parts[0]) + parts[1]
    assert three.bits < paired_exact.FULL and len(three.exact["count"]) <= 250
    assert three == JointScores.from_rows(group, y, cand, base, None, 3)
    assert JointScores.from_arrays(three.to_arrays()) == three
    # truncation never swaps two scores and only ties them: the order survives
    kept = three.exact["pair"].real
    assert np.all(np.diff(paired_exact.truncate(np.sort(cand), three.bits)) >= 0)
    assert len(np.unique(kept)) > 20


def _weak(n: int, seed: int):
    """review12d #2: two weak, correlated models (ROC AUC ~0.51) whose scores all lie in one
    fixed bin: the binned value is off by less than MAX_SHIFT, yet the bins know nothing."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    z = rng.standard_normal(n)
    base, cand = 0.052 * y + z, 0.052 * y + z + 0.45 * rng.standard_normal(n)
    squeeze = lambda t: 0.5 + 1e-4 / (1 + np.exp(-t))  # noqa: E731
    return np.zeros(n, dtype=int), y, squeeze(cand), squeeze(base)


def test_weak_models_squeezed_into_one_bin_keep_their_interval_past_the_cap(monkeypatch):
    """review12d #2: past the cap the fixed bins know nothing of these scores (the old guard,
    an absolute 0.02 on the shift, let the constant exact drop through as a zero-width
    interval); fixed bins alone now refuse, and the truncated keys keep the ranking, so the
    interval spreads like a paired row bootstrap with scikit-learn."""
    group, y, cand, base = _weak(4000, 3)
    monkeypatch.setattr(paired_exact, "EXACT_PAIRS", 1000)
    squeezed = JointScores.from_rows(group, y, cand, base, None, 1)
    assert squeezed.bits < paired_exact.FULL
    rng = np.random.default_rng(6)
    index = [rng.integers(0, len(y), len(y)) for _ in range(200)]
    for name in ("roc_auc", "average_precision"):
        point = (SKLEARN[name](y, cand), SKLEARN[name](y, base))
        assert max(abs(p - 0.5) for p in point) < paired_scores.MAX_SHIFT  # old guard passed
        binned_only = dataclasses.replace(squeezed, exact=None)
        with pytest.raises(paired_scores.Unresolved, match="fill 1 bin"):
            binned_only.bootstrap(name, 100, 0, point)
        boot_c, boot_b = squeezed.bootstrap(name, 300, 0, point)
        oracle = [SKLEARN[name](y[i], cand[i]) - SKLEARN[name](y[i], base[i]) for i in index]
        assert np.std(boot_c - boot_b) == pytest.approx(np.std(oracle), rel=0.25), name


def test_a_hard_classifier_with_two_scores_loses_nothing_in_two_bins(monkeypatch):
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 3000)
    cand = np.where(rng.uniform(size=3000) < 0.8, y, 1 - y).astype(float)
    base = np.where(rng.uniform(size=3000) < 0.75, y, 1 - y).astype(float)
    joint = JointScores.from_rows(np.zeros(3000, dtype=int), y, cand, base, None, 1)
    joint = dataclasses.replace(joint, exact=None)  # fixed bins only
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


def test_a_table_already_at_zero_bits_stays_there_past_the_cap(monkeypatch):
    """Two tables merged at 0 mantissa bits (only the exponents left) and still over the cap
    are taken as they are: never a negative bit count (which would clear exponent bits)."""
    from gate.engine import paired_exact

    monkeypatch.setattr(paired_exact, "EXACT_PAIRS", 3)
    scores = np.array([2.0**-k for k in range(1, 9)])  # 8 exponents: 8 keys even at 0 bits
    table = {
        "pair": scores + 1j * scores[::-1],
        "group": np.zeros(8, np.int64),
        "y": np.zeros(8, np.int64),
        "count": np.ones(8, np.int64),
    }
    out, bits = paired_exact.capped(table, 0)
    assert bits == 0 and np.array_equal(out["pair"], table["pair"])
