"""Row hashes, output columns and per-group columns on a real LocalCluster (2 worker processes,
127.0.0.1): the partitions' parts merge on the driver into the local backend's profile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import FEATURES, classification_frame, fit_classifier, profiles_match

from gate.backends import dask as dask_backend
from gate.backends import local
from gate.backends.profiling import ALL, Plan
from gate.engine.metrics import Task
from gate.inputs.data import DataSource
from gate.inputs.models import LoadedModel, SklearnModel
from gate.policy.model import DataBinding

ROWS = 3000


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dask-parts")
    rng = np.random.default_rng(11)
    data = classification_frame(ROWS, seed=4)
    data["race"] = rng.choice(["a", "b", "c"], ROWS)
    data["x1"] = np.round(data["x1"], 1)  # repeated rows: duplicates and conflicts to count
    data[["x2", "x3"]] = np.round(data[["x2", "x3"]], 0)
    data["note"] = np.where(rng.uniform(size=ROWS) > 0.2, rng.normal(size=ROWS), np.nan)
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), root / "e.parquet", 500)
    data.to_csv(root / "e.csv", index=False)
    return root


def plan(**settings) -> Plan:
    model = SklearnModel(fit_classifier(classification_frame(seed=1)))
    return Plan(
        DataBinding(label="y", sensitive=("sex", "race"), features=tuple(FEATURES)),
        Task.BINARY,
        LoadedModel(model, "m.skops", "0" * 64, "test"),
        features=("sex", "race"),
        **settings,
    )


@pytest.mark.parametrize("data", ["e.parquet", "e.csv"])
def test_dask_merges_every_part_into_the_local_profile(files: Path, dask_cluster, data: str):
    """Batches of a row group each (the score cells' float sums depend on the batching)."""
    full = plan(hash_columns=True, output_columns=True, group_columns=(ALL,))
    expected = local.run(full, DataSource(files / data), 500)
    got = dask_backend.run(
        full, DataSource(files / data), 500, None, dask_cluster.scheduler_address
    )
    assert profiles_match(got, expected)
    assert got.hashes == expected.hashes and got.hashes.rows == ROWS
    assert got.hashes.duplicate_rows().value > 0 and got.hashes.conflicting_rows().value > 0
    assert set(got.outputs) == {"score", "prediction"} and got.outputs["score"].count == ROWS
    assert set(got.group_columns[0]) == {*FEATURES, "note"}
    assert sum(c["note"].count for c in got.group_columns) == ROWS
