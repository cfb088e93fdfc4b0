"""What a `type: slices` check costs: `model-gate check` on N rows (default 1M) of the
benchmark data (benchmarks/datagen.py: 22 columns; the model takes its 18 inputs) and a
HistGradientBoostingClassifier saved with skops, with and without a slices check at its default
sizes (the whole row sample of up to 200,000 rows, 5 bins, depth 2, min_size 100).

    python benchmarks/behaviour_slices.py [--rows 1000000] [--data-dir DIR] [--repeat 1]

Prints a Markdown table: wall time and peak RSS of each run, the rows the check probed and the
slices it tested (from report.json). Each run is a fresh process (benchmarks/measure.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datagen  # noqa: E402
import measure  # noqa: E402

BASE = """
version: 1
name: slices-benchmark
data: {label: label, positive_label: 1, threshold: 0.5}
checks:
  - id: accuracy-floor
    type: performance
    metric: accuracy
    min: 0.6
    confidence: 0.95
"""
SLICES = """
  - id: weakest-slices
    type: slices
    metric: accuracy
    min: 0.6
"""


def hgb_model(work: Path) -> Path:
    """A HistGradientBoostingClassifier on the training stream of datagen (its 18 inputs;
    `segment` ordinal-encoded as a categorical feature), saved with skops; reused."""
    path = work / f"hgb-v{datagen.GENERATOR_VERSION}.skops"
    if path.exists():
        return path
    import skops.io as sio
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    train = datagen.chunk(datagen.TRAIN_ROWS, 0).to_pandas()
    prepare = ColumnTransformer(
        [("segment", OrdinalEncoder(), [datagen.CATEGORY])], remainder="passthrough"
    )
    classify = HistGradientBoostingClassifier(categorical_features=[0], random_state=0)
    model = Pipeline([("prepare", prepare), ("classify", classify)])
    model.fit(train[datagen.FEATURES], train[datagen.LABEL])
    work.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.partial")
    sio.dump(model, partial)
    partial.replace(path)
    return path


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data", help="the data file")
    parser.add_argument("--work-dir", type=Path, default=HERE / "data", help="the model file")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--mem-cap-gb", type=float, default=6.0)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    opts = arguments(argv)
    data = datagen.ensure_data(opts.data_dir, opts.rows)
    model = hgb_model(opts.work_dir)
    trust = [a for t in datagen.untrusted_types(model) for a in ("--trust-type", t)]
    print(f"| {opts.rows:,} rows | wall s (median of {opts.repeat}) | peak RSS MB | probed |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for case, body in (("without slices", BASE), ("with slices", BASE + SLICES)):
            policy = Path(tmp) / f"{case.replace(' ', '-')}.yaml"
            policy.write_text(body.lstrip())
            out = Path(tmp) / case.replace(" ", "-")
            cmd = [sys.executable, "-m", "gate", "check", "--policy", str(policy), "--model"]
            cmd += [str(model), "--data", str(data), "--output-dir", str(out), *trust]
            runs = [_run(cmd, opts) for _ in range(opts.repeat)]
            if any(r.outcome != "ok" for r in runs):
                print(f"| {case} | {runs[-1].outcome}: {runs[-1].stderr[-300:]!r} | | |")
                return 1
            walls = sorted(r.wall for r in runs)
            peak = max(r.peak_rss_mb for r in runs)
            print(f"| {case} | {walls[len(walls) // 2]:.2f} | {peak:,.0f} | {_probed(out)} |")
    return 0


def _run(cmd: list[str], opts: argparse.Namespace) -> measure.Run:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent), "MODEL_GATE_PROGRESS_INTERVAL": "86400"}
    cap = int(opts.mem_cap_gb * 2**30)
    return measure.run(
        cmd,
        timeout=opts.timeout,
        mem_cap_bytes=cap,
        address_space_bytes=cap * 4,
        env=env,
        cwd=HERE.parent,
    )


def _probed(out: Path) -> str:
    """'200,000 of 200,000 rows, 14,561 slices tested, 0 reported' from report.json."""
    checks = json.loads((out / "report.json").read_text())["checks"]
    found = [c for c in checks if c["type"] == "slices"]
    if not found:
        return "—"
    s = found[0]["sample"]
    return (
        f"{s['rows']:,} of {s['of']:,} sampled rows, {s['slices_tested']:,} slices tested, "
        f"{s['slices_reported']:,} reported ({found[0]['status']})"
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
