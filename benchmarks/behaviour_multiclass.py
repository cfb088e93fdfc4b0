"""The cost of the behaviour checks on a multiclass model: `model-gate check` on N rows
(default 1M) x 22 columns (datagen.py) plus a three-class label (multiclass_speed.py), with a
three-class HistGradientBoostingClassifier on 18 inputs saved with skops, and one behaviour
check at a time at its defaults.

Cases, each a fresh process (imports counted), the median of --repeat runs:
  base         an accuracy check with an interval (the one pass, --resamples resamples)
  permutation  base + importance, method: permutation (5,000 sampled rows, 5 repeats, log_loss,
               its bootstrap of --resamples)
  shap         base + importance, method: shap (TreeExplainer on the same 5,000 rows; the sum
               over the classes of mean |SHAP|)
  robustness   base + robustness at its defaults (10,000 rows, relative noise on every numeric
               input, 5 repeats: flips of the predicted class, largest class-probability change)
  slices       base + slices, accuracy over one- and two-feature slices of 6 columns (the
               profile's whole row sample, 200,000 rows)

Measured 2026-11-25 on the shared 2-core dev machine under heavy load (load average 8-13, so
the differences are within noise of a few tens of seconds), 1M rows, 1 run each: base 83.5 s,
permutation +22.0 s, shap +11.3 s, robustness +6.3 s, slices -16.3 s (i.e. lost in the noise).

    python benchmarks/behaviour_multiclass.py [--rows 1000000] [--repeat 1] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import datagen
import measure
import pyarrow.parquet as pq
from multiclass_speed import CLASS, with_classes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INPUTS = [*datagen.NUMERIC, datagen.EXTRA]
BASE = f"""version: 1
data: {{label: {CLASS}, task: multiclass_classification, sensitive: [sex]}}
checks:
  - {{id: accuracy-floor, type: performance, metric: accuracy, min: 0.3, confidence: 0.95}}
"""
CASES = {
    "base": "",
    "permutation": "  - {id: reliance, type: importance, protected: [f01], max_rank: 5}\n",
    "shap": "  - {id: reliance, type: importance, method: shap, protected: [f01], max_rank: 5}\n",
    "robustness": "  - {id: robust, type: robustness, max_flip_rate: 0.5}\n",
    "slices": (
        "  - {id: weak, type: slices, metric: accuracy, min: 0.3,"
        " features: [f01, f02, f03, segment, sex, race]}\n"
    ),
}


def ensure_model(data: Path, work: Path) -> Path:
    """A three-class HistGradientBoostingClassifier on TRAIN_ROWS rows, saved with skops."""
    path = work / "hgb-multiclass.skops"
    if path.exists():
        return path
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier

    train = pq.read_table(data).slice(0, datagen.TRAIN_ROWS).to_pandas()
    model = HistGradientBoostingClassifier(max_iter=100, random_state=0)
    sio.dump(model.fit(train[INPUTS], train[CLASS]), path)
    return path


def run_case(policy: Path, model: Path, data: Path, resamples: int, work: Path) -> measure.Run:
    trust = [a for t in datagen.untrusted_types(model) for a in ("--trust-type", t)]
    cmd = [
        sys.executable, "-m", "gate", "check", "--policy", str(policy), "--model", str(model),
        "--data", str(data), "--output-dir", str(work / "out"), "--resamples", str(resamples),
        "--no-progress", *trust,
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return measure.run(
        cmd, timeout=3600, mem_cap_bytes=8 << 30, address_space_bytes=64 << 30, env=env, cwd=work
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    opts = parser.parse_args(argv)
    source = datagen.ensure_data(opts.data_dir, opts.rows)
    data = opts.data_dir / f"multiclass-{opts.rows}.parquet"
    with_classes(source, data)
    model = ensure_model(data, opts.data_dir)
    print(
        f"{opts.rows:,} rows; model: 3-class HistGradientBoosting on {len(INPUTS)} inputs; "
        f"{opts.resamples} resamples; load average {os.getloadavg()[0]:.1f}"
    )
    walls: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for case, check in CASES.items():
            policy = work / f"{case}.yaml"
            policy.write_text(BASE + check)
            runs = [run_case(policy, model, data, opts.resamples, work) for _ in range(opts.repeat)]
            bad = [r for r in runs if r.outcome != "ok"]
            if bad:
                print(f"{case}: {bad[0].outcome}\n{bad[0].stderr[-2000:]}")
                return 1
            walls[case] = sorted(r.wall for r in runs)[len(runs) // 2]
            added = f" ({walls[case] - walls['base']:+.1f} s)" if case != "base" else ""
            peak = max(r.peak_rss_mb for r in runs)
            print(f"{case:12s} {walls[case]:7.1f} s{added}  peak RSS {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
