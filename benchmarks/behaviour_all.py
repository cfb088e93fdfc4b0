"""The behaviour-check and multiclass benchmarks as one section of RESULTS.md: each script
(behaviour_importance.py, behaviour_robustness.py, behaviour_slices.py, multiclass_speed.py,
behaviour_multiclass.py)
runs in its own process at one size, and its printed table is kept as it printed it.

    python benchmarks/behaviour_all.py [--rows 1000000]   (run_all.py calls `section`)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: (script, what it measures)
SCRIPTS = (
    ("behaviour_importance.py", "type: importance (permutation and shap) added to a run"),
    ("behaviour_robustness.py", "type: robustness (noise, monotonic, counterfactual) added"),
    ("behaviour_slices.py", "type: slices (one- and two-feature slices, BH) added"),
    ("multiclass_speed.py", "a 3-class model against a binary one, same policy shape"),
    ("behaviour_multiclass.py", "the three behaviour checks on a 3-class model"),
)


def run_script(script: str, rows: int, data_dir: Path, timeout: float) -> tuple[str, float]:
    """(what the script printed, its wall seconds); a failure's output says it failed."""
    cmd = [sys.executable, str(HERE / script), "--rows", str(rows), "--data-dir", str(data_dir)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE)]))
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return f"FAILED: over the {timeout:g} s timeout", time.perf_counter() - start
    wall = time.perf_counter() - start
    if done.returncode != 0:
        return f"FAILED (exit {done.returncode}):\n{done.stdout}{done.stderr[-3000:]}", wall
    return done.stdout.rstrip(), wall


def section(rows: int, data_dir: Path, timeout: float) -> tuple[str, bool]:
    """The Markdown section, and whether every script ran."""
    load = os.getloadavg()[0]
    out = [
        "## Behaviour checks and multiclass (benchmarks/behaviour_all.py)",
        "",
        f"{rows:,} rows; each script in its own process, each `model-gate check` in a fresh "
        f"process with and without the check (load average {load:.1f} at the start). The "
        "stated budget is 30 s added per behaviour check at its defaults.",
    ]
    ok = True
    for script, what in SCRIPTS:
        printed, wall = run_script(script, rows, data_dir, timeout)
        ok = ok and not printed.startswith("FAILED")
        out += ["", f"### `{script}`: {what} ({wall:.0f} s in all)", "", "```", printed, "```"]
    return "\n".join(out) + "\n", ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per script")
    opts = parser.parse_args(argv)
    text, ok = section(opts.rows, opts.data_dir, opts.timeout)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
