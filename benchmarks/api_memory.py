"""The Python API on files and on in-memory objects (run by hand; not a timed test).

`python benchmarks/api_memory.py [--rows N] [--runs K]`: on the benchmark data and model
(datagen.py) under benchmarks/policy.yaml, times in one process `evaluate()` on the Parquet
file and the skops file, on the same rows as a pandas DataFrame and a pyarrow Table with the
fitted estimator, and the canonical digest of the in-memory data alone; each the median of K
runs. The checks' values must agree across the three, or the script exits non-zero. Reading the
file into memory is not timed (a notebook already holds the frame).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import datagen  # noqa: E402


def median_seconds(work: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of `runs` calls, and the last call's value."""
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    import pyarrow.parquet as pq
    import skops.io as sio

    from gate import evaluate
    from gate.inputs.frames import table_digest

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    opts = parser.parse_args()
    data = datagen.ensure_data(opts.data_dir, opts.rows)
    model_file = datagen.ensure_model(opts.data_dir)
    table = pq.read_table(data)
    frame = table.to_pandas()
    model = sio.load(model_file, trusted=datagen.untrusted_types(model_file))
    policy = HERE / "policy.yaml"
    cases = {
        "files (Parquet + skops)": lambda: evaluate(policy, data, model=model_file),
        "pandas DataFrame + estimator": lambda: evaluate(policy, frame, model=model),
        "pyarrow Table + estimator": lambda: evaluate(policy, table, model=model),
    }
    values = {}
    print(f"{opts.rows:,} rows x {table.num_columns} columns, median of {opts.runs} run(s)")
    for name, work in cases.items():
        seconds, result = median_seconds(work, opts.runs)
        values[name] = [c.value for c in result.checks]
        print(f"  evaluate on {name:30} {seconds:7.2f} s  ({result.decision})")
    seconds, _ = median_seconds(lambda: table_digest(table), opts.runs)
    print(f"  of which the in-memory data's digest       {seconds:7.2f} s")
    if len({repr(v) for v in values.values()}) != 1:
        sys.exit(f"the check values differ: {values}")


if __name__ == "__main__":
    main()
