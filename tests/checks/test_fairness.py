"""`type: fairness`, case by case from fairness_cases.yaml (values worked out by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import context

from gate.checks import REGISTRY
from gate.engine.metrics import Task
from gate.inputs.binding import EvalData, Predictions
from gate.policy.loader import load_policy

CASES = yaml.safe_load((Path(__file__).parent / "fairness_cases.yaml").read_text())


def expand(runs: str) -> list:
    """'A*2 ~ 1' -> ['A', 'A', None, '1'] ('~' is a missing value)."""
    out = []
    for token in runs.split():
        value, _, count = token.partition("*")
        out += [None if value == "~" else value] * int(count or 1)
    return out


def fairness_spec(tmp_path: Path, **check):
    """The CheckSpec of one fairness check on feature g, loaded through a real policy file."""
    check = {"id": "c", "type": "fairness", "sensitive": ["g"], **check}
    (tmp_path / "p.yaml").write_text(
        yaml.safe_dump({"version": 1, "mode": "report", "checks": [check]})
    )
    return load_policy(tmp_path / "p.yaml").checks[0]


def build(case: dict, tmp_path: Path):
    spec = fairness_spec(tmp_path, **case["check"])
    columns = {k: expand(v) for k, v in case["data"].items()}
    pred = np.array([int(v) for v in columns.pop("pred")])
    y = np.array([int(v) for v in columns.pop("y", ["1"] * len(pred))])
    frame = pd.DataFrame(columns)
    data = EvalData(Task.BINARY, y, None, Predictions("cand", pred, None), None, frame)
    return spec, data


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict, tmp_path: Path):
    spec, data = build(case, tmp_path)
    result = REGISTRY["fairness"](spec, context(data))
    expect = case["expect"]
    assert result.status.value == expect["status"], result.message
    if "value" in expect:
        assert result.value == pytest.approx(expect["value"], abs=1e-12)
    assert expect.get("message", "") in result.message
    if "reference" in expect:
        (ref,) = [g for g in result.groups if g.get("reference")]
        assert ref["group"] == expect["reference"]
    for want, got in zip(expect.get("groups", []), result.groups, strict=False):
        for key, value in want.items():
            assert got.get(key) == (pytest.approx(value) if isinstance(value, float) else value)
    if "groups" in expect:
        assert len(result.groups) == len(expect["groups"])


def test_interval_and_significance_are_reported(tmp_path: Path):
    rng = np.random.default_rng(0)
    n = 2000
    group = rng.choice(["A", "B"], n)
    pred = (rng.uniform(size=n) < np.where(group == "A", 0.5, 0.3)).astype(int)
    spec = fairness_spec(
        tmp_path,
        metric="selection_rate",
        aggregate="ratio",
        method="to_reference",
        min=0.8,
        confidence=0.95,
    )
    data = EvalData(
        Task.BINARY,
        np.ones(n, int),
        None,
        Predictions("c", pred, None),
        None,
        pd.DataFrame({"g": group}),
    )
    result = REGISTRY["fairness"](spec, context(data, resamples=300))
    assert result.status.value == "fail" and result.ci[1] < 0.8
    a, b = result.groups
    assert a["reference"] and "p_value" not in a
    assert b["p_value"] < 1e-10 and b["ci"][0] < b["value"] < b["ci"][1]


def test_scoring_rate_is_the_share_above_the_whole_samples_median(tmp_path: Path):
    # scores 1..8, median 4.5: group A has 1, 2, 5, 6 -> 2/4 above; B has 3, 4, 7, 8 -> 2/4
    # then make B score higher: B = 3, 6.5, 7, 8 -> median of all is 5.5: A 1/4, B 3/4
    scores = np.array([1, 2, 5, 6, 3, 6.5, 7, 8], dtype=float)
    frame = pd.DataFrame({"g": ["A"] * 4 + ["B"] * 4})
    spec = fairness_spec(
        tmp_path, metric="scoring_rate", aggregate="ratio", method="to_reference", min=0.8
    )
    data = EvalData(
        Task.BINARY,
        np.ones(8, int),
        None,
        Predictions("c", (scores > 4).astype(int), scores),
        None,
        frame,
    )
    result = REGISTRY["fairness"](spec, context(data))
    assert [g["value"] for g in result.groups] == [0.25, 0.75]
    assert result.value == pytest.approx(1 / 3)
    no_scores = EvalData(
        Task.BINARY, np.ones(8, int), None, Predictions("c", np.ones(8, int), None), None, frame
    )
    assert REGISTRY["fairness"](spec, context(no_scores)).status.value == "error"
