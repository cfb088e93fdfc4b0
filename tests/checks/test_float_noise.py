"""Float noise is not a verdict (third review of issue 12, finding 12): the same model through
float32 (as an ONNX export gives) is not worse under `max_drop: 0`, a real drop still is, and a
reason never prints a number rounded to what it is compared with."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gate.api import evaluate
from gate.checks.conditions import SAME, compare_baseline
from gate.results import fmt, fmt_apart

POLICY = {
    "version": 1,
    "data": {"label": "y", "score": "score", "baseline_score": "base"},
    "checks": [
        {"id": f"{m}{'-paired' if c else ''}", "type": "performance", "metric": m,
         "baseline": {"max_drop": 0, **({"confidence": 0.95} if c else {})}}
        for m in ("log_loss", "brier_score", "roc_auc", "accuracy")
        for c in (False, True)
    ],
}  # fmt: skip


def _data(shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 800)
    base = 1 / (1 + np.exp(-(1.2 * y - 0.6 + rng.standard_normal(800))))
    score = base.astype(np.float32).astype(float)  # the same model, through float32
    return pd.DataFrame({"y": y, "base": base, "score": np.clip(score - shift, 0, 1)})


def test_the_same_model_through_float32_is_never_worse_under_max_drop_0():
    ev = evaluate(POLICY, _data(), resamples=200)
    assert {r.id: r.status.value for r in ev.checks} == {c["id"]: "pass" for c in POLICY["checks"]}
    assert all(r.baseline.drop == 0.0 for r in ev.checks)


def test_a_real_drop_still_fails_under_max_drop_0():
    ev = evaluate({**POLICY, "checks": POLICY["checks"][:2]}, _data(shift=0.01), resamples=200)
    point, paired = (r.status.value for r in ev.checks)
    assert point == "fail" and paired in ("fail", "inconclusive")  # both block


@pytest.mark.parametrize("base", [0.5, 0.001, 250.0, 1e-8, 3e-300])
def test_only_differences_below_the_stated_tolerance_count_as_none(base):
    """The tolerance is relative at every magnitude (review12d #4: an absolute 1e-7 below 1
    made an MSE of 9e-8 "the same" as one of 1e-8)."""
    tiny = base * (1 + 0.5 * SAME)
    assert compare_baseline(tiny, base, True).drop == 0.0
    beyond = base * (1 + 2 * SAME)
    assert compare_baseline(beyond, base, False).drop > 0
    assert compare_baseline(0.0, 0.0, False).drop == 0.0
    assert compare_baseline(1e-300, 0.0, False).drop == 1e-300


def _returns() -> pd.DataFrame:
    """review12d #4: daily returns, errors ~1e-4; the candidate's MSE is 9x the baseline's."""
    rng = np.random.default_rng(0)
    y = rng.normal(0, 0.01, 5000)
    b, c = y + rng.normal(0, 1e-4, 5000), y + rng.normal(0, 3e-4, 5000)
    return pd.DataFrame({"y": y, "pred": c, "bpred": b})


def test_a_metric_small_in_absolute_terms_keeps_its_resolution(tmp_path):
    from sklearn.metrics import mean_squared_error

    data = _returns()
    policy = tmp_path / "pol.yaml"
    policy.write_text(
        "version: 1\n"
        "data: {label: y, prediction: pred, baseline_prediction: bpred, task: regression}\n"
        "checks:\n"
        "  - {id: mse-vs-prod, type: performance, metric: mse,\n"
        "     baseline: {max_relative_drop: 0.05}}\n"
        "  - {id: mae-vs-prod, type: performance, metric: mae, baseline: {max_drop: 0}}\n"
        "  - {id: mse-cap, type: performance, metric: mse, max: 2.0e-8}\n"
    )
    got = {r.id: r for r in evaluate(policy, data, resamples=200).checks}
    assert {i: r.status.value for i, r in got.items()} == dict.fromkeys(got, "fail")
    mse = got["mse-vs-prod"]
    base = mean_squared_error(data["y"], data["bpred"])  # scikit-learn is the oracle
    assert mse.baseline.value == pytest.approx(base, rel=1e-9)
    assert (
        mse.baseline.relative_drop == pytest.approx(mse.value / base - 1) and mse.value > 8 * base
    )
    assert got["mse-cap"].message.startswith("mse 9.034e-08: above max 2e-08"), got["mse-cap"]


def test_reasons_show_the_digits_that_differ():
    """Small numbers print with significant digits, never rounded to 0 (review12d #4)."""
    assert fmt(0) == "0" and fmt(-0.0) == "0" and fmt(0.5) == "0.5"
    assert fmt(2.0e-8) == "2e-08" and fmt(9.03398702004e-08) == "9.034e-08"
    assert fmt(-1e-10) == "-1e-10" and fmt(0.00012345) == "0.0001234" and fmt(0.0012) == "0.0012"
    assert fmt_apart(0.30000000000000004, 0.3) == "0.30000000000000004"
    assert fmt_apart(0.31, 0.3) == "0.31" and fmt_apart(0.3, 0.3) == "0.3"
    assert fmt_apart(2.00000001e-8, 2e-8) == "2.00000001e-08"
