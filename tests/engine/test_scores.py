"""ScoreCells: exact values equal scikit-learn, binned values stay within their bound, the part
merges like its rows, and the cell bootstrap covers and agrees with the row bootstrap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from gate.engine import score_bootstrap, score_values, scores
from gate.engine.intervals import bootstrap_values
from gate.engine.metrics import METRICS
from gate.engine.resample import percentile_interval
from gate.engine.scores import ScoreCells

NAMES = ("roc_auc", "average_precision", "brier_score", "log_loss")
SKLEARN = {
    "roc_auc": skm.roc_auc_score,
    "average_precision": skm.average_precision_score,
    "brier_score": skm.brier_score_loss,
    "log_loss": skm.log_loss,
}


def rows(n: int, seed: int, *, weighted: bool, ties: bool = True, groups: int = 3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
    score = np.round(score, 2) if ties else score
    w = rng.uniform(0.2, 2.0, n) if weighted else None
    return rng.integers(0, groups, n), y, score, w


def take(data, index):
    return tuple(None if a is None else a[index] for a in data)


def small_budget(monkeypatch, budget: int) -> None:
    monkeypatch.setattr(scores, "EXACT_BUDGET", budget)


# ---------------------------------------------------------------- exact and binned values


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("weighted", [False, True])
def test_exact_values_equal_sklearn_with_ties_and_a_group_mask(name: str, weighted: bool):
    group, y, score, w = rows(3000, 1, weighted=weighted)
    cells = ScoreCells.from_rows(group, y, score, w)
    value, bound = score_values.value(name, cells)
    assert cells.exact and bound == 0.0
    assert value == pytest.approx(SKLEARN[name](y, score, sample_weight=w), abs=1e-12)
    keep = np.array([True, False, True])
    mine = keep[group]
    expected = SKLEARN[name](y[mine], score[mine], sample_weight=None if w is None else w[mine])
    assert score_values.value(name, cells, keep)[0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_ranking_values_on_decision_values_of_any_sign(weighted: bool):
    group, y, score, w = rows(2000, 2, weighted=weighted, ties=False)
    decision = np.round(np.log(score + 1e-3) * 50 + 10, 1) * 1e3  # ties, below 0 and above 1
    cells = ScoreCells.from_rows(group, y, decision, w)
    for name in ("roc_auc", "average_precision"):
        expected = SKLEARN[name](y, decision, sample_weight=w)
        assert score_values.value(name, cells)[0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_binned_values_lie_within_their_stated_bound(monkeypatch, weighted: bool):
    small_budget(monkeypatch, 10)
    for seed in range(4):
        group, y, score, w = rows(20_000, seed, weighted=weighted, ties=False)
        score = score**4 if seed % 2 else score  # crowd the low bins
        cells = ScoreCells.from_rows(group, y, score, w)
        assert not cells.exact
        for name in NAMES:
            value, bound = score_values.value(name, cells)
            exact = SKLEARN[name](y, score, sample_weight=w)
            assert abs(value - exact) <= bound + 1e-12, (name, value, exact, bound)
            assert bound < 0.01  # informative, not vacuous
            assert (bound == 0.0) == (name in scores.LOSSES)


def test_ap_bound_holds_for_the_worst_order_inside_a_bin(monkeypatch):
    """One bin holding all rows: the bound must cover both extreme orders."""
    small_budget(monkeypatch, 0)
    pos_first = np.r_[0.5 + 1e-9 * np.arange(20, 0, -1), 0.5 + 1e-9 * np.arange(30)]
    y = np.r_[np.ones(20), np.zeros(30)].astype(int)
    for score in (pos_first, pos_first[::-1]):
        cells = ScoreCells.from_rows(np.zeros(50, dtype=np.int64), y, score, None)
        assert len(np.unique(cells.bins["bin"])) == 1
        for name in ("roc_auc", "average_precision"):
            value, bound = score_values.value(name, cells)
            assert abs(value - SKLEARN[name](y, score)) <= bound + 1e-12


def test_bins_are_monotone_over_all_reals_and_fixed():
    rng = np.random.default_rng(3)
    mag = 10.0 ** rng.uniform(-320, 308, 20_000)
    probs = np.r_[rng.uniform(size=20_000), 0, 1, 1e-16, 1 - 1e-16, 5e-324]
    score = np.sort(np.r_[mag, -mag, probs, 1 + mag[:100], -1.7e308, 1.7e308])
    key = scores.score_bins(score)
    assert (np.diff(key) >= 0).all()
    # in [0, 1]: uniform in logit, width 1/1024, clipped at 1e-15
    p = np.array([1e-20, 1e-15, 0.5, 0.5 + 1e-3, 1 - 1e-15, 1.0])
    logit = np.log(np.clip(p, 1e-15, 1 - 1e-15) / (1 - np.clip(p, 1e-15, 1 - 1e-15)))
    assert np.abs(scores.score_bins(p) - np.floor(logit * 1024)).max() <= 1
    assert scores.score_bins(p)[0] == scores.score_bins(p)[1]


def test_above_median_matches_the_fairness_check(monkeypatch):
    for n in (101, 100):  # odd and even
        group, y, score, w = rows(n, n, weighted=True)
        cells = ScoreCells.from_rows(group, y, score, w)
        above = score_values.above_median(cells)
        pred = (score > np.median(score)).astype(int)
        cell = group * 4 + y * 2 + pred
        assert np.array_equal(above.n, np.bincount(cell, minlength=12).reshape(3, 2, 2))
        np.testing.assert_allclose(above.w, np.bincount(cell, w, 12).reshape(3, 2, 2))
        np.testing.assert_allclose(above.w2, np.bincount(cell, w * w, 12).reshape(3, 2, 2))
    small_budget(monkeypatch, 5)
    with pytest.raises(ValueError, match="needs exact scores"):
        score_values.above_median(ScoreCells.from_rows(group, y, score, w))


# ---------------------------------------------------------------- the part interface


def assert_same(a: ScoreCells, b: ScoreCells) -> None:
    """Keys and counts identical; float sums equal to 1e-12 relative."""
    left, right = a.to_arrays(), b.to_arrays()
    assert left.keys() == right.keys()
    for key, value in left.items():
        if value.dtype.kind == "f" and key not in ("table.score",):
            np.testing.assert_allclose(value, right[key], rtol=1e-12, atol=1e-300, err_msg=key)
        else:
            assert np.array_equal(value, right[key]), key


@pytest.mark.parametrize("weighted", [False, True])
def test_sum_of_batches_equals_the_concatenated_rows(weighted: bool):
    data = rows(5000, 4, weighted=weighted)
    whole = ScoreCells.from_rows(*data, groups=3)
    cuts = [0, 0, 1200, 1200, 4999, 5000, 5000]  # empty batches included
    parts = [
        ScoreCells.from_rows(*take(data, slice(a, b)), groups=3)
        for a, b in itertools.pairwise(cuts)
    ]
    forward, backward = parts[0], parts[-1]
    for part in parts[1:]:
        forward = forward + part
    for part in parts[-2::-1]:
        backward = part + backward
    assert_same(forward, whole)
    assert_same(backward, whole)
    for name in NAMES:
        expected = score_values.value(name, whole)[0]
        assert score_values.value(name, forward)[0] == pytest.approx(expected)


def test_merging_refuses_other_groups_or_weighting():
    a = ScoreCells.from_rows(*rows(50, 1, weighted=False), groups=3)
    with pytest.raises(ValueError, match="differ"):
        a + ScoreCells.from_rows(*rows(50, 1, weighted=True), groups=3)
    with pytest.raises(ValueError, match="differ"):
        a + ScoreCells.from_rows(*rows(50, 1, weighted=False), groups=4)


def test_remap_renumbers_groups_and_merges_profiles_with_other_group_lists():
    group, y, score, w = rows(3000, 5, weighted=True)
    whole = ScoreCells.from_rows(group, y, score, w, groups=3)
    # batch a sees groups (0, 2) as its codes 0, 1; batch b sees (1, 2) as 0, 1
    a, b = np.isin(group, (0, 2)), ~np.isin(group, (0, 2))
    part_a = ScoreCells.from_rows(np.where(group[a] == 2, 1, 0), y[a], score[a], w[a], groups=2)
    part_b = ScoreCells.from_rows(group[b] - 1, y[b], score[b], w[b], groups=2)
    merged = part_a.remap(np.array([0, 2]), 3) + part_b.remap(np.array([1, 2]), 3)
    assert_same(merged, whole)
    folded = whole.remap(np.array([0, 0, 1]), 2)  # several old groups into one
    keep = np.array([True, False])
    expected = skm.roc_auc_score(y[group < 2], score[group < 2], sample_weight=w[group < 2])
    assert score_values.value("roc_auc", folded, keep)[0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_arrays_round_trip_and_are_validated(monkeypatch, weighted: bool):
    for budget in (10**9, 10):
        small_budget(monkeypatch, budget)
        cells = ScoreCells.from_rows(*rows(500, 6, weighted=weighted))
        arrays = cells.to_arrays()
        assert all(isinstance(v, np.ndarray) and v.ndim == 1 for v in arrays.values())
        assert ScoreCells.from_arrays(arrays) == cells
    assert cells != ScoreCells.from_rows(*rows(501, 6, weighted=weighted))
    broken = dict(arrays)
    broken["bins.count"] = broken["bins.count"][:-1]
    with pytest.raises(ValueError, match="differ in length"):
        ScoreCells.from_arrays(broken)
    del broken["bins.count"]
    with pytest.raises(ValueError, match=r"'bins\.count' is missing"):
        ScoreCells.from_arrays(broken)


def test_overflow_depends_only_on_the_union_of_rows(monkeypatch):
    data = rows(400, 7, weighted=True, ties=False, groups=2)
    distinct = len(ScoreCells.from_rows(*data).table["score"])
    for budget, exact in ((distinct, True), (distinct - 1, False)):
        small_budget(monkeypatch, budget)
        whole = ScoreCells.from_rows(*data)
        assert whole.exact is exact
        for cut in (0, 150, 399):
            merged = ScoreCells.from_rows(*take(data, slice(0, cut)), groups=2) + (
                ScoreCells.from_rows(*take(data, slice(cut, None)), groups=2)
            )
            assert merged.exact is exact
            assert_same(merged, whole)


def test_bad_rows_are_refused():
    group, y, score, _ = rows(10, 8, weighted=False)
    with pytest.raises(ValueError, match="finite"):
        ScoreCells.from_rows(group, y, np.r_[score[:-1], np.nan], None)
    with pytest.raises(ValueError, match="0 or 1"):
        ScoreCells.from_rows(group, y + 1, score, None)
    with pytest.raises(ValueError, match="length"):
        ScoreCells.from_rows(group, y, score[:-1], None)


# ---------------------------------------------------------------- bootstrap over cells

PREVALENCE, SHIFT = 0.3, 1.2


def population(rng: np.random.Generator, n: int):
    """Binormal rows with calibrated scores: truth of roc_auc is Phi(SHIFT / sqrt 2)."""
    y = (rng.uniform(size=n) < PREVALENCE).astype(np.int64)
    x = rng.standard_normal(n) + SHIFT * y
    log_odds = np.log(PREVALENCE / (1 - PREVALENCE)) + SHIFT * x - SHIFT**2 / 2
    return rng.integers(0, 2, n), y, 1 / (1 + np.exp(-log_odds))


def population_truth() -> dict[str, float]:
    x = np.linspace(-12, 14, 200_001)
    pos, neg = stats.norm.pdf(x - SHIFT), stats.norm.pdf(x)
    density = PREVALENCE * pos + (1 - PREVALENCE) * neg
    p = PREVALENCE * pos / density
    tpr, fpr = stats.norm.sf(x - SHIFT), stats.norm.sf(x)
    precision = PREVALENCE * tpr / (PREVALENCE * tpr + (1 - PREVALENCE) * fpr)
    dx = x[1] - x[0]
    return {
        "roc_auc": float(stats.norm.cdf(SHIFT / np.sqrt(2))),
        "average_precision": float((precision * pos).sum() * dx),
        "brier_score": float((p * (1 - p) * density).sum() * dx),
        "log_loss": float((-(p * np.log(p) + (1 - p) * np.log(1 - p)) * density).sum() * dx),
    }


#: cells per class in the tests below: the fewest at which each method holds (a mean loss's
#: variance is all carried by the within-cell moments; a ranking's needs a few cells)
COARSE = {"roc_auc": 4, "average_precision": 4, "brier_score": 1, "log_loss": 1}


@pytest.mark.parametrize("weighted", [False, True])
def test_a_resample_drawing_every_cell_at_its_own_size_gives_the_exact_value(
    monkeypatch, weighted: bool
):
    """The within-cell concordance (AUC) and correction (AP) centre the draws on the value."""
    monkeypatch.setattr(score_bootstrap, "CELLS", 3)
    cells = ScoreCells.from_rows(*rows(2000, 10, weighted=weighted, ties=False))
    mass_field = score_values.mass_field(cells)
    sums = score_values.key_table(cells, None, (mass_field,))[mass_field]
    cell = score_bootstrap._coarsen(sums)
    mass = score_bootstrap._by_cell(cell, sums)
    assert len(mass) <= 6
    neg, pos = sums[:, 0], sums[:, 1]
    for name, draws in (
        ("roc_auc", score_bootstrap._auc_draws),
        ("average_precision", score_bootstrap._ap_draws),
    ):
        resampled = draws(mass[None], cell, pos, neg, mass)
        assert resampled[0] == pytest.approx(score_values.value(name, cells)[0], abs=1e-12)


def test_cell_bootstrap_is_seeded_and_draws_nan_where_undefined():
    cells = ScoreCells.from_rows(*rows(300, 9, weighted=True))
    for name in NAMES:
        a = score_bootstrap.bootstrap(name, cells, 50, 3)
        assert a.shape == (50,) and np.isfinite(a).all()
        assert np.array_equal(a, score_bootstrap.bootstrap(name, cells, 50, 3))
        assert not np.array_equal(a, score_bootstrap.bootstrap(name, cells, 50, 4))
    one_class = ScoreCells.from_rows(np.zeros(5, dtype=np.int64), np.ones(5), np.arange(5.0), None)
    assert np.isnan(score_bootstrap.bootstrap("roc_auc", one_class, 10, 0)).all()
    assert np.isnan(score_values.value("roc_auc", one_class)[0])


@pytest.mark.parametrize("name", NAMES)
def test_cell_intervals_cover_the_population_value_at_the_nominal_rate(monkeypatch, name: str):
    """120 data sets of 2,000 rows, coarsened to COARSE cells per class (so the within-cell
    terms carry much of the variance): a 90% interval's coverage lies within 3 binomial SDs
    (0.082) of 0.9."""
    monkeypatch.setattr(score_bootstrap, "CELLS", COARSE[name])
    true = population_truth()[name]
    rng = np.random.default_rng(2026)
    trials, hits = 120, 0
    for trial in range(trials):
        group, y, score = population(rng, 2000)
        w = rng.lognormal(0, 1, len(y)) if trial % 2 else None
        cells = ScoreCells.from_rows(group, y, score, w)
        values = score_bootstrap.bootstrap(name, cells, 300, trial)
        low, high = percentile_interval(values, 0.9)
        hits += low <= true <= high
    assert abs(hits / trials - 0.9) <= 3 * np.sqrt(0.9 * 0.1 / trials), hits / trials


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("weighted", [False, True])
def test_cell_intervals_agree_with_the_row_bootstrap(monkeypatch, name: str, weighted: bool):
    """Same data, 3,000 resamples each, coarsened to COARSE cells per class. A percentile end's
    Monte-Carlo SD is about sd * sqrt(.05 * .95 / 3000) / phi(1.645) = 0.039 sd, so the gap of
    two independent runs has SD 0.055 sd: allow 0.25 sd (4.5 SDs), the centre 0.1 sd."""
    monkeypatch.setattr(score_bootstrap, "CELLS", COARSE[name])
    rng = np.random.default_rng(5)
    group, y, score = population(rng, 1500)
    w = rng.lognormal(0, 1, len(y)) if weighted else None
    row_values = bootstrap_values(METRICS[name], y, score, w, 3000, 1)
    cell_values = score_bootstrap.bootstrap(name, ScoreCells.from_rows(group, y, score, w), 3000, 2)
    sd = row_values.std()
    assert abs(cell_values.std() / sd - 1) < 0.1
    assert abs(cell_values.mean() - row_values.mean()) < 0.1 * sd
    gap = np.subtract(percentile_interval(row_values, 0.9), percentile_interval(cell_values, 0.9))
    assert np.abs(gap).max() < 0.25 * sd, gap / sd
