"""One pass, any batching: the real CLI gives byte-identical reports whatever --batch-rows is,
and a saved profile round-trips as a --reference (a mismatched one is exit 2 with the reason)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from helpers import classification_frame, fit_classifier, run_cli, write_policy

POLICY = """
    version: 1
    name: streaming
    data: {label: y, sensitive: [sex, band]}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.6, confidence: 0.95}
      - {id: brier, type: performance, metric: brier_score, max: 0.3, confidence: 0.95}
      - {id: ap, type: performance, metric: average_precision, min: 0.5, confidence: 0.9}
      - {id: acc, type: performance, metric: accuracy, min: 0.6, confidence: 0.95}
      - id: parity
        type: fairness
        metric: selection_rate
        aggregate: ratio
        min: 0.5
        confidence: 0.95
      - id: odds
        type: fairness
        metric: equalized_odds_difference
        max: 0.5
        intersectional: true
        confidence: 0.9
      - {id: who, type: representation, max_missing: 0.5}
      - {id: proxies, type: proxy_features, max: 0.9}
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stream")
    frame = classification_frame(n=3000, seed=5)
    rng = np.random.default_rng(5)
    band = rng.choice(["a", "b", "c"], len(frame)).astype(object)
    band[rng.uniform(size=len(frame)) < 0.05] = None  # missing values form their own group
    frame["band"] = band
    frame.to_csv(root / "eval.csv", index=False)
    frame.to_parquet(root / "eval.parquet", row_group_size=700)
    sio.dump(fit_classifier(classification_frame(seed=1)), root / "model.skops")
    write_policy(root / "policy.yaml", POLICY)
    return root


def check(root: Path, data: str, out: str, *extra: str):
    return run_cli(
        "check",
        "--policy",
        root / "policy.yaml",
        "--model",
        root / "model.skops",
        "--data",
        root / data,
        "--output-dir",
        root / out,
        *extra,
    )


@pytest.mark.parametrize("data", ["eval.csv", "eval.parquet"])
def test_report_json_is_byte_identical_for_any_batching(inputs: Path, data: str):
    runs = {}
    for rows in ("262144", "1000", "333"):
        result = check(inputs, data, f"out-{data}-{rows}", "--batch-rows", rows)
        assert result.code in (0, 1), result.stderr
        runs[rows] = (inputs / f"out-{data}-{rows}" / "report.json").read_bytes()
    assert runs["1000"] == runs["262144"]
    assert runs["333"] == runs["262144"]


def test_a_saved_profile_is_a_reference(inputs: Path):
    made = run_cli(
        "profile",
        "--policy",
        inputs / "policy.yaml",
        "--data",
        inputs / "eval.parquet",
        "-o",
        inputs / "ref.profile",
    )
    assert made.code == 0, made.stderr
    assert "3,000 rows" in made.stdout
    result = check(inputs, "eval.parquet", "out-ref", "--reference", inputs / "ref.profile")
    assert result.code in (0, 1), result.stderr
    import json

    report = json.loads((inputs / "out-ref" / "report.json").read_text())
    reference = report["inputs"]["reference"]
    assert reference["kind"] == "profile" and reference["rows"] == 3000
    assert reference["built_from"]["data"]["sha256"] == report["inputs"]["data"]["sha256"]


def test_a_profile_of_another_binding_is_refused(inputs: Path):
    made = run_cli(
        "profile",
        "--policy",
        inputs / "policy.yaml",
        "--data",
        inputs / "eval.csv",
        "--threshold",
        "0.7",
        "-o",
        inputs / "other.profile",
    )
    assert made.code == 0, made.stderr
    result = check(inputs, "eval.csv", "out-other", "--reference", inputs / "other.profile")
    assert result.code == 2
    assert "binding.threshold 0.7 there, 0.5 here" in result.stderr
    assert not (inputs / "out-other").exists()


def test_a_damaged_or_foreign_profile_is_refused(inputs: Path):
    (inputs / "junk.profile").write_bytes(b"not a zip")
    result = check(inputs, "eval.csv", "out-junk", "--reference", inputs / "junk.profile")
    assert result.code == 2
    assert "junk.profile is not a model-gate profile" in result.stderr


REGRESSION = """
    version: 1
    name: streaming-regression
    data: {label: target, prediction: pred, weight: w, sensitive: [band], task: regression}
    checks:
      - {id: mae, type: performance, metric: mae, max: 5, confidence: 0.95}
      - {id: rmse, type: performance, metric: rmse, max: 5, confidence: 0.9}
      - {id: r2, type: performance, metric: r2, min: 0.1, confidence: 0.95}
      - {id: mape, type: performance, metric: mape, max: 1, confidence: 0.95}
      - {id: gap, type: fairness, metric: mae, aggregate: difference, max: 2, confidence: 0.95}
"""

WEIGHTED = """
    version: 1
    name: streaming-weighted
    data: {label: y, score: s, weight: w, sensitive: [band]}
    checks:
      - {id: brier, type: performance, metric: brier_score, max: 0.4, confidence: 0.95}
      - {id: loss, type: performance, metric: log_loss, max: 1, confidence: 0.95}
      - {id: auc, type: performance, metric: roc_auc, min: 0.5, confidence: 0.95}
      - {id: parity, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.5,
         confidence: 0.95}
"""


@pytest.mark.parametrize("kind", ["regression", "weighted"])
def test_float_sums_do_not_change_the_report_under_batching(tmp_path: Path, kind: str):
    """Weighted sums, loss sums and regression moments differ in their last bits under another
    batching; neither the draws nor the reported numbers may."""
    rng = np.random.default_rng(11)
    n = 2000
    frame = pd.DataFrame(
        {
            "band": rng.choice(["a", "b", "c"], n),
            "w": rng.exponential(size=n),
            "target": rng.normal(10, 3, n),
            "y": rng.integers(0, 2, n),
            "s": rng.uniform(size=n),
        }
    )
    frame["pred"] = frame["target"] + rng.standard_t(3, n)
    frame.to_csv(tmp_path / "d.csv", index=False)
    write_policy(tmp_path / "p.yaml", REGRESSION if kind == "regression" else WEIGHTED)
    reports = []
    for rows in ("7", "1000", "131072"):
        out = tmp_path / f"out-{rows}"
        result = run_cli(
            "check", "--policy", tmp_path / "p.yaml", "--data", tmp_path / "d.csv",
            "--output-dir", out, "--batch-rows", rows,
        )  # fmt: skip
        assert result.code in (0, 1), result.stderr
        reports.append((out / "report.json").read_bytes())
    assert reports[0] == reports[1] == reports[2]
