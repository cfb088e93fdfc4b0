"""Time `profile_columns` on 1M rows x 22 numeric columns: 11 continuous, 11 small-integer.

The per-batch cost of the exact distinct-value table (issue 10): continuous columns pass the cap
in their first values and skip it; small-integer columns keep it.
Usage: python benchmarks/exact_table_speed.py [ROWS] [REPEATS]
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd

from benchmarks.columns_speed import best
from gate.engine.columns import profile_columns


def frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {}
    for i in range(11):
        x = rng.normal(size=rows) if i % 2 else rng.lognormal(0, 1.5, rows)
        if i % 3 == 0:
            x[rng.random(rows) < 0.05] = np.nan
        data[f"f{i}"] = x
    for i in range(11):
        data[f"i{i}"] = rng.integers(0, 3 + 10 * i, rows)
    return pd.DataFrame(data)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    df = frame(rows)
    print(f"{rows:,} rows x 22 numeric columns, best of {repeats} (load {os.getloadavg()[0]:.1f})")
    wall, cpu = best(lambda: profile_columns(df), repeats)
    print(f"  profile_columns  wall {wall:.3f} s   cpu {cpu:.3f} s")


if __name__ == "__main__":
    main()
