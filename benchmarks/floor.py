"""Case (a), the floor: read the Parquet file with pyarrow and call predict_proba, nothing else.

Run in a fresh process by run_all.py, so the imports count. Every column is read (the gate
needs all of them); the model sees its own input columns. Prints one JSON line.

    python benchmarks/floor.py table|stream MODEL.skops DATA.parquet
"""

from __future__ import annotations

import json
import sys

import pyarrow.parquet as pq
import skops.io as sio

BATCH_ROWS = 65_536


def load(model_path: str):
    """The model, trusting what skops reports for a file the benchmark built itself."""
    return sio.load(model_path, trusted=sio.get_untrusted_types(file=model_path))


def whole_table(model, data_path: str) -> tuple[int, float]:
    """Read the whole file into memory, then score every row at once."""
    table = pq.read_table(data_path)
    inputs = list(model.feature_names_in_)
    scores = model.predict_proba(table.select(inputs).to_pandas())[:, 1]
    return table.num_rows, float(scores.sum())


def streaming(model, data_path: str) -> tuple[int, float]:
    """Read record batches and score each; nothing row-sized outlives its batch."""
    inputs = list(model.feature_names_in_)
    rows, total = 0, 0.0
    for batch in pq.ParquetFile(data_path).iter_batches(batch_size=BATCH_ROWS):
        scores = model.predict_proba(batch.select(inputs).to_pandas())[:, 1]
        rows += batch.num_rows
        total += float(scores.sum())
    return rows, total


def main(argv: list[str]) -> int:
    mode, model_path, data_path = argv
    run = {"table": whole_table, "stream": streaming}[mode]
    rows, total = run(load(model_path), data_path)
    print(json.dumps({"rows": rows, "mean_score": total / rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
