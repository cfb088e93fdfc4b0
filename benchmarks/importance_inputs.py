"""How the cost of `type: importance` grows with the number of model inputs (review13 #15).

One process; a logistic regression (a cheap predict, so the gate's own work shows) on 6,000 rows
of k standard-normal inputs plus `sex`; the check at its defaults (5,000 sampled rows, 5
repeats, roc_auc, --resamples 1000) judging `max_rank: 5`, once per measure:
  reliance  the default: the bootstrap of the mean output change is one matrix product
  metric    `measure: metric`: roc_auc recomputed on every resample for each input and repeat
Printed: seconds of the whole evaluate() call (one pass + the check) and seconds per input.

The cost model: the model is called on sample_rows x (1 + inputs x repeats) rows (stacked); the
reliance bootstrap costs resamples x sample_rows x inputs multiply-adds; the metric bootstrap
computes inputs x repeats x resamples metric values on sample_rows rows each (measure: metric
only). Measured 2026-11-25 on the shared 2-core dev machine at load average about 10 (so the
wall times are inflated; the ratios are the point): reliance 21 inputs 5.2 s, 101 inputs 23.1 s
(0.23 s per input, 621 MB peak for the process); metric 21 inputs 18.1 s, 101 inputs 96.6 s
(0.96 s per input). Before this change (metric drop judged, frames of up to 262,144 rows
whatever their width) the reviewer measured 129 s and 1.38 GB at 100 inputs.

    python benchmarks/importance_inputs.py [--inputs 20 100] [--measures reliance metric]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from gate import evaluate

ROWS = 6_000


def case(k: int, measure: str) -> tuple[float, str]:
    """(seconds, status) of one evaluate() with an importance check on k + 1 inputs."""
    rng = np.random.default_rng(0)
    d = pd.DataFrame(rng.normal(size=(ROWS, k)), columns=[f"f{i}" for i in range(k)])
    d["sex"] = rng.integers(0, 2, ROWS)
    d["y"] = (d.f0 + d.f1 + 0.3 * d.sex + rng.normal(size=ROWS) > 0).astype(int)
    model = LogisticRegression(max_iter=300).fit(d.drop(columns="y"), d.y)
    check = {"id": "imp", "type": "importance", "max_rank": 5, "measure": measure}
    policy = {"version": 1, "data": {"label": "y", "sensitive": ["sex"]}, "checks": [check]}
    start = time.perf_counter()
    result = evaluate(policy, d, model=model)
    return time.perf_counter() - start, result.checks[0].status.value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--measures", nargs="+", default=["reliance", "metric"])
    args = parser.parse_args()
    for measure in args.measures:
        for k in args.inputs:
            seconds, status = case(k, measure)
            per = seconds / (k + 1)
            print(f"{measure:8s} {k + 1:4d} inputs: {seconds:7.1f} s ({per:.2f} s/input) {status}")


if __name__ == "__main__":
    main()
