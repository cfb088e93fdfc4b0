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
