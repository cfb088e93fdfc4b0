"""`documentation` and `representation` checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from helpers import context

from gate.checks import REGISTRY
from gate.checks.base import CheckContext
from gate.engine.metrics import Task
from gate.inputs.binding import EvalData, Predictions
from gate.inputs.model_card import ModelCard
from gate.policy.loader import load_policy


def spec_of(check: dict, tmp_path: Path):
    (tmp_path / "p.yaml").write_text(
        yaml.safe_dump({"version": 1, "checks": [{"id": "d", **check}]})
    )
    return load_policy(tmp_path / "p.yaml").checks[0]


def ctx(card: dict | None, frame: pd.DataFrame | None = None) -> CheckContext:
    y = np.array([1, 1, 0, 0])
    labels = np.array([1, 0, 0, 0])  # accuracy 0.75
    data = EvalData(
        Task.BINARY,
        y,
        None,
        Predictions("m", labels, None),
        None,
        pd.DataFrame() if frame is None else frame,
        ("g",),
        ("x",),
    )
    return context(data, model_card=ModelCard("card.md", "0" * 64, card) if card else None)


def test_required_fields_and_declared_metrics(tmp_path: Path):
    spec = spec_of(
        {"type": "documentation", "required": ["provider", "data.source"], "tolerance": 0.02},
        tmp_path,
    )
    good = REGISTRY["documentation"](
        spec,
        ctx(
            {
                "provider": "Bank",
                "data": {"source": "s"},
                "metrics": {"accuracy": 0.76, "bleu": 0.3},
            }
        ),
    )
    assert good.status.value == "pass", good.message
    assert "not verifiable here: bleu" in good.message
    (row,) = good.groups
    assert row["values"]["measured"] == 0.75 and row["values"]["declared"] == 0.76
    bad = REGISTRY["documentation"](spec, ctx({"metrics": {"accuracy": 0.9}}))
    assert bad.status.value == "fail"
    assert "missing fields provider, data.source" in bad.message
    assert "accuracy declared 0.9, measured 0.75" in bad.message
    assert REGISTRY["documentation"](spec, ctx(None)).status.value == "error"


def test_representation_records_groups_and_missing_shares(tmp_path: Path):
    frame = pd.DataFrame({"g": ["a", "a", "b", None], "x": [1.0, None, 2.0, 3.0]})
    spec = spec_of({"type": "representation", "max_missing": 0.2}, tmp_path)
    result = REGISTRY["representation"](spec, ctx(None, frame))
    assert result.status.value == "fail" and "x 0.25" in result.message
    assert [(g["group"]["g"], g["n"], g["value"]) for g in result.groups] == [
        ("a", 2, 0.5),
        ("b", 1, 0.25),
        ("(missing)", 1, 0.25),  # missing values last, as in fairness groups
    ]
