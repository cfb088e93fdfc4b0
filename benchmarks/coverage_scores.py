"""Coverage, agreement and speed of the score-metric intervals: row bootstrap vs cell bootstrap.

Population: y ~ Bernoulli(PREVALENCE); x ~ N(0, 1) for negatives, N(SHIFT, 1) for positives;
score = P(y = 1 | x), calibrated. The true values are integrals over that population (roc_auc
= Phi(SHIFT / sqrt 2), the others by quadrature on a fine grid), not estimates.

    python benchmarks/coverage_scores.py [--trials 400] [--resamples 1000] [--quick]

Prints (1) coverage of the percentile interval per metric x n x method ("rows":
gate.engine.intervals.bootstrap_values, "cells": gate.engine.score_bootstrap.bootstrap), (2) the
agreement of the two methods' interval ends on the same data, (3) the time of 1,000 resamples
on 1M rows.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

from gate.engine import score_bootstrap, scores
from gate.engine.intervals import bootstrap_values
from gate.engine.metrics import METRICS
from gate.engine.resample import percentile_interval

PREVALENCE, SHIFT = 0.3, 1.2
NAMES = ("roc_auc", "average_precision", "brier_score", "log_loss")


def sample(rng: np.random.Generator, n: int, weighted: bool):
    """(group, y, score, weight) drawn from the population."""
    y = (rng.uniform(size=n) < PREVALENCE).astype(np.int64)
    x = rng.standard_normal(n) + SHIFT * y
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    return rng.integers(0, 3, n), y, posterior(x), w


def posterior(x: np.ndarray) -> np.ndarray:
    log_odds = np.log(PREVALENCE / (1 - PREVALENCE)) + SHIFT * x - SHIFT**2 / 2
    return 1 / (1 + np.exp(-log_odds))


def truth() -> dict[str, float]:
    """Population values by quadrature over x."""
    x = np.linspace(-12, 14, 400_001)
    dx = x[1] - x[0]
    f_pos, f_neg = stats.norm.pdf(x - SHIFT), stats.norm.pdf(x)
    p = posterior(x)
    density = PREVALENCE * f_pos + (1 - PREVALENCE) * f_neg
    tpr = stats.norm.sf(x - SHIFT)  # recall at threshold x
    fpr = stats.norm.sf(x)
    precision = PREVALENCE * tpr / (PREVALENCE * tpr + (1 - PREVALENCE) * fpr)
    eps = np.finfo(float).eps
    q = np.clip(p, eps, 1 - eps)
    return {
        "roc_auc": float(stats.norm.cdf(SHIFT / np.sqrt(2))),
        "average_precision": float((precision * f_pos).sum() * dx),
        "brier_score": float((p * (1 - p) * density).sum() * dx),
        "log_loss": float((-(p * np.log(q) + (1 - p) * np.log(1 - q)) * density).sum() * dx),
    }


def interval(method: str, name: str, data, resamples: int, seed: int, confidence: float):
    group, y, score, w = data
    if method == "rows":
        values = bootstrap_values(METRICS[name], y, score, w, resamples, seed)
    else:
        cells = scores.ScoreCells.from_rows(group, y, score, w)
        values = score_bootstrap.bootstrap(name, cells, resamples, seed)
    return percentile_interval(values, confidence)


def coverage(
    name: str, n: int, method: str, trials: int, resamples: int, weighted: bool, true: float
) -> float:
    rng = np.random.default_rng(hash((name, n, weighted)) % 2**32)
    hits = 0
    for trial in range(trials):
        low, high = interval(method, name, sample(rng, n, weighted), resamples, trial, 0.9)
        hits += low <= true <= high
    return hits / trials


def agreement(name: str, n: int, weighted: bool, resamples: int, datasets: int):
    """Mean |difference| of the interval ends, in units of the row bootstrap's SD."""
    rng = np.random.default_rng(11)
    gaps = []
    for seed in range(datasets):
        _, y, score, w = data = sample(rng, n, weighted)
        rows = bootstrap_values(METRICS[name], y, score, w, resamples, seed)
        part = scores.ScoreCells.from_rows(*data)
        cells = score_bootstrap.bootstrap(name, part, resamples, seed + 1)
        ends = [np.array(percentile_interval(v, 0.9)) for v in (rows, cells)]
        gaps.append(np.abs(ends[0] - ends[1]) / np.nanstd(rows))
    return np.mean(gaps, axis=0)


def timings(n: int, resamples: int) -> None:
    rng = np.random.default_rng(0)
    for weighted in (False, True):
        data = sample(rng, n, weighted)
        start = time.perf_counter()
        cells = scores.ScoreCells.from_rows(*data)
        built = time.perf_counter() - start
        print(f"\n{n:,} rows, weighted={weighted}: from_rows {built:.2f} s")
        for name in NAMES:
            start = time.perf_counter()
            cpu = time.process_time()
            score_bootstrap.bootstrap(name, cells, resamples, 1)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            print(f"  {name:<18} {resamples} resamples: {wall:.3f} s wall, {cpu:.3f} s cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=400)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="fewer sizes, for a smoke run")
    args = parser.parse_args()
    true = truth()
    sizes = (300, 3000) if args.quick else (300, 3000, 30000)
    print(f"truth: {true}")
    print("\ncoverage of the 90% percentile interval")
    print(f"| metric | n | weighted | rows | cells |  ({args.trials} trials)")
    print("|---|---|---|---|---|")
    for name in NAMES:
        for n in sizes:
            for weighted in (False, True):
                cover = {
                    m: coverage(name, n, m, args.trials, args.resamples, weighted, true[name])
                    if m == "cells" or n * args.resamples <= 10_000_000
                    else float("nan")
                    for m in ("rows", "cells")
                }
                print(f"| {name} | {n} | {weighted} | {cover['rows']:.3f} | {cover['cells']:.3f} |")
    print("\nagreement: mean |rows - cells| interval end, in row-bootstrap SDs (4000 resamples)")
    for name in NAMES:
        for n, weighted in ((400, False), (400, True), (5000, False)):
            gap = agreement(name, n, weighted, 4000, 5 if args.quick else 20)
            label = f"{name:<18} n={n:<5} weighted={weighted!s:<5}"
            print(f"  {label} low {gap[0]:.3f} high {gap[1]:.3f}")
    timings(1_000_000, 1000)


if __name__ == "__main__":
    main()
