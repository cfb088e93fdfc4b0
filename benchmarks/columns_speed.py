"""Time `profile_columns` on a 1M-row x 22-column batch, from pandas and from Arrow.

The frame mirrors the benchmark data of issue 9: 14 float columns (some with NaN), 4 integer
columns, 4 string columns (2 low-cardinality, 1 of a few hundred values, 1 boolean).
Usage: python benchmarks/columns_speed.py [ROWS] [REPEATS]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from gate.engine.columns import profile_columns


def frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for i in range(14):
        x = rng.normal(size=rows)
        if i % 2:
            x = rng.lognormal(0, 1.5, rows) * rng.choice([-1, 1], rows)
        if i % 3 == 0:
            x[rng.random(rows) < 0.05] = np.nan
        data[f"f{i}"] = x
    for i in range(4):
        data[f"i{i}"] = rng.integers(0, 10 ** (i + 2), rows)
    data["sex"] = rng.choice(["female", "male"], rows)
    data["race"] = rng.choice(["a", "b", "c", "d", "e"], rows)
    data["city"] = rng.choice([f"city-{k}" for k in range(300)], rows)
    data["flag"] = rng.random(rows) < 0.3
    return pd.DataFrame(data)


def best(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall time and best CPU time (the machine may be shared: CPU time is the steadier)."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    df = frame(rows)
    table = pa.Table.from_pandas(df, preserve_index=False)
    cats = df.astype({c: "category" for c in ("sex", "race", "city")})
    print(
        f"{rows:,} rows x {df.shape[1]} columns, best of {repeats} (load {os.getloadavg()[0]:.1f})"
    )
    for label, batch in (("pandas", df), ("pandas+category", cats), ("arrow", table)):
        wall, cpu = best(lambda b=batch: profile_columns(b), repeats)
        print(f"  {label:16s} wall {wall:.3f} s   cpu {cpu:.3f} s")
    per = {name: best(lambda n=name: profile_columns(table.select([n])), repeats)[1] for name in df}
    slow = sorted(per.items(), key=lambda kv: -kv[1])[:6]
    print("  slowest arrow columns (cpu): " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in slow))


if __name__ == "__main__":
    main()
