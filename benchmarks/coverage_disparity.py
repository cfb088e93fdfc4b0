"""Coverage of bootstrap intervals for worst-case fairness disparities, by simulation.

Data sets are drawn from known per-group rates (so the true disparity is known), each is
bootstrapped as the gate does it (one multinomial draw over group x truth x prediction cells per
resample), and every interval method is applied to the same resamples. For each method the table
gives the share of data sets where the two-sided interval holds the truth, where its lower end is
at or below it and where its upper end is at or above it. A check judges `max:` (differences) and
`min:` (ratios) bounds with both ends (pass: the whole interval satisfies the bound; fail: none of
it does), so each end must hold with probability >= (1 + confidence) / 2.

    python benchmarks/coverage_disparity.py [--datasets 400] [--resamples 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from gate.engine import interval_methods as im
from gate.engine.fairness import Spec, disparity_of
from gate.engine.stats import ConfusionStats, confusion_from_cells

BASE_RATE = 0.4  # share of positives in every group
EO = ("true_positive_rate", "false_positive_rate")
SR = ("selection_rate",)
METHODS = ("percentile", "basic", "BC", "BCa", "max-t")


@dataclass(frozen=True)
class Scenario:
    name: str
    components: tuple[str, ...]
    kind: str  # difference | ratio
    method: str  # between_groups | to_overall
    sizes: tuple[int, ...]
    tpr: tuple[float, ...]  # per group; the selection rate when fpr == tpr
    fpr: tuple[float, ...]

    def spec(self) -> Spec:
        return Spec(self.components, self.kind, self.method, ("g",))


def _sr(name: str, kind: str, method: str, sizes: tuple, rates: tuple) -> Scenario:
    return Scenario(f"dp {kind} {method} {name}", SR, kind, method, sizes, rates, rates)


def _eo(name: str, kind: str, sizes: tuple, tpr: tuple, fpr: tuple) -> Scenario:
    return Scenario(f"eo {kind} {name}", EO, kind, "between_groups", sizes, tpr, fpr)


D, R, B, OV = "difference", "ratio", "between_groups", "to_overall"
MIXED8 = (50, 50, 200, 200, 200, 2000, 2000, 2000)
SCENARIOS = (
    _sr("2x50, equal", D, B, (50, 50), (0.3, 0.3)),
    _sr("2x200, equal", D, B, (200, 200), (0.3, 0.3)),
    _sr("50/200/2000, equal", D, B, (50, 200, 2000), (0.3,) * 3),
    _sr("8x200, equal", D, B, (200,) * 8, (0.3,) * 8),
    _sr("4x2000, equal", D, B, (2000,) * 4, (0.3,) * 4),
    _sr("3x200, 0.02", D, B, (200,) * 3, (0.30, 0.31, 0.32)),
    _sr("3x2000, 0.02", D, B, (2000,) * 3, (0.30, 0.31, 0.32)),
    _sr("4x200, 0.1", D, B, (200,) * 4, (0.3, 0.35, 0.4, 0.3)),
    _sr("8 mixed, 0.1", D, B, MIXED8, (0.3, 0.32, 0.35, 0.3, 0.4, 0.33, 0.3, 0.31)),
    _sr("4x200, equal", D, OV, (200,) * 4, (0.3,) * 4),
    _sr("4x200, 0.1", D, OV, (200,) * 4, (0.3, 0.3, 0.3, 0.4)),
    _sr("3x200, equal", R, B, (200,) * 3, (0.3,) * 3),
    _sr("8x200, equal", R, B, (200,) * 8, (0.3,) * 8),
    _sr("3x2000, 0.02", R, B, (2000,) * 3, (0.30, 0.31, 0.32)),
    _sr("4x200, 0.1", R, B, (200,) * 4, (0.3, 0.35, 0.4, 0.3)),
    _sr("4x200, equal", R, OV, (200,) * 4, (0.3,) * 4),
    _eo("3x200, equal", D, (200,) * 3, (0.7,) * 3, (0.2,) * 3),
    _eo("50/200/2000, equal", D, (50, 200, 2000), (0.7,) * 3, (0.2,) * 3),
    _eo("3x2000, 0.1/0.02", D, (2000,) * 3, (0.7, 0.75, 0.8), (0.2, 0.21, 0.22)),
    _eo("5x200, 0.1/0.1", D, (200,) * 5, (0.7, 0.8, 0.75, 0.7, 0.7), (0.2, 0.3, 0.2, 0.25, 0.2)),
    _eo("3x200, equal", R, (200,) * 3, (0.7,) * 3, (0.2,) * 3),
)


def cell_probs(s: Scenario) -> np.ndarray:
    """(G, 4) P(truth, prediction | group) in the order (0,0), (0,1), (1,0), (1,1)."""
    tpr, fpr, p = np.asarray(s.tpr), np.asarray(s.fpr), BASE_RATE
    return np.stack([(1 - p) * (1 - fpr), (1 - p) * fpr, p * (1 - tpr), p * tpr], axis=-1)


def stats_of(cells: np.ndarray) -> ConfusionStats:
    """ConfusionStats from (..., G, 4) cell counts."""
    grid = cells.reshape(*cells.shape[:-1], 2, 2)
    return confusion_from_cells(grid, grid)


def truth(s: Scenario) -> float:
    """The disparity of the expected counts (rates are ratios of expected counts)."""
    expected = np.asarray(s.sizes)[:, None] * cell_probs(s)
    keep = np.ones(len(s.sizes), dtype=bool)
    return float(disparity_of(stats_of(expected), s.spec(), None, keep)[0])


def simulate(s: Scenario, datasets: int, resamples: int, confidence: float, seed: int):
    """{method: (datasets, 2) intervals} for `datasets` simulated data sets."""
    rng = np.random.default_rng(seed)
    probs = cell_probs(s)
    per_group = zip(s.sizes, probs, strict=True)
    data = np.stack([rng.multinomial(n, p, size=datasets) for n, p in per_group], 1)
    flat = data.reshape(datasets, -1).astype(float)
    total = int(flat[0].sum())
    draws = rng.multinomial(total, flat / total, size=(resamples, datasets))
    boot_cells = draws.transpose(1, 0, 2).reshape(datasets, resamples, *data.shape[1:])
    keep = np.ones(len(s.sizes), dtype=bool)
    spec = s.spec()

    def aggregate(cells: np.ndarray) -> np.ndarray:
        return disparity_of(stats_of(cells.astype(float)), spec, None, keep)[0]

    estimate, boot = aggregate(data), aggregate(boot_cells)
    leave_one = flat[:, None, :] - np.eye(flat.shape[-1])  # (datasets, cells, cells)
    jack = aggregate(leave_one.reshape(datasets, -1, *data.shape[1:]))
    accel = im.acceleration(jack, flat)
    return {
        "percentile": im.percentile(boot, confidence),
        "basic": im.basic(boot, estimate, confidence),
        "BC": im.bca(boot, estimate, confidence),
        "BCa": im.bca(boot, estimate, confidence, accel),
        "max-t": max_t(s, data, boot_cells, confidence),
    }


def max_t(s: Scenario, data: np.ndarray, boot_cells: np.ndarray, confidence: float):
    """The simultaneous interval the gate uses (each end at level (1 + confidence) / 2)."""
    keep = np.ones(len(s.sizes), dtype=bool)
    how = (s.components, s.kind, s.method, keep, None)
    points = im.disparity_contrasts(stats_of(data.astype(float)), *how)
    boots = im.disparity_contrasts(stats_of(boot_cells.astype(float)), *how)
    return im.simultaneous_disparity([points], [boots], s.kind, "worst_case", confidence)


def coverage(intervals: np.ndarray, true: float) -> tuple[float, float, float, float]:
    """(two-sided, lower end <= truth, upper end >= truth, mean width)."""
    eps = 1e-9  # float noise at an exact truth of 0 or 1
    low_ok = intervals[:, 0] <= true + eps
    high_ok = intervals[:, 1] >= true - eps
    width = float(np.mean(intervals[:, 1] - intervals[:, 0]))
    return float(np.mean(low_ok & high_ok)), float(low_ok.mean()), float(high_ok.mean()), width


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=400)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    print(
        f"confidence {args.confidence}: two-sided target {args.confidence:.3f}, each end "
        f"{(1 + args.confidence) / 2:.3f}; {args.datasets} data sets x {args.resamples} resamples"
    )
    print("cells: two-sided / lower end / upper end coverage (mean width)\n")
    print(f"| scenario | truth | {' | '.join(METHODS)} |")
    print("|---|---:|" + "---|" * len(METHODS))
    for i, s in enumerate(SCENARIOS):
        true = truth(s)
        result = simulate(s, args.datasets, args.resamples, args.confidence, args.seed + i)
        cells = [
            "{:.3f} / {:.3f} / {:.3f} ({:.3f})".format(*coverage(result[m], true)) for m in METHODS
        ]
        print(f"| {s.name} | {true:.4f} | {' | '.join(cells)} |", flush=True)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
