"""Fairness evaluation: model-gate's engine against fairlearn's MetricFrame (run by hand).

1M rows, 2 sensitive features (sex x race = 10 intersectional groups), 4 group metrics +
demographic parity ratio + equalized odds difference, without and with 1,000 bootstrap
resamples. fairlearn's bootstrap (MetricFrame n_boot) runs fewer resamples and is scaled.

    .venv/bin/python benchmarks/fairness_vs_fairlearn.py [ROWS] [FAIRLEARN_BOOT]
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd

from gate.checks import REGISTRY
from gate.checks.base import CheckContext
from gate.engine.metrics import Task
from gate.errors import Location
from gate.inputs.binding import EvalData, Predictions
from gate.policy.model import CheckSpec, FairnessOptions

GROUP_METRICS = ["selection_rate", "true_positive_rate", "false_positive_rate", "precision"]


def make_data(n: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["female", "male"], n),
            "race": rng.choice(
                ["Asian", "Black", "Hispanic", "White", "Other"],
                n,
                p=[0.07, 0.13, 0.18, 0.58, 0.04],
            ),
        }
    )
    y = rng.integers(0, 2, n)
    pred = (rng.uniform(size=n) < 0.3 + 0.2 * y + 0.05 * (frame["sex"] == "male")).astype(int)
    return frame, y, pred


def specs(confidence: float | None) -> list[CheckSpec]:
    loc = Location("bench.yaml", 1, 1)
    out = [
        CheckSpec(
            id=m,
            type="fairness",
            location=loc,
            metric=m,
            min=0.0,
            confidence=confidence,
            fairness=FairnessOptions((m,), "difference", intersectional=True),
        )
        for m in GROUP_METRICS
    ]
    out.append(
        CheckSpec(
            id="dpr",
            type="fairness",
            location=loc,
            metric="demographic_parity_ratio",
            min=0.8,
            confidence=confidence,
            fairness=FairnessOptions(("selection_rate",), "ratio", intersectional=True),
        )
    )
    out.append(
        CheckSpec(
            id="eod",
            type="fairness",
            location=loc,
            metric="equalized_odds_difference",
            max=0.1,
            confidence=confidence,
            fairness=FairnessOptions(
                ("true_positive_rate", "false_positive_rate"), "difference", intersectional=True
            ),
        )
    )
    return out


def ours(frame, y, pred, confidence: float | None) -> float:
    data = EvalData(
        Task.BINARY, y, None, Predictions("c", pred, None), None, frame, ("sex", "race")
    )
    ctx = CheckContext(data, seed=0, resamples=1000)
    start = time.perf_counter()
    for spec in specs(confidence):
        REGISTRY["fairness"](spec, ctx)
    return time.perf_counter() - start


def fairlearn_time(frame, y, pred, n_boot: int | None) -> float:
    import fairlearn.metrics as flm
    from sklearn.metrics import precision_score

    metrics = {
        "selection_rate": flm.selection_rate,
        "tpr": flm.true_positive_rate,
        "fpr": flm.false_positive_rate,
        "precision": lambda a, b: precision_score(a, b, zero_division=0),
    }
    sensitive = frame[["sex", "race"]]
    extra = (
        {}
        if n_boot is None
        else {"n_boot": n_boot, "ci_quantiles": [0.025, 0.975], "random_state": 0}
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = flm.MetricFrame(
            metrics=metrics, y_true=y, y_pred=pred, sensitive_features=sensitive, **extra
        )
        mf.difference()
        flm.demographic_parity_ratio(y, pred, sensitive_features=sensitive)
        flm.equalized_odds_difference(y, pred, sensitive_features=sensitive)
    return time.perf_counter() - start


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    boot = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    frame, y, pred = make_data(rows)
    ours(frame.head(1000), y[:1000], pred[:1000], 0.95)  # warm imports
    ours_plain, ours_boot = ours(frame, y, pred, None), ours(frame, y, pred, 0.95)
    fl_plain = fairlearn_time(frame, y, pred, None)
    fl_boot = fairlearn_time(frame, y, pred, boot)
    fl_boot_scaled = fl_plain + (fl_boot - fl_plain) * 1000 / boot
    print(f"{rows:,} rows, 10 intersectional groups, 4 group metrics + DP ratio + EO difference")
    print(f"  model-gate, point values          {ours_plain:8.2f} s")
    print(f"  model-gate, 1,000 resamples       {ours_boot:8.2f} s")
    print(f"  fairlearn MetricFrame, no boot    {fl_plain:8.2f} s")
    print(
        f"  fairlearn, {boot} resamples          {fl_boot:8.2f} s "
        f"(scaled to 1,000: {fl_boot_scaled:,.0f} s)"
    )
    print(f"  speed-up without bootstrap        {fl_plain / ours_plain:8.1f} x")
    print(
        f"  with 1,000 resamples vs fairlearn without: {fl_plain / ours_boot:.1f} x; "
        f"vs fairlearn with (scaled): {fl_boot_scaled / ours_boot:,.0f} x"
    )


if __name__ == "__main__":
    main()
