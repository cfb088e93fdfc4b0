"""Shared fixtures: a workspace with data, models and policies written to disk."""

from __future__ import annotations

from pathlib import Path

import pytest
import skops.io as sio
from helpers import classification_frame, fit_classifier, write_policy

PASSING = """
    version: 1
    name: passing
    data: {label: y}
    checks:
      - id: auc
        type: performance
        metric: roc_auc
        min: 0.6
      - id: acc
        type: performance
        metric: accuracy
        min: 0.6
"""


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """eval.csv / eval.parquet, candidate and baseline skops models, a passing policy."""
    root = tmp_path_factory.mktemp("ws")
    frame = classification_frame()
    frame.to_csv(root / "eval.csv", index=False)
    frame.to_parquet(root / "eval.parquet")
    train = classification_frame(seed=1)
    sio.dump(fit_classifier(train), root / "candidate.skops")
    sio.dump(fit_classifier(train, ["x1"]), root / "baseline.skops")
    write_policy(root / "passing.yaml", PASSING)
    return root


@pytest.fixture(scope="session")
def dask_cluster():
    """A real LocalCluster (2 worker processes, 127.0.0.1) shared by every Dask test of this
    test process: starting one is a few CPU-seconds (each worker imports gate and its
    dependencies), so one per module or per CLI run added up. The tests only submit work to it.
    The run that starts its own cluster (no --scheduler) is tested in backends/test_dask.py."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as running:
        yield running
