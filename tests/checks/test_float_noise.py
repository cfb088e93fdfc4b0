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


@pytest.mark.parametrize("base", [0.5, 0.001, 250.0])
def test_only_differences_below_the_stated_tolerance_count_as_none(base):
    tiny = base + 0.5 * SAME * max(1.0, base)
    assert compare_baseline(tiny, base, True).drop == 0.0
    beyond = base + 2 * SAME * max(1.0, base)
    assert compare_baseline(beyond, base, False).drop > 0


def test_reasons_show_the_digits_that_differ():
    assert fmt(-1e-10) == "0" and fmt(0.5) == "0.5"
    assert fmt_apart(0.30000000000000004, 0.3) == "0.30000000000000004"
    assert fmt_apart(0.31, 0.3) == "0.31" and fmt_apart(0.3, 0.3) == "0.3"
