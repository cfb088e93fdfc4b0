"""The bootstrap interval: seeded, reproducible, and around the point estimate."""

from __future__ import annotations

import numpy as np

from gate.engine.bootstrap import bootstrap_interval
from gate.engine.metrics import METRICS


def data(n: int = 500):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, n)
    score = np.clip(0.25 * y + rng.uniform(0, 0.75, n), 0, 1)
    return y, score


def test_same_seed_same_interval_other_seed_other_interval():
    y, score = data()
    auc = METRICS["roc_auc"]
    a = bootstrap_interval(auc, y, score, None, confidence=0.95, resamples=200, seed=1)
    b = bootstrap_interval(auc, y, score, None, confidence=0.95, resamples=200, seed=1)
    c = bootstrap_interval(auc, y, score, None, confidence=0.95, resamples=200, seed=2)
    assert a == b and a != c


def test_interval_brackets_the_point_estimate_and_narrows_with_confidence():
    y, score = data()
    auc = METRICS["roc_auc"]
    point = auc(y, score, None)
    wide = bootstrap_interval(auc, y, score, None, confidence=0.99, resamples=300, seed=0)
    narrow = bootstrap_interval(auc, y, score, None, confidence=0.5, resamples=300, seed=0)
    assert wide[0] < narrow[0] < point < narrow[1] < wide[1]


def test_undefined_on_most_resamples_gives_none():
    y, score = data(50)

    def undefined_unless_first_row_drawn_twice(y_true, y_pred, weight):
        if (y_pred == score[0]).sum() < 2:
            raise ValueError("undefined")
        return 0.5

    interval = bootstrap_interval(
        undefined_unless_first_row_drawn_twice,
        y,
        score,
        None,
        confidence=0.9,
        resamples=100,
        seed=0,
    )
    assert interval is None
