"""The cost of `type: importance` on a whole run: `model-gate check` on N rows (default 1M) x
22 columns (datagen.py) with a HistGradientBoostingClassifier saved with skops, with and without
an importance check.

Cases, each a fresh process (imports counted), the median of --repeat runs:
  base         benchmarks/policy.yaml's performance checks (the one pass, 1,000 resamples)
  permutation  base + an importance check, method: permutation at its defaults (5,000 rows of
               the profile's row sample, 5 repeats, roc_auc, bootstrap of --resamples)
  shap         base + an importance check, method: shap (TreeExplainer on the same 5,000 rows)
  stacked vs per-shuffle: the permutation itself in one process on those rows, the model called
               on stacked frames (gate.engine.importance) vs once per shuffle through
               scikit-learn's permutation_importance (what made the engine stack its calls)

Budget: at the defaults an importance check adds at most BUDGET_S seconds to the run, whatever
the data's size (it probes a fixed-size sample). Measured 2026-11-24 on the shared 2-core dev
machine (load average about 2), 1M rows: base 12.6 s, permutation +7.4 s, shap +6.5 s; the
permutation alone 6.7 s stacked vs 27.0 s per shuffle.

    python benchmarks/behaviour_importance.py [--rows 1000000] [--repeat 1] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import datagen
import measure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INPUTS = [*datagen.NUMERIC, datagen.EXTRA]  # 18 numeric inputs (income_reported has NaN)
BASE = """version: 1
data: {label: label, positive_label: 1, sensitive: [sex, race]}
checks:
  - {id: auc-floor, type: performance, metric: roc_auc, min: 0.6, confidence: 0.95}
  - {id: accuracy-floor, type: performance, metric: accuracy, min: 0.6, confidence: 0.95}
"""
BUDGET_S = 30.0  # added seconds allowed for one importance check at its defaults
IMPORTANCE = (
    "  - {id: reliance, type: importance, method: %s, protected: [sex, race],"
    " proxies: [f11], max_rank: 5, max_share: 0.2}\n"
)


def ensure_hgb(data_dir: Path) -> Path:
    """A HistGradientBoostingClassifier on TRAIN_ROWS rows (stream 0), saved with skops."""
    path = data_dir / f"hgb-v{datagen.GENERATOR_VERSION}.skops"
    if path.exists():
        return path
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier

    train = datagen.chunk(datagen.TRAIN_ROWS, 0).to_pandas()
    model = HistGradientBoostingClassifier(max_iter=100, random_state=0)
    model.fit(train[INPUTS], train[datagen.LABEL])
    partial = path.with_name(path.name + f".{os.getpid()}.partial")
    sio.dump(model, partial)
    partial.replace(path)
    return path


def run_case(policy: Path, model: Path, data: Path, resamples: int, work: Path) -> measure.Run:
    trust = [a for t in datagen.untrusted_types(model) for a in ("--trust-type", t)]
    cmd = [
        sys.executable, "-m", "gate", "check", "--policy", str(policy), "--model", str(model),
        "--data", str(data), "--output-dir", str(work / "out"), "--resamples", str(resamples),
        *trust,
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return measure.run(
        cmd, timeout=3600, mem_cap_bytes=8 << 30, address_space_bytes=64 << 30, env=env, cwd=work
    )


def stacked_vs_per_shuffle(model_path: Path, data: Path) -> tuple[float, float]:
    """Seconds for the permutation of 5,000 rows x 18 inputs x 5 repeats, both ways."""
    import pyarrow.parquet as pq
    import skops.io as sio
    from sklearn.inspection import permutation_importance

    from gate.engine.importance import permutation
    from gate.engine.metrics import METRICS

    model = sio.load(model_path, trusted=datagen.untrusted_types(model_path))
    frame = pq.read_table(data, columns=[*INPUTS, datagen.LABEL]).slice(0, 5000).to_pandas()
    X, y = frame[INPUTS], frame[datagen.LABEL].to_numpy()
    start = time.perf_counter()
    permutation(lambda f: model.predict_proba(f)[:, 1], X, y, None, METRICS["roc_auc"], 5, 0)
    stacked = time.perf_counter() - start
    start = time.perf_counter()
    permutation_importance(model, X, y, scoring="roc_auc", n_repeats=5, random_state=0)
    return stacked, time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    opts = parser.parse_args(argv)
    data = datagen.ensure_data(opts.data_dir, opts.rows)
    model = ensure_hgb(opts.data_dir)
    load = os.getloadavg()[0]
    print(
        f"{opts.rows:,} rows x {len(datagen.COLUMNS)} columns; model: HistGradientBoosting on "
        f"{len(INPUTS)} inputs; {opts.resamples} resamples; load average {load:.1f}"
    )
    walls = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for case in ("base", "permutation", "shap"):
            policy = work / f"{case}.yaml"
            policy.write_text(BASE + ("" if case == "base" else IMPORTANCE % case))
            runs = [run_case(policy, model, data, opts.resamples, work) for _ in range(opts.repeat)]
            bad = [r for r in runs if r.outcome != "ok"]
            if bad:
                print(f"{case}: {bad[0].outcome}\n{bad[0].stderr[-2000:]}")
                return 1
            walls[case] = sorted(r.wall for r in runs)[len(runs) // 2]
            peak = max(r.peak_rss_mb for r in runs)
            added = walls[case] - walls["base"] if case != "base" else 0.0
            verdict = "within" if added <= BUDGET_S else "OVER"
            extra = "" if case == "base" else f" (+{added:.1f} s, {verdict} budget {BUDGET_S:g} s)"
            print(f"{case:12s} {walls[case]:7.1f} s{extra}  peak RSS {peak:,.0f} MB")
    stacked, per_shuffle = stacked_vs_per_shuffle(model, data)
    print(f"permutation alone, 5,000 rows x {len(INPUTS)} inputs x 5 repeats: stacked calls "
          f"{stacked:.2f} s, scikit-learn's per-shuffle calls {per_shuffle:.2f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
