"""Time `column_drift` with 1,000 bootstrap resamples per column, on the supports that cost most.

Cost is by cells (support points x resamples), not rows: columns of 1M rows a side.
Usage: python benchmarks/drift_columns_speed.py [ROWS] [RESAMPLES]
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd

from gate.engine.columns import profile_column
from gate.engine.drift_methods import column_drift


def columns(rows: int, seed: int = 0) -> dict[str, tuple[pd.Series, pd.Series, tuple[str, ...]]]:
    rng = np.random.default_rng(seed)
    wide = rng.permutation(np.arange(20_000))  # two exact tables of 10,000 values, disjoint
    cats = np.array([f"c{i}" for i in range(300)])
    both = ("wasserstein", "ks", "psi", "jensen_shannon")
    return {
        "continuous (sketch)": (
            pd.Series(rng.normal(size=rows)),
            pd.Series(rng.normal(0.05, 1, rows)),
            both,
        ),
        "small ints (exact)": (
            pd.Series(rng.integers(0, 50, rows)),
            pd.Series(rng.integers(0, 52, rows)),
            (*both, "chi2"),
        ),
        "10k + 10k values (exact)": (
            pd.Series(rng.choice(wide[:10_000], rows)),
            pd.Series(rng.choice(wide[10_000:], rows)),
            both,
        ),
        "300 categories": (
            pd.Series(rng.choice(cats, rows)),
            pd.Series(rng.choice(cats, rows)),
            ("psi", "jensen_shannon", "chi2"),
        ),
    }


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    resamples = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    from scipy import stats  # noqa: F401  (imported once by the ks / chi2 p-values: not timed)

    print(
        f"column_drift, {rows:,} rows a side, {resamples} resamples (load {os.getloadavg()[0]:.1f})"
    )
    for label, (a, b, methods) in columns(rows).items():
        ref, cur = profile_column("x", a), profile_column("x", b)
        times = []
        for method in methods:
            cpu = time.process_time()
            column_drift(method, ref, cur, confidence=0.95, resamples=resamples, seed=0)
            times.append(f"{method} {time.process_time() - cpu:.3f}")
        print(f"  {label:26s} cpu s: " + ", ".join(times))


if __name__ == "__main__":
    main()
