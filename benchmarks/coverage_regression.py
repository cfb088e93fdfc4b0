"""Coverage of 90% regression-metric intervals: today's row bootstrap against regression cells.

Usage: python benchmarks/coverage_regression.py [--trials 500] [--sizes 20,50,200,1000]
       [--resamples 1000] [--distributions normal,t3 errors,skewed y]
       [--weighted] [--seed 0] [--small-groups 5,10,20]

Each trial draws n rows from a population whose metric values are known (y and the error
e = pred - y independent, so mae = E|e|, mse = E[e^2], r2 = 1 - E[e^2] / Var y and
mape = E|e| * E[1 / max(|y|, eps)]), builds both 90% percentile intervals and records whether
each covers the population value. Rows fall in two groups (30% / 70%), which the cell bootstrap
draws by its multinomial over groups. With --weighted, rows carry weights uniform on [0.5, 2]
independent of everything (the population values are unchanged).

Printed: coverage per metric x n x distribution x method (binomial standard error
sqrt(0.9 * 0.1 / trials)), the share of trials with no interval (too many undefined resamples),
and the mean distance between the two methods' interval ends in units of the row bootstrap's
standard deviation, next to the distance pure Monte-Carlo noise gives for a normal bootstrap
distribution (about 0.8 * 2.98 / sqrt(resamples)).

With --small-groups: coverage of one small group's mae and mse (what fairness checks compare),
beside a group of 500 rows, from resample_regression (rows) and regression.resample_stats.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import integrate, stats

from gate.engine import regression
from gate.engine.intervals import bootstrap_values
from gate.engine.metrics import METRICS
from gate.engine.resample import percentile_interval, resample_regression

EPS = np.finfo(np.float64).eps
CONFIDENCE = 0.9
NAMES = regression.METRICS
METHODS = ("rows", "moments")
DISTRIBUTIONS = {
    "normal": (stats.norm(10, 2), stats.norm(0.5, 1)),
    "t3 errors": (stats.norm(10, 2), stats.t(3, loc=0.5)),
    "skewed y": (stats.lognorm(0.75, scale=np.e), stats.norm(0.2, 1)),
}


def inverse_abs_mean(dist: stats.rv_continuous) -> float:
    """E[1 / max(|y|, eps)], integrating the log-singularity at 0 in log coordinates."""
    tails = integrate.quad(lambda x: dist.pdf(x) / abs(x), -np.inf, -1)[0]
    tails += integrate.quad(lambda x: dist.pdf(x) / x, 1, np.inf)[0]
    near = integrate.quad(
        lambda u: dist.pdf(np.exp(u)) + dist.pdf(-np.exp(u)), np.log(EPS), 0, limit=200
    )[0]
    return tails + near + 2 * dist.pdf(0.0)


def population(y_dist: stats.rv_continuous, e_dist: stats.rv_continuous) -> dict[str, float]:
    mae = e_dist.expect(abs)
    mse = e_dist.var() + e_dist.mean() ** 2
    return {
        "mae": mae,
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "r2": 1 - mse / y_dist.var(),
        "mape": mae * inverse_abs_mean(y_dist),
    }


def intervals(rng: np.random.Generator, dist: str, n: int, resamples: int, weighted: bool):
    """{(metric, method): (interval or None, bootstrap sd)} for one drawn data set."""
    y_dist, e_dist = DISTRIBUTIONS[dist]
    y = y_dist.rvs(n, random_state=rng)
    pred = y + e_dist.rvs(n, random_state=rng)
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    group = (rng.uniform(size=n) < 0.3).astype(np.int64)
    cells = regression.RegressionCells.from_rows(group, y, pred, w, groups=2)
    seed = int(rng.integers(2**31))
    out = {}
    for name in NAMES:
        rows = bootstrap_values(METRICS[name], y, pred, w, resamples, seed)
        moments = regression.bootstrap(name, cells, resamples, seed)
        for method, values in (("rows", rows), ("moments", moments)):
            out[name, method] = (percentile_interval(values, CONFIDENCE), np.nanstd(values))
    return out


def table_rows(rng: np.random.Generator, dist: str, n: int, args: argparse.Namespace):
    """The printed rows of one distribution and size: coverage, no-interval share, end gap."""
    truth = population(*DISTRIBUTIONS[dist])
    hits = {(name, m): 0 for name in NAMES for m in METHODS}
    empty = dict.fromkeys(hits, 0)
    gaps: dict[str, list[float]] = {name: [] for name in NAMES}
    for _ in range(args.trials):
        result = intervals(rng, dist, n, args.resamples, args.weighted)
        for (name, method), (ci, _sd) in result.items():
            hits[name, method] += ci is not None and ci[0] <= truth[name] <= ci[1]
            empty[name, method] += ci is None
        for name in NAMES:
            (a, sd), (b, _) = result[name, "rows"], result[name, "moments"]
            if a is not None and b is not None and sd > 0:
                gaps[name].append((abs(a[0] - b[0]) + abs(a[1] - b[1])) / (2 * sd))
    for name in NAMES:
        cover = [hits[name, m] / args.trials for m in METHODS]
        none = [empty[name, m] / args.trials for m in METHODS]
        gap = np.mean(gaps[name]) if gaps[name] else float("nan")
        yield (
            f"| {name} | {dist} | {n} | {cover[0]:.3f} | {cover[1]:.3f} "
            f"| {none[0]:.3f} / {none[1]:.3f} | {gap:.3f} |"
        )


def small_group_rows(rng: np.random.Generator, dist: str, size: int, args: argparse.Namespace):
    """Per-group mae and mse of a group of `size` rows beside one of 500, as a fairness check
    reads them: resample_regression (rows) against regression.resample_stats (moments)."""
    y_dist, e_dist = DISTRIBUTIONS[dist]
    truth = population(y_dist, e_dist)
    group = np.r_[np.zeros(500, dtype=np.int64), np.ones(size, dtype=np.int64)]
    hits = {(name, m): 0 for name in ("mae", "mse") for m in METHODS}
    for trial in range(args.trials):
        y = y_dist.rvs(len(group), random_state=rng)
        pred = y + e_dist.rvs(len(group), random_state=rng)
        cells = regression.RegressionCells.from_rows(group, y, pred, None)
        draws = {
            "rows": resample_regression(group, 2, y, pred, None, args.resamples, trial),
            "moments": regression.resample_stats(cells, args.resamples, trial),
        }
        for method, s in draws.items():
            with np.errstate(divide="ignore", invalid="ignore"):
                values = {"mae": s.abs_err[:, 1] / s.w[:, 1], "mse": s.sq_err[:, 1] / s.w[:, 1]}
            for name, v in values.items():
                ci = percentile_interval(v, CONFIDENCE)
                hits[name, method] += ci is not None and ci[0] <= truth[name] <= ci[1]
    for name in ("mae", "mse"):
        cover = [hits[name, m] / args.trials for m in METHODS]
        yield f"| {name} (group) | {dist} | {size} | {cover[0]:.3f} | {cover[1]:.3f} |"


def run_small_groups(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(args.seed)
    print(f"Per-group 90% intervals beside a group of 500, {args.trials} trials\n")
    print("| metric | distribution | group n | rows | moments |")
    print("|---|---|---:|---:|---:|")
    for dist in args.distributions:
        for size in args.small_groups:
            for line in small_group_rows(rng, dist, size, args):
                print(line, flush=True)


def run(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(args.seed)
    noise = 0.8 * 2.98 / np.sqrt(args.resamples)
    print(
        f"90% intervals, {args.trials} trials, {args.resamples} resamples, "
        f"weighted={args.weighted}; coverage s.e. {np.sqrt(0.09 / args.trials):.3f}; "
        f"end-distance noise floor {noise:.3f} sd\n"
    )
    print(
        "| metric | distribution | n | rows | moments | no interval rows / moments "
        "| mean end distance (sd) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for dist in args.distributions:
        for n in args.sizes:
            for line in table_rows(rng, dist, n, args):
                print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument(
        "--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[20, 50, 200, 1000]
    )
    parser.add_argument(
        "--distributions",
        type=lambda s: s.split(","),
        default=list(DISTRIBUTIONS),
        help="comma-separated: " + ", ".join(DISTRIBUTIONS),
    )
    parser.add_argument("--weighted", action="store_true")
    parser.add_argument(
        "--small-groups",
        type=lambda s: [int(x) for x in s.split(",")],
        help="instead: per-group coverage of groups of these sizes beside a group of 500",
    )
    parser.add_argument("--seed", type=int, default=0)
    start = time.perf_counter()
    args = parser.parse_args()
    (run_small_groups if args.small_groups else run)(args)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
