"""Time `model-gate check` with a robustness check against the same run without it.

Data: benchmarks/datagen.py's seeded file (default 1M rows x 22 columns). Model: a
HistGradientBoostingClassifier on the 17 numeric inputs, `segment` and `sex` (so the
counterfactual has a sensitive input to probe), trained on datagen's training stream and saved
with skops. The robustness check: default noise on every numeric input (±5% of its standard
deviation, 3 draws per row), a monotonicity probe on f01 (10 grid points) and a counterfactual
on sex, at the default sizes (10,000 rows probed from the profile's 200,000-row sample).
Each case runs in a fresh process (benchmarks/measure.py): wall time and peak RSS.

Usage: python benchmarks/behaviour_robustness.py [--rows 1M] [--data-dir DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datagen
import measure

ROOT = Path(__file__).resolve().parents[1]
INPUTS = [*datagen.NUMERIC, datagen.CATEGORY, "sex"]
BASE = """\
version: 1
data: {label: label, positive_label: 1, sensitive: [sex, race]}
checks:
  - {id: auc-floor, type: performance, metric: roc_auc, min: 0.6}
"""
ROBUSTNESS = """\
  - id: robustness
    type: robustness
    features:
      f01: {monotonic: increasing}
    noise: {std: 0.05}
    counterfactual: [sex]
    max_flip_rate: 0.05
    max_score_change: 0.5
"""


def ensure_model(data_dir: Path) -> Path:
    """The gradient-boosting model (reused when present)."""
    path = data_dir / f"hgb-sex-v{datagen.GENERATOR_VERSION}.skops"
    if path.exists():
        return path
    import skops.io as sio
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    train = datagen.chunk(datagen.TRAIN_ROWS, 0).to_pandas()
    categories = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
    )
    prepare = ColumnTransformer(
        [("categories", categories, [datagen.CATEGORY, "sex"])], remainder="passthrough"
    )
    boost = HistGradientBoostingClassifier(categorical_features=[0, 1], random_state=0)
    model = Pipeline([("prepare", prepare), ("boost", boost)]).fit(train[INPUTS], train["label"])
    data_dir.mkdir(parents=True, exist_ok=True)
    sio.dump(model, path)
    return path


def case(args: argparse.Namespace, work: Path, data: Path, model: Path, with_check: bool):
    policy = work / ("with.yaml" if with_check else "without.yaml")
    policy.write_text(BASE + (ROBUSTNESS if with_check else ""))
    out = work / policy.stem
    cmd = [sys.executable, "-m", "gate", "check", "--policy", str(policy), "--data", str(data)]
    cmd += ["--model", str(model), "--output-dir", str(out)]
    for name in datagen.untrusted_types(model):  # we built the file
        cmd += ["--trust-type", name]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    limits = {"timeout": 1800, "mem_cap_bytes": 6 << 30, "address_space_bytes": 64 << 30}
    runs = [measure.run(cmd, env=env, cwd=work, **limits) for _ in range(args.repeat)]
    for r in runs:
        if r.outcome != "ok":
            raise SystemExit(f"{policy.name}: {r.outcome}\n{r.stderr[-2000:]}")
    report = json.loads((out / "report.json").read_text())
    return runs, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="1M")
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parent / "data")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    rows = int(float(args.rows.upper().replace("M", "e6").replace("K", "e3")))
    data, model = datagen.ensure_data(args.data_dir, rows), ensure_model(args.data_dir)
    print(f"{rows:,} rows x 22 columns, HistGradientBoostingClassifier (skops), load "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        without, _ = case(args, Path(tmp), data, model, with_check=False)
        with_, report = case(args, Path(tmp), data, model, with_check=True)
    check = next(c for c in report["checks"] if c["id"] == "robustness")
    best = (min(r.wall for r in without), min(r.wall for r in with_))
    print(f"| run | wall s (best of {args.repeat}) | peak RSS MB |")
    print("|---|---|---|")
    print(f"| without robustness | {best[0]:.1f} | {max(r.peak_rss_mb for r in without):.0f} |")
    print(f"| with robustness | {best[1]:.1f} | {max(r.peak_rss_mb for r in with_):.0f} |")
    print(f"robustness adds {best[1] - best[0]:.1f} s; sample {check['sample']}")
    kinds = {}
    for p in check["perturbations"]:
        kinds[p["probe"]] = kinds.get(p["probe"], 0) + 1
    print(f"probes {kinds}; status {check['status']}: {check['message'][:300]}")


if __name__ == "__main__":
    main()
