"""prohibited_features and proxy_features, case by case."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import context as bound_context

from gate.checks import REGISTRY
from gate.checks.governance import cramers_v, matches
from gate.engine.metrics import Task
from gate.inputs.binding import EvalData, Predictions
from gate.policy.loader import load_policy


def spec_of(check: dict, tmp_path: Path):
    policy = {"version": 1, "mode": "report", "checks": [{"id": "g", **check}]}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(policy))
    return load_policy(tmp_path / "p.yaml").checks[0]


def context(features, frame=None, sensitive=()):
    frame = pd.DataFrame() if frame is None else frame
    data = EvalData(
        Task.BINARY,
        None,
        None,
        Predictions("m", None, None),
        None,
        frame,
        tuple(sensitive),
        features,
    )
    return bound_context(data)


@pytest.mark.parametrize(
    ("feature", "prohibited", "how", "expected"),
    [
        ("Marital-Status", "marital_status", "normalized", True),
        ("marital_status_flag", "marital_status", "normalized", False),
        ("marital_status_flag", "marital_status", "contains", True),
        ("Sex", "sex", "exact", False),
        ("sex", "sex", "exact", True),
    ],
)
def test_name_matching(feature, prohibited, how, expected):
    assert matches(feature, prohibited, how) is expected


def test_prohibited_inputs_fail_and_are_named(tmp_path: Path):
    spec = spec_of({"type": "prohibited_features", "features": ["sex", "age"]}, tmp_path)
    result = REGISTRY["prohibited_features"](spec, context(("income", "Age", "debt")))
    assert result.status.value == "fail" and "prohibited input Age (of 3 inputs)" in result.message
    clean = REGISTRY["prohibited_features"](spec, context(("income", "debt")))
    assert clean.status.value == "pass"
    unknown = REGISTRY["prohibited_features"](spec, context(None))
    assert unknown.status.value == "error" and "data.features" in unknown.message


def test_cramers_v_by_hand():
    a = np.array([0, 0, 1, 1] * 25)
    assert cramers_v(a, a) == pytest.approx(1.0)
    b = np.array([0, 1, 0, 1] * 25)
    assert cramers_v(a, b) == pytest.approx(0.0)
    # 2x2 table [[40, 10], [10, 40]]: chi2 = 36, n = 100 -> V = sqrt(36 / 100) = 0.6
    x = np.r_[np.zeros(50), np.ones(50)]
    y = np.r_[np.zeros(40), np.ones(10), np.zeros(10), np.ones(40)]
    assert cramers_v(x, y) == pytest.approx(0.6)


def test_proxy_screen_flags_a_proxy_and_lists_every_pair(tmp_path: Path):
    rng = np.random.default_rng(0)
    race = rng.choice(["a", "b", "c"], 2000)
    zip_code = np.where(rng.uniform(size=2000) < 0.8, race, rng.choice(["a", "b", "c"], 2000))
    frame = pd.DataFrame(
        {"race": race, "zip": [f"z{z}" for z in zip_code], "income": rng.normal(size=2000)}
    )
    spec = spec_of({"type": "proxy_features", "max": 0.3, "severity": "warn"}, tmp_path)
    result = REGISTRY["proxy_features"](spec, context(("zip", "income"), frame, ["race"]))
    assert result.status.value == "warn" and "zip~race" in result.message
    assert [g["group"]["feature"] for g in result.groups] == ["zip", "income"]
    assert result.groups[1]["value"] < 0.1 and result.value == result.groups[0]["value"]


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ({"type": "prohibited_features"}, "list the prohibited 'features'"),
        ({"type": "proxy_features"}, "give 'max'"),
        (
            {"type": "performance", "metric": "accuracy", "min": 0.5, "features": ["x"]},
            "'features' does not apply to performance checks",
        ),
        (
            {"type": "prohibited_features", "features": ["x"], "min": 0.5},
            "'min' does not apply to prohibited_features checks",
        ),
    ],
)
def test_governance_semantics(tmp_path: Path, check: dict, expected: str):
    from gate.errors import PolicyError

    with pytest.raises(PolicyError) as info:
        spec_of(check, tmp_path)
    assert expected in str(info.value)
