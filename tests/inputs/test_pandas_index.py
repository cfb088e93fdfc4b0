"""A Parquet file's pandas index is not data: `df[mask].to_parquet()` stores the filtered frame's
index as a column `__index_level_0__` (named in the file's pandas metadata), and a named index
under its name. Every reader leaves those columns out, so the drift check never compares the
index and the row hashes never include it (duplicates are found)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import run_cli, write_policy

from gate.backends import dask as dask_backend
from gate.backends import local
from gate.backends.profiling import Plan
from gate.engine.metrics import Task
from gate.inputs.data import DataSource, data_columns, load_data
from gate.policy.model import DataBinding

INDEX = "__index_level_0__"


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "c": rng.choice(["a", "b", "c"], n),
            "y": rng.integers(0, 2, n),
        }
    )


def filtered(tmp_path: Path, data: pd.DataFrame, name: str) -> Path:
    """What a user writes: a filtered frame saved with pandas' defaults."""
    path = tmp_path / name
    data.to_parquet(path, row_group_size=300)
    assert INDEX in pq.ParquetFile(path).schema_arrow.names  # the file does store the index
    return path


def test_the_stored_index_is_not_a_column_of_any_batch_nor_of_load_data(tmp_path: Path):
    data = frame(1000, 0)
    kept = data[data["x"] > -1]
    path = filtered(tmp_path, kept, "f.parquet")
    batches = list(DataSource(path).batches(250))
    assert all(b.table.schema.names == ["x", "c", "y"] for b in batches)
    assert all(list(b.frame.columns) == ["x", "c", "y"] for b in batches)
    expected = kept.reset_index(drop=True)
    assert pd.concat([b.frame for b in batches], ignore_index=True).equals(expected)
    assert load_data(path).frame.equals(expected)


def test_a_named_index_is_left_out_and_a_range_index_stores_nothing(tmp_path: Path):
    data = frame(50, 1)
    named = tmp_path / "named.parquet"
    data.set_index("c").to_parquet(named)
    assert list(load_data(named).frame.columns) == ["x", "y"]
    plain = tmp_path / "range.parquet"
    data.to_parquet(plain)  # a RangeIndex: a dict entry in the metadata, no column
    schema = pq.ParquetFile(plain).schema_arrow
    assert isinstance(schema.pandas_metadata["index_columns"][0], dict)
    assert data_columns(schema) is None
    assert load_data(plain).frame.equals(data)


def test_a_column_named_like_an_index_without_pandas_metadata_is_data(tmp_path: Path):
    table = pa.table({INDEX: [1, 2, 3], "x": [0.1, 0.2, 0.3]})  # no pandas metadata at all
    pq.write_table(table, tmp_path / "raw.parquet")
    assert list(load_data(tmp_path / "raw.parquet").frame.columns) == [INDEX, "x"]
    broken = table.replace_schema_metadata({b"pandas": b"{not json"})
    pq.write_table(broken, tmp_path / "broken.parquet")
    assert list(load_data(tmp_path / "broken.parquet").frame.columns) == [INDEX, "x"]


def test_dask_partitions_leave_the_index_out_too(tmp_path: Path):
    data = frame(1200, 2)
    path = filtered(tmp_path, data[data["x"] < 1.5], "f.parquet")
    plan = Plan(DataBinding(label="y"), Task.BINARY, needs_truth=False, hash_columns=True)
    got = dask_backend.run(plan, DataSource(path), 300)
    expected = local.run(plan, DataSource(path), 300)
    assert set(got.columns) == set(expected.columns) == {"x", "c", "y"}
    assert got.hashes == expected.hashes


QUALITY = """
    version: 1
    data: {label: y}
    checks:
      - {id: quality, type: data_quality, max_duplicate_share: 0.0}
      - {id: drift, type: drift}
"""


def test_duplicates_are_found_and_the_index_never_drifts(tmp_path: Path):
    """Reference and current are two halves of one frame, each filtered: the same distribution,
    disjoint index ranges; the current half repeats 40 of its rows."""
    data = frame(4000, 3)
    reference = data.iloc[:2000]
    current = data.iloc[2000:]
    current = pd.concat([current, current.iloc[:40]])
    ref = filtered(tmp_path, reference[reference["x"] > -3], "ref.parquet")
    cur = filtered(tmp_path, current[current["x"] > -3], "cur.parquet")
    pol = write_policy(tmp_path / "q.yaml", QUALITY)
    out = tmp_path / "out"
    run = run_cli("check", "--policy", pol, "--data", cur, "--reference", ref, "--output-dir", out)
    assert run.code in (0, 1), run.stderr
    report = json.loads((out / "report.json").read_text())
    checks = {c["id"]: c for c in report["checks"]}
    columns = {c["column"] for c in checks["drift"]["columns"]}
    assert columns == {"x", "c"}  # the label is a bound role; no index column
    # no column drifts (2,000 rows a side may leave a continuous column inconclusive: its
    # upper end sits near 0.1 there); the index column is not compared at all
    assert not [c for c in checks["drift"]["columns"] if c["drifted"]]
    rules = {r["rule"]: r for r in checks["quality"]["rules"]}
    kept = current[current["x"] > -3]
    assert rules["max_duplicate_share"]["value"] == pytest.approx(kept.duplicated().mean())
    assert rules["max_duplicate_share"]["value"] > 0
    assert checks["quality"]["status"] == "fail"
