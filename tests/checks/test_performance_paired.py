"""`baseline: {max_drop, confidence, when_missing}` on a performance check: the drop's paired
interval is judged (pass / fail / inconclusive), an unchanged model is never blocked, a missing
baseline errors or is skipped, and the policy rules for the block."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from gate.backends.profiling import Plan, profile_bound
from gate.checks import REGISTRY
from gate.checks.base import CheckContext
from gate.engine import paired
from gate.engine.metrics import Task
from gate.errors import PolicyError
from gate.inputs.binding import EvalData, Predictions
from gate.policy.loader import load_policy
from gate.policy.model import DataBinding
from gate.results import Status


def spec_of(check: dict, tmp_path: Path, kind: str = "performance"):
    policy = {"version": 1, "checks": [{"id": "c", "type": kind, **check}]}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(policy))
    return load_policy(tmp_path / "p.yaml").checks[0]


def ctx_of(y, cand, base, weight=None, sex=None, resamples=500, scores=None) -> CheckContext:
    """A context over these rows whose profile holds the joint cells (as a run's does);
    `scores`: both models' scores, when they have them."""
    y = np.asarray(y)
    frame = pd.DataFrame({"sex": sex if sex is not None else ["f"] * len(y)})
    c_score, b_score = scores if scores is not None else (None, None)
    ev = EvalData(
        Task.BINARY,
        y,
        weight,
        Predictions("cand", np.asarray(cand), c_score),
        None if base is None else Predictions("base", np.asarray(base), b_score),
        frame,
    )
    plan = Plan(DataBinding(), Task.BINARY, paired=("paired", "paired_scores"))
    profile = profile_bound(ev, ("sex",), plan=plan)
    return CheckContext(profile, resamples=resamples, sensitive=("sex",))


def rows(n: int, seed: int, flip_base: float = 0.1, worse: float = 0.0):
    """Truth, a baseline right ~80 % of the time, and a candidate that mostly agrees with it
    (it differs on `flip_base` of the rows, and is made wrong on `worse` more)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    base = np.where(rng.uniform(size=n) < 0.8, y, 1 - y)
    cand = np.where(rng.uniform(size=n) < flip_base, 1 - base, base)
    cand = np.where(rng.uniform(size=n) < worse, 1 - y, cand)
    return y, cand, base


@pytest.mark.parametrize("metric", sorted(paired.LABELS - {"selection_rate"}))
@pytest.mark.parametrize("weighted", [False, True])
def test_a_candidate_equal_to_the_baseline_passes_max_drop_zero(tmp_path, metric, weighted):
    y, cand, _ = rows(300, 1)
    weight = np.random.default_rng(2).uniform(0.2, 3.0, len(y)) if weighted else None
    spec = spec_of({"metric": metric, "baseline": {"max_drop": 0, "confidence": 0.95}}, tmp_path)
    result = REGISTRY["performance"](spec, ctx_of(y, cand, cand.copy(), weight))
    assert result.status is Status.PASS, result.message
    b = result.baseline
    assert (b.drop, b.delta, b.ci, b.confidence) == (0.0, 0.0, (0.0, 0.0), 0.95)
    assert b.as_dict()["paired"] is True and b.as_dict()["ci"] == [0.0, 0.0]


def test_a_clear_regression_fails_and_a_small_one_is_inconclusive(tmp_path):
    spec = spec_of(
        {"metric": "accuracy", "baseline": {"max_drop": 0.01, "confidence": 0.95}}, tmp_path
    )
    y, cand, base = rows(2000, 3, flip_base=0.02, worse=0.15)
    result = REGISTRY["performance"](spec, ctx_of(y, cand, base))
    assert result.status is Status.FAIL, result.message
    assert result.baseline.ci[0] > 0.01 and "exceeds max_drop 0.01" in result.message
    y, _, base = rows(300, 4)
    cand = base.copy()  # wrong on 4 more rows, right on 2 more: drop 2/300, interval wide
    right, wrong = np.flatnonzero(base == y), np.flatnonzero(base != y)
    cand[right[:4]], cand[wrong[:2]] = 1 - y[right[:4]], y[wrong[:2]]
    result = REGISTRY["performance"](spec, ctx_of(y, cand, base))
    lo, hi = result.baseline.ci
    assert lo <= 0.01 < hi and result.status is Status.INCONCLUSIVE, result.message
    assert "straddles max_drop 0.01" in result.message


def test_a_point_drop_within_max_drop_passes_only_when_its_interval_is(tmp_path):
    y, cand, base = rows(400, 5, flip_base=0.08)
    point = spec_of({"metric": "recall", "baseline": {"max_drop": 0.05}}, tmp_path)
    unpaired = REGISTRY["performance"](point, ctx_of(y, cand, base))
    assert unpaired.baseline.ci is None and "paired" not in unpaired.baseline.as_dict()
    rule = {"max_drop": 0.05, "max_relative_drop": 0.5, "confidence": 0.99}
    result = REGISTRY["performance"](
        spec_of({"metric": "recall", "baseline": rule}, tmp_path), ctx_of(y, cand, base)
    )
    assert result.baseline.drop == unpaired.baseline.drop
    lo, hi = result.baseline.ci
    assert lo <= result.baseline.drop <= hi and result.baseline.relative_ci is not None
    expected = Status.PASS if hi <= 0.05 else Status.INCONCLUSIVE
    assert result.status is expected, result.message


@pytest.mark.parametrize(
    ("when", "status", "says"),
    [({}, Status.ERROR, "--baseline-model"), ({"when_missing": "skip"}, Status.SKIPPED, "skipped")],
)
def test_when_missing(tmp_path, when, status, says):
    y, cand, _ = rows(100, 6)
    rule = {"max_drop": 0.01, "confidence": 0.9, **when}
    result = REGISTRY["performance"](
        spec_of({"metric": "accuracy", "baseline": rule}, tmp_path), ctx_of(y, cand, None)
    )
    assert result.status is status and says in result.message


def test_a_skipped_baseline_leaves_the_other_bounds_to_judge(tmp_path):
    y, cand, _ = rows(100, 7)
    check = {"metric": "accuracy", "min": 0.99, "baseline": {"max_drop": 0, "when_missing": "skip"}}
    result = REGISTRY["performance"](spec_of(check, tmp_path), ctx_of(y, cand, None))
    assert result.status is Status.FAIL and "skipped" in result.message


@pytest.mark.parametrize(
    ("check", "says"),
    [
        (
            {"metric": "rmse", "baseline": {"max_drop": 0.01, "confidence": 0.95}},
            "rmse has no paired interval",
        ),
        ({"metric": "mae", "baseline": {"max_drop": 0.01, "confidence": 0.95}}, "mae has no"),
        ({"metric": "accuracy", "baseline": {"confidence": 0.95}}, "needs 'max_drop' or"),
        ({"metric": "accuracy", "confidence": 0.9, "baseline": {"max_drop": 0}}, "put it in"),
        ({"metric": "accuracy", "baseline": {"max_drop": 0.1, "confidence": 1.5}}, "1.5"),
        ({"metric": "accuracy", "baseline": {"max_drop": 0.1, "when_missing": "warn"}}, "warn"),
        ({"metric": "accuracy", "baseline": {"max_drop": 0.1, "confidense": 0.9}}, "confidence"),
    ],
)
def test_policy_rules_of_the_baseline_block(tmp_path, check, says):
    with pytest.raises(PolicyError) as err:
        spec_of(check, tmp_path)
    assert says in str(err.value), str(err.value)


def test_a_profile_without_joint_cells_is_an_error_that_says_so(tmp_path):
    import dataclasses

    y, cand, base = rows(100, 8)
    ctx = ctx_of(y, cand, base, sex=np.array(["f", "m"] * 50))
    parts = {k: v for k, v in ctx.profile.candidate.items() if k != "paired"}
    ctx = dataclasses.replace(ctx, profile=dataclasses.replace(ctx.profile, candidate=parts))
    rule = {"max_drop": 0.01, "confidence": 0.9}
    for kind, check in (("performance", {"metric": "accuracy"}), ("fairness", RECALL)):
        result = REGISTRY[kind](spec_of({**check, "baseline": rule}, tmp_path, kind), ctx)
        assert result.status is Status.ERROR and "no joint counts" in result.message


RECALL = {"metric": "true_positive_rate", "aggregate": "difference"}


def scored(n: int, seed: int, noise: float):
    """Truth, a baseline's scores, and a candidate's: the baseline's plus `noise`."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    base = 1 / (1 + np.exp(-(1.5 * (2 * y - 1) + rng.normal(size=n))))
    cand = np.clip(base + rng.normal(scale=noise, size=n), 0, 1) if noise else base.copy()
    return y, cand, base


@pytest.mark.parametrize("metric", ["roc_auc", "average_precision", "brier_score", "log_loss"])
@pytest.mark.parametrize("weighted", [False, True])
def test_score_metrics_of_an_unchanged_model_pass_max_drop_zero(tmp_path, metric, weighted):
    y, cand, base = scored(500, 9, 0.0)
    weight = np.random.default_rng(3).uniform(0.2, 3.0, len(y)) if weighted else None
    labels = ((cand >= 0.5).astype(int), (base >= 0.5).astype(int))
    ctx = ctx_of(y, *labels, weight, scores=(cand, base))
    spec = spec_of({"metric": metric, "baseline": {"max_drop": 0, "confidence": 0.95}}, tmp_path)
    result = REGISTRY["performance"](spec, ctx)
    assert result.status is Status.PASS, result.message
    assert (result.baseline.drop, result.baseline.ci) == (0.0, (0.0, 0.0))


def test_a_worse_ranking_fails_on_its_paired_interval(tmp_path):
    y, cand, base = scored(3000, 10, 0.4)
    labels = ((cand >= 0.5).astype(int), (base >= 0.5).astype(int))
    ctx = ctx_of(y, *labels, scores=(cand, base))
    spec = spec_of(
        {"metric": "roc_auc", "baseline": {"max_drop": 0.01, "confidence": 0.95}}, tmp_path
    )
    result = REGISTRY["performance"](spec, ctx)
    lo, hi = result.baseline.ci
    assert lo <= result.baseline.drop <= hi and lo > 0.01, result.message
    assert result.status is Status.FAIL
