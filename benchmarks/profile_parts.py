"""Cost of the profile's optional parts: the streaming pass (local backend, the candidate model
bound) over the benchmark's N-row x 22-column Parquet file with row hashes, output columns and
per-group columns each off and on; and the memory the row hashes hold at 10M rows.

Each case runs in a fresh process (benchmarks/measure.py: wall time and that process's peak RSS);
the pass time is the best of REPEAT passes inside it.
Usage: python benchmarks/profile_parts.py [--rows 1000000] [--repeat 3] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import datagen  # noqa: E402
import measure  # noqa: E402

CASES = {
    "off": {},
    "hash_columns": {"hash_columns": True},
    "output_columns": {"output_columns": True},
    "group_columns": {"group_columns": ("*",)},
    "all three": {"hash_columns": True, "output_columns": True, "group_columns": ("*",)},
}
HASH_ROWS = 10_000_000


def pass_case(case: str, data: str, model_file: str, repeat: int) -> None:
    """In the child: the best of `repeat` streaming passes with the case's settings."""
    import skops.io as sio

    from gate.backends import local
    from gate.backends.profiling import Plan
    from gate.engine.metrics import Task
    from gate.inputs.data import DataSource
    from gate.inputs.models import LoadedModel, SklearnModel
    from gate.policy.model import DataBinding

    estimator = sio.load(model_file, trusted=sio.get_untrusted_types(file=model_file))
    model = LoadedModel(SklearnModel(estimator), model_file, "0" * 64, "skops")
    binding = DataBinding(
        label=datagen.LABEL, sensitive=datagen.SENSITIVE, features=tuple(datagen.FEATURES)
    )
    plan = Plan(binding, Task.BINARY, model, features=datagen.SENSITIVE, **CASES[case])
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        profile = local.run(plan, DataSource(data))
        best = min(best, time.perf_counter() - start)
    held = profile.hashes.key.nbytes * 3 if profile.hashes is not None else 0
    print(f"pass {best:.3f} s, {profile.rows} rows, hashes hold {held} bytes")


def hash_memory(rows: int) -> None:
    """In the child: `rows` distinct rows (the worst case) hashed batch by batch into RowHashes."""
    import numpy as np

    from gate.engine.row_hashes import RowHashes
    from gate.engine.sample import mix
    from gate.inputs.data import BATCH_ROWS

    start = time.perf_counter()
    total = None
    for offset in range(0, rows, BATCH_ROWS):
        numbers = np.arange(offset, min(rows, offset + BATCH_ROWS), dtype=np.int64)
        part = RowHashes.from_pairs(("k",), mix(numbers), mix(numbers % 2))
        total = part if total is None else total + part
    assert total is not None
    held = total.key.nbytes + total.label.nbytes + total.count.nbytes
    print(
        f"hashed {rows} rows in {time.perf_counter() - start:.2f} s: {len(total.key)} pairs kept "
        f"(sampled: {total.sampled}), {held} bytes = {held / rows:.1f} bytes per row"
    )


def child(cmd: list[str], timeout: float = 3600) -> measure.Run:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return measure.run(
        cmd,
        timeout=timeout,
        mem_cap_bytes=6 * 1024**3,
        address_space_bytes=64 * 1024**3,
        env=env,
        cwd=ROOT,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--hash-rows", type=int, default=HASH_ROWS)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "hashes":
            hash_memory(int(rest[0]))
        else:
            pass_case(kind, rest[0], rest[1], int(rest[2]))
        return
    data = datagen.ensure_data(args.data_dir, args.rows)
    model = datagen.ensure_model(args.data_dir)
    print(f"{args.rows:,} rows x 22 columns, best of {args.repeat} passes, local backend")
    print(f"load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print("| case | pass (s) | peak RSS (MB) |")
    print("|---|---:|---:|")
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    for case in CASES:
        run = child([*me, case, str(data), str(model), str(args.repeat)])
        if run.outcome != "ok":
            print(f"| {case} | {run.outcome}: {run.stderr.strip()[-300:]} | |")
            continue
        seconds = run.stdout.split()[1]
        print(f"| {case} | {seconds} | {run.peak_rss_mb:,.0f} |")
    run = child([*me, "hashes", str(args.hash_rows)])
    print(f"row hashes, {args.hash_rows:,} distinct rows: {run.stdout.strip()}")
    print(f"  peak RSS of that process: {run.peak_rss_mb:,.0f} MB ({run.outcome})")


if __name__ == "__main__":
    main()
