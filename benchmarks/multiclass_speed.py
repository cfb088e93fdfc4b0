"""Multiclass against binary on the same rows: `model-gate check` wall time on the benchmark
file (benchmarks/datagen.py, default 1M rows x 22 columns) with a three-class label drawn from
the same features, a multinomial LogisticRegression (skops) and a policy of averaged label
metrics with intervals, one-vs-rest roc_auc, log_loss with an interval and a per-class fairness
check — next to the binary policy of the same shape on the binary label and model.

    python benchmarks/multiclass_speed.py [--rows 1000000] [--data-dir benchmarks/data]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import datagen

ROOT = Path(__file__).resolve().parents[1]
CLASS = "species"
MULTICLASS = {
    "version": 1,
    "data": {"label": CLASS, "task": "multiclass_classification", "sensitive": ["sex"]},
    "checks": [
        {"id": "f1", "type": "performance", "metric": "f1", "min": 0.1, "confidence": 0.95},
        {"id": "acc", "type": "performance", "metric": "accuracy", "min": 0.1, "confidence": 0.95},
        {"id": "auc", "type": "performance", "metric": "roc_auc", "min": 0.5},
        {"id": "ll", "type": "performance", "metric": "log_loss", "max": 5, "confidence": 0.95},
        {
            "id": "rate",
            "type": "fairness",
            "metric": "selection_rate",
            "class": "b",
            "aggregate": "ratio",
            "min": 0.1,
        },
    ],
}
BINARY = {
    "version": 1,
    "data": {"label": datagen.LABEL, "sensitive": ["sex"]},
    "checks": [
        {"id": "f1", "type": "performance", "metric": "f1", "min": 0.1, "confidence": 0.95},
        {"id": "acc", "type": "performance", "metric": "accuracy", "min": 0.1, "confidence": 0.95},
        {"id": "auc", "type": "performance", "metric": "roc_auc", "min": 0.5},
        {"id": "ll", "type": "performance", "metric": "log_loss", "max": 5, "confidence": 0.95},
        {
            "id": "rate",
            "type": "fairness",
            "metric": "selection_rate",
            "aggregate": "ratio",
            "min": 0.1,
        },
    ],
}


def with_classes(source: Path, target: Path) -> None:
    """The benchmark file plus a three-class label from two of its features (seeded noise)."""
    if target.exists():
        return
    rng = np.random.default_rng(datagen.SEED)
    writer = None
    for batch in pq.ParquetFile(source).iter_batches(datagen.CHUNK_ROWS):
        table = pa.Table.from_batches([batch])
        f1, f2 = (table.column(c).to_numpy() for c in ("f01", "f02"))
        noise = rng.normal(0, 0.8, len(f1))
        label = np.where(f1 + noise > 0.5, "c", np.where(f2 + noise > 0, "b", "a"))
        table = table.append_column(CLASS, pa.array(label))
        writer = writer or pq.ParquetWriter(target, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


def fitted(data: Path, target: Path) -> None:
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    if target.exists():
        return
    train = pq.read_table(data).slice(0, datagen.TRAIN_ROWS).to_pandas()
    model = LogisticRegression(max_iter=500).fit(train[datagen.NUMERIC], train[CLASS])
    sio.dump(model, target)


def timed(policy: dict, data: Path, model: Path, work: Path, name: str) -> float:
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(policy))
    args = ["check", "--policy", path, "--data", data, "--model", model]
    args += ["--output-dir", work / name, "--no-progress"]
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "gate", *map(str, args)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    seconds = time.perf_counter() - start
    if run.returncode not in (0, 1):
        raise SystemExit(run.stderr)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "mc-bench")
    opts = parser.parse_args()
    opts.work_dir.mkdir(parents=True, exist_ok=True)
    source = datagen.ensure_data(opts.data_dir, opts.rows)
    binary_model = datagen.ensure_model(opts.data_dir)
    data = opts.work_dir / f"multiclass-{opts.rows}.parquet"
    with_classes(source, data)
    model = opts.work_dir / "multiclass.skops"
    fitted(data, model)
    multi = timed(MULTICLASS, data, model, opts.work_dir, "multiclass")
    binary = timed(BINARY, data, binary_model, opts.work_dir, "binary")
    print(f"rows {opts.rows}: multiclass (3 classes) {multi:.1f} s, binary {binary:.1f} s")


if __name__ == "__main__":
    main()
