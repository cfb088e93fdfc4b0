"""Paired ROC AUC / average precision intervals past the 500,000-key cap (review12d #2, #15):
the drop's interval from the joint score part against a paired row bootstrap computed with
scikit-learn (the oracle), and the time to build the part and bootstrap it.

Data: the fourth review's weak models whose scores all lie in [0.5, 0.5001] (one fixed bin),
and an imbalanced case (0.2 % positives) for average precision.
Usage: python benchmarks/paired_scale.py [ROWS] [ORACLE_RESAMPLES]
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from gate.engine.paired_scores import JointScores

SKLEARN = {"roc_auc": roc_auc_score, "average_precision": average_precision_score}
BATCH = 100_000  # rows per part, merged as a streamed file's batches are


def weak(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, n)
    z = rng.standard_normal(n)
    base, cand = 0.052 * y + z, 0.052 * y + z + 0.45 * rng.standard_normal(n)
    return y, 0.5 + 1e-4 / (1 + np.exp(-cand)), 0.5 + 1e-4 / (1 + np.exp(-base))


def rare(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    y = (rng.uniform(size=n) < 0.002).astype(int)
    z = rng.standard_normal(n)
    base = 1 / (1 + np.exp(-(4.0 * y - 4 + z)))
    cand = 1 / (1 + np.exp(-(4.0 * y - 4 + z + 0.5 * rng.standard_normal(n))))
    return y, cand, base


def interval(y, cand, base, name: str) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    zeros = np.zeros(len(y), dtype=int)
    part = None
    for i in range(0, len(y), BATCH):
        cut = slice(i, i + BATCH)
        one = JointScores.from_rows(zeros[cut], y[cut], cand[cut], base[cut], None, 1)
        part = one if part is None else part + one
    exact = (SKLEARN[name](y, cand), SKLEARN[name](y, base))
    c, b = part.bootstrap(name, 1000, 0, exact)
    return np.percentile(c - b, [2.5, 97.5]), time.perf_counter() - start


def oracle(y, cand, base, name: str, resamples: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    drops = []
    for _ in range(resamples):
        i = rng.integers(0, len(y), len(y))
        drops.append(SKLEARN[name](y[i], cand[i]) - SKLEARN[name](y[i], base[i]))
    return np.percentile(drops, [2.5, 97.5])


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 600_000
    resamples = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    print(f"{rows:,} rows, batches of {BATCH:,} (load {os.getloadavg()[0]:.1f})")
    for label, make, name in (
        ("weak, one bin", weak, "roc_auc"),
        ("weak, one bin", weak, "average_precision"),
        ("0.2% positives", rare, "average_precision"),
    ):
        y, cand, base = make(rows)
        got, seconds = interval(y, cand, base, name)
        want = oracle(y, cand, base, name, resamples)
        print(
            f"  {label:15} {name:18} part+bootstrap {seconds:5.1f} s  "
            f"[{got[0]:+.5f}, {got[1]:+.5f}]  row bootstrap ({resamples}) "
            f"[{want[0]:+.5f}, {want[1]:+.5f}]  (candidate - baseline)"
        )


if __name__ == "__main__":
    main()
