"""`type: performance`, case by case from performance_cases.yaml, plus intervals."""

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
from gate.results import Status

CASES = yaml.safe_load((Path(__file__).parent / "performance_cases.yaml").read_text())


def spec_of(check: dict, tmp_path: Path):
    policy = {
        "version": 1,
        "mode": "report",
        "checks": [{"id": "c", "type": "performance", **check}],
    }
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(policy))
    return load_policy(tmp_path / "p.yaml").checks[0]


def evaldata(data: dict) -> EvalData:
    def arr(key):
        return None if key not in data else np.asarray(data[key], dtype=float)

    score, label = arr("score"), arr("label")
    if label is None and score is not None:
        label = (score >= 0.5).astype(int)
    base = None
    if "baseline_score" in data:
        base = Predictions(
            "base", (arr("baseline_score") >= 0.5).astype(int), arr("baseline_score")
        )
    return EvalData(
        Task.BINARY,
        np.asarray(data["y"]),
        arr("weight"),
        Predictions("cand", label, score),
        base,
        pd.DataFrame(),
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict, tmp_path: Path):
    spec = spec_of(case["check"], tmp_path)
    ctx = context(evaldata(case["data"]), **case.get("context", {}))
    result = REGISTRY["performance"](spec, ctx)
    expect = case["expect"]
    assert result.status.value == expect["status"], result.message
    if "value" in expect:
        assert result.value == pytest.approx(expect["value"], abs=1e-12)
    if "ci" in expect:
        assert result.ci == pytest.approx(tuple(expect["ci"]), abs=1e-12)
    for key, value in expect.get("baseline", {}).items():
        assert getattr(result.baseline, key) == pytest.approx(value, abs=1e-12), key
    assert expect.get("message", "") in result.message


def test_confidence_judges_the_interval(tmp_path: Path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    score = np.clip(0.3 * y + rng.uniform(0, 0.7, 80), 0, 1)
    data = evaldata({"y": y.tolist(), "score": score.tolist()})
    point = REGISTRY["performance"](
        spec_of({"metric": "roc_auc", "min": 0.5}, tmp_path), context(data)
    ).value
    outcomes = {}
    for bound in (point - 0.3, point - 0.01, point + 0.3):
        spec = spec_of({"metric": "roc_auc", "min": float(bound), "confidence": 0.95}, tmp_path)
        result = REGISTRY["performance"](spec, context(data, seed=1, resamples=300))
        assert result.ci[0] < result.value < result.ci[1]
        outcomes[bound] = result.status
    assert list(outcomes.values()) == [Status.PASS, Status.INCONCLUSIVE, Status.FAIL]


def test_an_interval_is_judged_at_both_of_its_ends_for_min_and_max(tmp_path: Path):
    """A bound equal to an end of the interval is met from inside; a hair inside it is not."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    data = evaldata({"y": y.tolist(), "score": np.clip(0.3 * y + rng.uniform(0, 0.7, 80), 0, 1)})

    def judge(**bound):
        spec = spec_of({"metric": "brier_score", "confidence": 0.9, **bound}, tmp_path)
        return REGISTRY["performance"](spec, context(data, seed=2, resamples=200))

    low, high = judge(max=1.0).ci
    assert low < high
    inside = {"min": np.nextafter(low, 1), "max": np.nextafter(high, 0)}
    assert judge(min=low).status is Status.PASS
    assert judge(max=high).status is Status.PASS
    assert judge(min=float(inside["min"])).status is Status.INCONCLUSIVE
    assert judge(max=float(inside["max"])).status is Status.INCONCLUSIVE
    assert "interval straddles max" in judge(max=float(inside["max"])).message
    assert judge(min=float(np.nextafter(high, 1))).status is Status.FAIL
    assert judge(max=float(np.nextafter(low, 0))).status is Status.FAIL
    assert "above max" in judge(max=float(np.nextafter(low, 0))).message


@pytest.mark.parametrize("metric", ["brier_score", "log_loss"])
def test_probability_losses_refuse_scores_outside_0_1(tmp_path: Path, metric: str):
    """Decision values (a model without predict_proba, or a raw score column) are no
    probabilities: clipping them into [0, 1] would give a number that means nothing."""
    data = evaldata({"y": [1, 0, 1, 0], "score": [2.5, -1.0, 0.3, 0.1]})
    result = REGISTRY["performance"](
        spec_of({"metric": metric, "max": 0.5}, tmp_path), context(data)
    )
    assert result.status is Status.ERROR
    assert "needs probabilities in [0, 1]" in result.message
    auc = REGISTRY["performance"](
        spec_of({"metric": "roc_auc", "min": 0.5}, tmp_path), context(data)
    )
    assert auc.status is Status.PASS  # ranking metrics read any scores
