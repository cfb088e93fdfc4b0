"""Benchmark inputs: a seeded N-row x 22-column Parquet file and a logistic-regression model.

The file is written in chunks of CHUNK_ROWS with pyarrow's ParquetWriter (one row group per
chunk), so 10M rows never sit in memory at once. Chunk i draws from its own seeded stream, so
the same N and GENERATOR_VERSION always give the same file; both are in the file name, and a
file already present is reused.

Columns: 17 numeric model inputs (f01..f17), one categorical model input (`segment`, 20 values),
two sensitive attributes the model does not take (`sex`, `race`, strings with a few missing),
the binary `label`, and `income_reported` (numeric, ~5 % missing, not a model input).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

GENERATOR_VERSION = 1
SEED = 20261124
CHUNK_ROWS = 262_144
TRAIN_ROWS = 50_000
NUMERIC = [f"f{i:02d}" for i in range(1, 18)]
CATEGORY = "segment"
SEGMENTS = [f"seg_{i:02d}" for i in range(20)]
SENSITIVE = ("sex", "race")
SEXES = ["female", "male"]
RACES = ["Asian", "Black", "Hispanic", "White", "Other"]
LABEL = "label"
EXTRA = "income_reported"
FEATURES = [*NUMERIC, CATEGORY]
COLUMNS = [*NUMERIC, CATEGORY, *SENSITIVE, LABEL, EXTRA]
# The label's dependence on each numeric feature; a few features carry no signal at all.
WEIGHTS = np.array([0.8, -0.6, 0.5, 0.4, -0.35, 0.3, 0.25, -0.2, 0.15, 0.1, 0.05] + [0.0] * 6)
SEGMENT_EFFECT = np.linspace(-0.6, 0.6, len(SEGMENTS))


def chunk(rows: int, stream: int) -> pa.Table:
    """`rows` rows drawn from the seeded stream number `stream`."""
    rng = np.random.default_rng([SEED, stream])
    normal = rng.standard_normal((rows, 11))
    counts = rng.poisson(2.0, (rows, 3)).astype(np.float64)
    skewed = rng.lognormal(0.0, 0.7, (rows, 3))
    x = np.round(np.hstack([normal, counts, skewed]), 4)
    segment = rng.integers(0, len(SEGMENTS), rows)
    sex = rng.integers(0, len(SEXES), rows)
    race = rng.choice(len(RACES), rows, p=[0.07, 0.13, 0.18, 0.58, 0.04])
    standardised = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-9)
    # A small direct effect of sex and race: the data are not perfectly fair, as real data.
    logit = (
        -0.9
        + standardised @ WEIGHTS
        + SEGMENT_EFFECT[segment]
        + 0.15 * (sex == 1)
        - 0.1 * (race == 1)
    )
    label = (rng.uniform(size=rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    income = np.round(rng.lognormal(10.6, 0.5, rows), -2)
    columns = {name: pa.array(x[:, i]) for i, name in enumerate(NUMERIC)}
    columns[CATEGORY] = _strings(segment, SEGMENTS, np.zeros(rows, dtype=bool))
    columns["sex"] = _strings(sex, SEXES, rng.uniform(size=rows) < 0.002)
    columns["race"] = _strings(race, RACES, rng.uniform(size=rows) < 0.003)
    columns[LABEL] = pa.array(label)
    columns[EXTRA] = pa.array(income, mask=rng.uniform(size=rows) < 0.05)
    return pa.table(columns)


def _strings(codes: np.ndarray, names: list[str], missing: np.ndarray) -> pa.Array:
    """A plain string column from integer codes, null where `missing`."""
    indices = pa.array(codes.astype(np.int32), mask=missing)
    return pa.DictionaryArray.from_arrays(indices, pa.array(names)).cast(pa.string())


def data_path(data_dir: Path, rows: int) -> Path:
    return data_dir / f"bench-v{GENERATOR_VERSION}-{rows}.parquet"


def ensure_data(data_dir: Path, rows: int) -> Path:
    """The cached file of `rows` rows, written first if absent (atomically: temp + rename)."""
    path = data_path(data_dir, rows)
    if path.exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.partial")
    writer = None
    try:
        for stream, start in enumerate(range(0, rows, CHUNK_ROWS)):
            table = chunk(min(CHUNK_ROWS, rows - start), stream + 1)
            if writer is None:
                writer = pq.ParquetWriter(partial, table.schema)
            writer.write_table(table, row_group_size=CHUNK_ROWS)
    finally:
        if writer is not None:
            writer.close()
    partial.replace(path)
    return path


def model_path(data_dir: Path) -> Path:
    return data_dir / f"model-v{GENERATOR_VERSION}.skops"


def ensure_model(data_dir: Path) -> Path:
    """A LogisticRegression on TRAIN_ROWS rows of the same distribution (stream 0, never used
    by an evaluation file), saved with skops; reused when present."""
    path = model_path(data_dir)
    if path.exists():
        return path
    import skops.io as sio
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train = chunk(TRAIN_ROWS, 0).to_pandas()
    prepare = ColumnTransformer(
        [
            ("numeric", StandardScaler(), NUMERIC),
            ("segment", OneHotEncoder(handle_unknown="ignore"), [CATEGORY]),
        ]
    )
    model = Pipeline([("prepare", prepare), ("classify", LogisticRegression(max_iter=1000))])
    model.fit(train[FEATURES], train[LABEL])
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.partial")
    sio.dump(model, partial)
    partial.replace(path)
    return path


def untrusted_types(path: Path) -> list[str]:
    """The types of the model file skops does not trust by default (we built the file)."""
    import skops.io as sio

    return sorted(sio.get_untrusted_types(file=path))
