"""The Dask backend on a real LocalCluster (2 worker processes, 127.0.0.1): the same report as
the local backend, user errors from workers as exit 2, the plan shipped once per worker."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import Client
from helpers import (
    FEATURES,
    ROOT,
    classification_frame,
    fit_classifier,
    profiles_match,
    run_cli,
    write_policy,
)

from gate.backends import dask as dask_backend
from gate.backends import dask_tasks, local
from gate.backends import run as run_backend
from gate.backends.profiling import Plan
from gate.engine.metrics import Task
from gate.errors import InputError, UsageError
from gate.inputs.data import DataSource
from gate.inputs.models import LoadedModel, SklearnModel
from gate.policy.model import DataBinding

ROWS, GROUP_ROWS = 3000, 500  # six row groups

POLICY = """
version: 1
data: {label: y, sensitive: [sex, race]}
checks:
  - {id: acc, type: performance, metric: accuracy, min: 0.6}
  - {id: sel, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.5,
     intersectional: true}
  - {id: tpr, type: fairness, metric: true_positive_rate, aggregate: difference, max: 0.3,
     confidence: 0.95}
"""


def frame(rows: int = ROWS) -> pd.DataFrame:
    """Features, a label, a prediction column, sensitive columns with missing values."""
    rng = np.random.default_rng(7)
    data = classification_frame(rows, seed=3)
    data["sex"] = data["sex"].where(rng.uniform(size=rows) > 0.1, None)
    data["race"] = rng.choice(["a", "b", "c"], rows)
    data["note"] = np.where(rng.uniform(size=rows) > 0.2, rng.normal(size=rows), np.nan)
    data["pred"] = (data["x1"] > 0).astype(int)
    return data


def write_parquet(data: pd.DataFrame, path: Path) -> Path:
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), path, GROUP_ROWS)
    assert pq.ParquetFile(path).metadata.num_row_groups == -(-len(data) // GROUP_ROWS)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dask")
    data = frame()
    write_parquet(data, root / "eval.parquet")
    data.to_csv(root / "eval.csv", index=False)
    write_policy(root / "policy.yaml", POLICY)
    return root


def check(files: Path, data: str, out: Path, *extra: str):
    """Predictions-only (a model with scores needs the score cells, not on this branch yet)."""
    args = ["check", "--policy", files / "policy.yaml", "--data", files / data]
    return run_cli(
        *args, "--output-dir", out, "--batch-rows", "400", "--prediction", "pred", *extra
    )


def test_report_equals_the_local_run_on_parquet(files: Path, tmp_path: Path):
    """No --scheduler: the run starts (and stops) its own LocalCluster."""
    here = check(files, "eval.parquet", tmp_path / "local")
    there = check(files, "eval.parquet", tmp_path / "dask", "--engine", "dask")
    assert here.code == there.code == 0, there.stderr
    assert there.stdout == here.stdout
    report = (tmp_path / "dask/report.json").read_bytes()
    assert report == (tmp_path / "local/report.json").read_bytes()
    data = json.loads(report)["inputs"]["data"]
    raw = (files / "eval.parquet").read_bytes()
    assert data == {
        "path": str(files / "eval.parquet"),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "rows": ROWS,
    }


def test_bad_data_in_a_late_partition_is_exit_2_with_the_file_row(tmp_path: Path, dask_cluster):
    data = frame()
    data["y"] = data["y"].astype(float)
    data.loc[ROWS - 7, "y"] = np.nan  # in the last row group
    write_parquet(data, tmp_path / "bad.parquet")
    write_policy(tmp_path / "policy.yaml", POLICY)
    scheduler = dask_cluster.scheduler_address
    dask_run = check(
        tmp_path, "bad.parquet", tmp_path / "d", "--engine", "dask", "--scheduler", scheduler
    )
    assert dask_run.code == 2, dask_run.stderr
    assert f"label column 'y' has missing values in row {ROWS - 6}" in dask_run.stderr
    assert dask_run.stderr.count("\n") == 1
    assert "Traceback" not in dask_run.stderr
    assert not (tmp_path / "d").exists()


def test_an_unreachable_scheduler_is_exit_2_naming_it(files: Path, tmp_path: Path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    result = check(files, "eval.parquet", tmp_path, "--engine", "dask", "--scheduler", address)
    assert result.code == 2, result.stderr
    assert f"--scheduler {address}: no Dask scheduler reached" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_dask_installed_the_error_names_the_extra(files: Path, tmp_path: Path):
    shim = tmp_path / "shim"
    (shim / "distributed").mkdir(parents=True)
    (shim / "distributed/__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'distributed'\", name='distributed')\n"
    )
    args = ["check", "--policy", files / "policy.yaml", "--data", files / "eval.parquet"]
    result = run_cli(
        *args,
        "--engine",
        "dask",
        "--prediction",
        "pred",
        env={"PYTHONPATH": f"{shim}{os.pathsep}{ROOT}"},
    )
    assert result.code == 2, result.stderr
    assert result.stderr.strip() == f"model-gate: error: {dask_backend.INSTALL_HINT}"
    assert dask_backend.INSTALL_HINT == (
        "--engine dask needs the optional extra: pip install 'model-gate[dask]'"
    )


class CountingModel(SklearnModel):
    """A model that records, in a file, every process that unpickles it."""

    def __init__(self, estimator: object, log: str) -> None:
        super().__init__(estimator)
        self.log = log

    def predict_scores(self, X: pd.DataFrame, positive_label: object) -> None:
        return None  # labels only: score cells are not on this branch yet

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        with open(state["log"], "a") as fh:
            fh.write(f"{os.getpid()}\n")


def test_the_plan_ships_once_per_worker_not_per_partition(
    files: Path, tmp_path: Path, dask_cluster
):
    log = tmp_path / "unpickled.log"
    log.touch()
    model = CountingModel(fit_classifier(classification_frame(seed=1)), str(log))
    plan = Plan(
        DataBinding(label="y", sensitive=("sex", "race"), features=tuple(FEATURES)),
        Task.BINARY,
        LoadedModel(model, "counting", "0" * 64, "test"),
        features=("sex", "race"),
    )
    expected = local.run(plan, DataSource(files / "eval.parquet"), 250)
    source = DataSource(files / "eval.parquet")
    profile = dask_backend.run(plan, source, 250, address=dask_cluster.scheduler_address)
    assert profiles_match(profile, expected)
    assert source.rows == ROWS
    assert source.sha256 == hashlib.sha256((files / "eval.parquet").read_bytes()).hexdigest()
    pids = log.read_text().split()
    with Client(dask_cluster) as client:
        workers = set(client.run(os.getpid).values())
    assert len(pids) == 2  # 6 partitions: 250 batch rows < a row group of 500
    assert set(map(int, pids)) == workers


def test_many_small_csv_partitions_add_up_to_the_local_profile(files: Path, dask_cluster):
    """CSV partitions are the driver's batches: 31 of them here, more than are in flight."""
    binding = DataBinding(label="y", prediction="pred", sensitive=("sex",))
    plan = Plan(binding, Task.BINARY, features=("sex",))
    expected = local.run(plan, DataSource(files / "eval.csv"), 97)
    got = dask_backend.run(
        plan, DataSource(files / "eval.csv"), 97, None, dask_cluster.scheduler_address
    )
    assert profiles_match(got, expected)


def test_scheduler_needs_the_dask_engine(files: Path):
    plan = Plan(DataBinding(label="y", prediction="pred"), Task.BINARY)
    with pytest.raises(UsageError, match="--scheduler needs --engine dask"):
        run_backend("local", plan, DataSource(files / "eval.parquet"), 100, address="tcp://x:1")


def test_a_changed_file_on_a_worker_is_refused(files: Path, tmp_path: Path, dask_cluster):
    """The worker compares the file at the path with the driver's before reading it."""
    path = write_parquet(frame(), tmp_path / "eval.parquet")
    with open(path, "rb") as fh:
        fingerprint = dask_tasks.file_fingerprint(fh)
    write_parquet(frame(ROWS - 1), path)
    part = dask_tasks.Partition(0, 0, GROUP_ROWS, (0,))
    plan = Plan(DataBinding(label="y", prediction="pred"), Task.BINARY)
    with pytest.raises(InputError, match="not the driver's file; workers read the data file"):
        dask_tasks.profile_row_groups(plan, str(path), "data file x", part, fingerprint, 100)


def test_of_two_bad_partitions_the_earlier_one_is_reported(tmp_path: Path, dask_cluster):
    """Whatever finishes first, the error is the one the local backend stops at."""
    data = frame()
    data["y"] = data["y"].astype(float)
    data.loc[[1200, ROWS - 7], "y"] = np.nan
    path = write_parquet(data, tmp_path / "bad.parquet")
    plan = Plan(DataBinding(label="y", prediction="pred"), Task.BINARY)
    with pytest.raises(InputError, match=r"label column 'y' has missing values in row 1201$"):
        dask_backend.run(plan, DataSource(path), 400, address=dask_cluster.scheduler_address)


class TamperingModel(SklearnModel):
    """A model that, on the worker, overwrites the data file's first byte (size unchanged)."""

    def __init__(self, estimator: object, data: str) -> None:
        super().__init__(estimator)
        self.data = data

    def predict(self, X: pd.DataFrame):
        with open(self.data, "r+b") as fh:
            fh.write(b"Q")  # the leading magic: readers of the footer never look at it
        return super().predict(X)

    def predict_scores(self, X: pd.DataFrame, positive_label: object) -> None:
        return None


def test_a_file_changed_during_the_run_is_refused(tmp_path: Path, dask_cluster):
    path = write_parquet(frame(), tmp_path / "eval.parquet")
    model = TamperingModel(fit_classifier(classification_frame(seed=1)), str(path))
    plan = Plan(
        DataBinding(label="y", features=tuple(FEATURES)),
        Task.BINARY,
        LoadedModel(model, "tampering", "0" * 64, "test"),
    )
    source = DataSource(path)
    with pytest.raises(InputError, match="changed while it was being read"):
        dask_backend.run(plan, source, 400, address=dask_cluster.scheduler_address)
    assert path.read_bytes()[:1] == b"Q" and source.sha256 == ""
