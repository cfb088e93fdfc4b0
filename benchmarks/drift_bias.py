"""How often the drift check calls a column drifted / stable / inconclusive when the truth is
known: the same distribution on both sides (the answer should almost never be "drifted"), a true
distance exactly at the threshold (at most 2.5 % "drifted" and 2.5 % "stable" for a 95 %
interval), and a true distance well past it (power).

Each repetition draws fresh data, profiles it and judges the column as the check does
(gate.checks.drift_verdicts: effect size on the bootstrap interval, threshold `max` 0.1).
Usage: python benchmarks/drift_bias.py [REPETITIONS] [RESAMPLES]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy.spatial import distance

from gate.checks.drift_verdicts import beyond, status_of, widened
from gate.engine.columns import profile_column
from gate.engine.drift_methods import column_drift

LIMIT = 0.1
CONFIDENCE = 0.95
CATEGORIES = np.array([f"c{i}" for i in range(10)])
SHARES = np.linspace(1, 2, 10) / np.linspace(1, 2, 10).sum()  # 10 unequal categories
KS_SHIFT = 2 * NormalDist().inv_cdf(0.55)  # N(0, 1) against N(KS_SHIFT, 1): KS D = 0.1
Draw = Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Scenario:
    label: str
    method: str
    n: int
    draw: Draw  # (rng, n) -> (reference, current)


def normal(shift: float) -> Draw:
    """N(0, 1) against N(shift, 1): the normalised Wasserstein distance is `shift`."""
    return lambda rng, n: (rng.normal(size=n), rng.normal(shift, 1, n))


def categories(current: np.ndarray) -> Draw:
    """10 categories with SHARES against the same categories with `current` shares."""

    def draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.choice(CATEGORIES, n, p=SHARES), rng.choice(CATEGORIES, n, p=current)

    return draw


def js_shares(target: float) -> np.ndarray:
    """Shares q = (1 - t) SHARES + t * (all mass on the rarest category) at Jensen-Shannon
    distance `target` from SHARES (bisection on t)."""
    corner = np.zeros(10)
    corner[0] = 1.0
    lo, hi = 0.0, 1.0
    for _ in range(60):
        t = (lo + hi) / 2
        if distance.jensenshannon(SHARES, (1 - t) * SHARES + t * corner) < target:
            lo = t
        else:
            hi = t
    return (1 - lo) * SHARES + lo * corner


def binary(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.choice(["n", "y"], n, p=[0.7, 0.3]), rng.choice(["n", "y"], n, p=[0.7, 0.3])


def scenarios() -> dict[str, list[Scenario]]:
    same = normal(0.0)
    sizes = (50, 100, 200, 300, 1000)
    return {
        "same distribution, normal, wasserstein": [
            Scenario(f"n={n}", "wasserstein", n, same) for n in sizes
        ],
        "same distribution, 10 categories, jensen_shannon": [
            Scenario(f"n={n}", "jensen_shannon", n, categories(SHARES)) for n in sizes
        ],
        "same distribution, n=200, the other methods": [
            Scenario("normal, ks", "ks", 200, same),
            Scenario("normal, psi", "psi", 200, same),
            Scenario("normal, jensen_shannon", "jensen_shannon", 200, same),
            Scenario("10 categories, chi2 (Cramer's V)", "chi2", 200, categories(SHARES)),
            Scenario("10 categories, psi", "psi", 200, categories(SHARES)),
            Scenario("two values, z (share gap)", "z", 200, binary),
        ],
        "true distance = max = 0.1 (boundary)": [
            Scenario("normal, wasserstein, n=1000", "wasserstein", 1000, normal(0.1)),
            Scenario("normal, wasserstein, n=5000", "wasserstein", 5000, normal(0.1)),
            Scenario("normal, ks, n=1000", "ks", 1000, normal(KS_SHIFT)),
            Scenario(
                "10 categories, jensen_shannon, n=1000",
                "jensen_shannon",
                1000,
                categories(js_shares(0.1)),
            ),
        ],
        "true distance 0.2 (power)": [
            Scenario("normal, wasserstein, n=1000", "wasserstein", 1000, normal(0.2)),
            Scenario("normal, wasserstein, n=5000", "wasserstein", 5000, normal(0.2)),
            Scenario(
                "10 categories, jensen_shannon, n=1000",
                "jensen_shannon",
                1000,
                categories(js_shares(0.2)),
            ),
        ],
    }


def shares(scenario: Scenario, repetitions: int, resamples: int, seed: int = 0) -> dict[str, float]:
    """The share of repetitions called drifted / stable / inconclusive."""
    rng = np.random.default_rng(seed)
    counts = {"drifted": 0, "stable": 0, "inconclusive": 0}
    for i in range(repetitions):
        a, b = scenario.draw(rng, scenario.n)
        ref, cur = profile_column("x", pd.Series(a)), profile_column("x", pd.Series(b))
        got = column_drift(
            scenario.method, ref, cur, confidence=CONFIDENCE, resamples=resamples, seed=seed + i
        )
        verdict = beyond(got.value, widened(got.value, got.ci, got.error_bound), LIMIT)
        counts[status_of(verdict)] += 1
    return {k: v / repetitions for k, v in counts.items()}


def main() -> None:
    repetitions = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    resamples = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    print(
        f"drift verdicts at max {LIMIT}, {CONFIDENCE:.0%} interval, {repetitions} repetitions, "
        f"{resamples} resamples (load {os.getloadavg()[0]:.1f})"
    )
    for title, group in scenarios().items():
        print(f"\n{title}")
        print(f"  {'case':40s} {'drifted':>8s} {'stable':>8s} {'inconcl.':>8s}   cpu s")
        for scenario in group:
            cpu = time.process_time()
            got = shares(scenario, repetitions, resamples)
            took = time.process_time() - cpu
            print(
                f"  {scenario.label:40s} {got['drifted']:8.1%} {got['stable']:8.1%} "
                f"{got['inconclusive']:8.1%}   {took:5.1f}"
            )


if __name__ == "__main__":
    main()
