"""Start-up and end-to-end time of the CLI (run by hand: `make bench`; not a timed test).

Measures `model-gate --version` (which must not import the heavy libraries) and a full
`model-gate check` on the credit example, each as the median of several fresh processes.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "credit"


def median_seconds(args: list[str], runs: int, expect: int = 0) -> float:
    """Median wall time of `runs` fresh processes; each must exit with `expect` (a benchmark
    of a refusal or a crash would measure the wrong thing)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(args, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != expect:
            sys.exit(f"{' '.join(args)} exited {done.returncode}, not {expect}:\n{done.stderr}")
    return statistics.median(times)


def main() -> None:
    gate = [sys.executable, "-m", "gate"]
    bare = median_seconds([sys.executable, "-c", "pass"], 10)
    version = median_seconds([*gate, "--version"], 10)
    print(f"python -c pass           {bare * 1000:7.0f} ms (interpreter floor)")
    print(f"model-gate --version     {version * 1000:7.0f} ms")
    build = EXAMPLE / "build"
    if not (build / "candidate.skops").exists():
        subprocess.run([sys.executable, str(EXAMPLE / "generate.py"), str(build)], check=True)
    check = [
        *gate,
        "check",
        "--policy",
        str(EXAMPLE / "policy.yaml"),
        "--data",
        str(build / "eval.csv"),
        "--model",
        str(build / "candidate.skops"),
        "--baseline-model",
        str(build / "production.skops"),
        # generate.py built this gradient-boosting model here; skops distrusts its tree type
        "--trust-type",
        "sklearn.tree._tree.Tree",
    ]
    full = median_seconds(check, 3)
    print(
        f"check on credit example  {full * 1000:7.0f} ms (6,000 rows, 7 checks, "
        "1,000 bootstrap resamples)"
    )


if __name__ == "__main__":
    main()
