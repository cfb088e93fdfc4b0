"""Bootstrap intervals cover a known true value at about the nominal rate, and are seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gate.engine import fairness
from gate.engine.intervals import metric_interval
from gate.engine.metrics import METRICS, Task

SPEC = fairness.Spec(("selection_rate",), "difference", "between_groups", ("g",))


def sample(rng: np.random.Generator, n: int = 800):
    group = rng.choice(["a", "b"], n)
    rate = np.where(group == "a", 0.30, 0.40)  # true demographic parity difference: 0.10
    pred = (rng.uniform(size=n) < rate).astype(int)
    return pd.DataFrame({"g": group}), rng.integers(0, 2, n), pred


def test_disparity_interval_covers_the_truth_at_the_nominal_rate():
    """A check judges each end of a disparity's interval on its own, so each end holds with
    probability (1 + confidence) / 2 (0.95 here; tolerance about 2.5 Monte-Carlo errors), and
    the interval is not so wide that it always covers."""
    rng = np.random.default_rng(2026)
    trials, low, high, both = 300, 0, 0, 0
    for seed in range(trials):
        frame, y, pred = sample(rng)
        result = fairness.evaluate(
            frame, Task.BINARY, y, pred, None, SPEC, confidence=0.9, resamples=400, seed=seed
        )
        low += result.ci[0] <= 0.10
        high += result.ci[1] >= 0.10
        both += result.ci[0] <= 0.10 <= result.ci[1]
    assert low / trials >= 0.92 and high / trials >= 0.92, (low / trials, high / trials)
    assert 0.9 <= both / trials <= 0.985, both / trials


def test_metric_interval_covers_the_truth_at_the_nominal_rate():
    rng = np.random.default_rng(7)
    trials, hits = 300, 0
    for seed in range(trials):
        y = (rng.uniform(size=500) < 0.35).astype(int)  # true selection rate 0.35
        interval = metric_interval(
            METRICS["selection_rate"], y, y, None, confidence=0.9, resamples=400, seed=seed
        )
        hits += interval[0] <= 0.35 <= interval[1]
    assert 0.84 <= hits / trials <= 0.95, hits / trials


def test_intervals_are_reproducible_with_a_seed():
    frame, y, pred = sample(np.random.default_rng(0))

    def run(seed: int):
        return fairness.evaluate(
            frame, Task.BINARY, y, pred, None, SPEC, confidence=0.95, resamples=200, seed=seed
        )

    assert run(1).ci == run(1).ci
    assert run(1).ci != run(2).ci
    assert run(1).groups[0].ci == run(1).groups[0].ci
