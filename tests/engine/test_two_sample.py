"""Two-sample comparison (canary logs): each model bootstrapped on its own rows with
independent resamples; the interval of the drop covers the true drop at the nominal rate
(a simulation with known population values), and the point values are scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import recall_score, roc_auc_score

from gate.engine.metrics import METRICS
from gate.engine.two_sample import Sample, seeds, two_sample_drop

CONFIDENCE = 0.95
# Runs per case, for the band [0.92, 0.98] (binomial): at a true coverage of 0.95 a case fails
# with probability 0.004 at 400 runs, 0.019 at 250; a true 0.90 (a too-narrow interval) fails
# it with probability 0.90 at 400, 0.83 at 250; 0.88 with 0.99 / 0.97; an interval that
# bootstraps one sample only (true coverage ~0.83) or a drop of the wrong sign, always. The
# AUC cases cost ~22 ms a run (two 300-resample score bootstraps), so they run 250 (seed 12:
# 0.964 and 0.948); recall costs a fifth of that and sits at 0.92-0.93, so it keeps 400.
RUNS = {"roc_auc": 250, "recall": 400}
N = 400  # labelled rows per model


def _auc_sample(rng: np.random.Generator, mu: float) -> Sample:
    """Scores N(mu, 1) for positives, N(0, 1) for negatives: population AUC Phi(mu / sqrt 2)."""
    y = (rng.uniform(size=N) < 0.5).astype(np.int64)
    return Sample(y, rng.normal(size=N) + mu * y)


def _recall_sample(rng: np.random.Generator, recall: float) -> Sample:
    y = (rng.uniform(size=N) < 0.4).astype(np.int64)
    hit = rng.uniform(size=N) < np.where(y == 1, recall, 0.2)
    return Sample(y, hit.astype(np.int64))


def _coverage(name: str, make, cand: float, base: float, truth: float) -> float:
    rng = np.random.default_rng(12)
    covered = 0
    for run in range(RUNS[name]):
        drops = two_sample_drop(METRICS[name], make(rng, cand), make(rng, base), 300, run)
        lo, hi = drops.interval(CONFIDENCE)[0]
        covered += lo <= truth <= hi
    return covered / RUNS[name]


@pytest.mark.parametrize(
    ("name", "make", "cand", "base", "truth"),
    [
        ("roc_auc", _auc_sample, 1.2, 1.0, norm.cdf(1.0 / 2**0.5) - norm.cdf(1.2 / 2**0.5)),
        ("roc_auc", _auc_sample, 1.0, 1.0, 0.0),
        ("recall", _recall_sample, 0.7, 0.8, 0.1),
    ],
)
def test_the_interval_of_the_drop_covers_at_the_nominal_rate(name, make, cand, base, truth):
    coverage = _coverage(name, make, cand, base, truth)
    assert 0.92 <= coverage <= 0.98, coverage


def test_the_point_values_are_scikit_learns_on_each_sample():
    rng = np.random.default_rng(3)
    a, b = _auc_sample(rng, 1.0), _auc_sample(rng, 0.5)
    drops = two_sample_drop(METRICS["roc_auc"], a, b, 50, 0)
    assert drops.candidate[0] == roc_auc_score(a.y, a.pred)
    assert drops.baseline[0] == roc_auc_score(b.y, b.pred)
    assert drops.drop[0] == pytest.approx(roc_auc_score(b.y, b.pred) - roc_auc_score(a.y, a.pred))
    r, s = _recall_sample(rng, 0.7), _recall_sample(rng, 0.9)
    drops = two_sample_drop(METRICS["recall"], r, s, 0, 0)
    assert drops.drop[0] == pytest.approx(recall_score(s.y, s.pred) - recall_score(r.y, r.pred))
    assert drops.drops.shape == (0, 1)  # no resamples asked: the points only


def test_the_two_samples_are_resampled_independently():
    first, second = seeds(7)
    assert first != second and seeds(7) == (first, second) and seeds(8) != (first, second)
    rng = np.random.default_rng(5)
    a = _auc_sample(rng, 1.0)
    drops = two_sample_drop(METRICS["roc_auc"], a, a, 200, 1)  # the same rows, twice
    assert drops.drop[0] == 0.0
    # independent resamples of the same rows do not cancel: the drop varies around 0
    assert np.std(drops.drops) > 0.01 and abs(np.median(drops.drops)) < 0.01
