"""Canary logs (the models answer different requests) with a `baseline:` performance check:
the candidate's labelled rows against the live model's of the same period, each bootstrapped
on its own rows; report.json and analysis.json say "paired": false, "two_sample": true. A
planted regression blocks, a healthy canary passes, too few live rows is inconclusive."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from canary_data import analyze, canary, compared, write_canary
from test_analyze import result_of

TWO_SAMPLE = (
    compared(0.03)
    + """\
  - id: recall-vs-live
    type: performance
    metric: recall
    min: 0.5
    baseline: {max_drop: 0.15, confidence: 0.9}
"""
)


def _paths(tmp_path: Path, policy: str = TWO_SAMPLE, **kwargs) -> dict[str, Path]:
    paths = write_canary(tmp_path, **kwargs)
    paths["policy"].write_text(policy)
    return paths


def _baselines(out: Path) -> dict[str, dict]:
    report = json.loads((out / "report.json").read_text())
    return {c["id"]: c["baseline"] for c in report["checks"]}


@pytest.mark.parametrize("logs", ["predictions", "split"])
def test_a_healthy_canary_passes_two_sample(tmp_path, logs):
    paths = _paths(tmp_path)
    run = analyze(paths, "--output-dir", tmp_path / "out", "--resamples", "400", logs=logs)
    assert run.code == 0, run.stdout + run.stderr
    result = result_of(tmp_path / "out")
    assert result["mode"] == "canary" and result["two_sample"] is True
    for baseline in _baselines(tmp_path / "out").values():
        assert baseline["paired"] is False and baseline["two_sample"] is True
        assert baseline["ci"][0] < 0 < baseline["ci"][1]
    assert all(c["baseline"]["two_sample"] for c in result["checks"])
    assert "two-sample: the live model on" in run.stdout
    counts = result["counts"]
    # the live rows after the candidate's last prediction (here the last request) are left out
    assert 0 <= counts["live_labelled"] - counts["live_in_candidate_period"] <= 2
    assert counts["live_in_candidate_period"] > 1000


def test_a_regressed_canary_is_blocked(tmp_path):
    paths = _paths(tmp_path, regressed="east")
    run = analyze(paths, "--output-dir", tmp_path / "out", "--resamples", "400")
    assert run.code == 1, run.stdout + run.stderr
    status = {c["id"]: c["status"] for c in result_of(tmp_path / "out")["checks"]}
    assert status["auc-vs-live"] == "fail"
    assert _baselines(tmp_path / "out")["auc-vs-live"]["ci"][0] > 0.03


def test_a_small_regression_on_few_rows_is_inconclusive_not_approved(tmp_path):
    paths = _paths(tmp_path, n=600, regressed="east")
    policy = TWO_SAMPLE.split("  - id: recall-vs-live")[0].replace(
        "max_drop: 0.03", "max_drop: 0.05"
    )
    paths["policy"].write_text(policy)
    run = analyze(paths, "--output-dir", tmp_path / "out", "--resamples", "400")
    assert run.code == 4, run.stdout + run.stderr
    assert any(
        "auc-vs-live" in r and "straddles" in r for r in result_of(tmp_path / "out")["reasons"]
    )


def test_too_few_live_rows_of_the_period_is_inconclusive(tmp_path):
    paths = _paths(tmp_path, share=0.97)  # ~90 requests for the live model
    run = analyze(paths, "--output-dir", tmp_path / "out")
    assert run.code == 4, run.stdout + run.stderr
    reasons = result_of(tmp_path / "out")["reasons"]
    assert any("labelled live row(s) of the candidate's period, fewer than" in r for r in reasons)


def test_only_the_live_rows_of_the_candidates_period_are_compared(tmp_path):
    """Live rows before the candidate started (another period, other traffic) are left out:
    here the live model was perfect on them, which would have failed a healthy candidate."""
    logs, labels = canary(3000)
    cand_start = logs.loc[logs.model_version == "v2", "timestamp"].min()
    early = pd.DataFrame(
        {
            "request_id": [f"e{i:05d}" for i in range(2000)],
            "timestamp": cand_start - pd.to_timedelta(range(1, 2001), unit="min"),
            "region": "north",
            "x": 0.0,
            "score": [float(i % 2) for i in range(2000)],  # the label itself
            "model_version": "v1",
        }
    )
    early_labels = pd.DataFrame(
        {
            "request_id": early["request_id"],
            "label": [i % 2 for i in range(2000)],
            "label_timestamp": early["timestamp"] + pd.Timedelta(days=2),
        }
    )
    paths = _paths(tmp_path)
    pd.concat([logs, early]).to_parquet(paths["predictions"], index=False)
    both = pd.concat([labels, early_labels])
    both.assign(label_timestamp=both["label_timestamp"].map(pd.Timestamp.isoformat)).to_csv(
        paths["labels"], index=False
    )
    run = analyze(paths, "--output-dir", tmp_path / "out")
    counts = result_of(tmp_path / "out")["counts"]
    assert 2000 <= counts["live_labelled"] - counts["live_in_candidate_period"] <= 2002
    assert run.code == 0, run.stdout + run.stderr


def test_two_live_versions_in_the_period_are_refused(tmp_path):
    logs, _ = canary(3000)
    live = logs.index[logs.model_version == "v1"]
    logs.loc[live[::2], "model_version"] = "v0"
    paths = _paths(tmp_path)
    logs.to_parquet(paths["predictions"], index=False)
    run = analyze(paths, "--output-dir", tmp_path / "out")
    assert run.code == 2, run.stdout + run.stderr
    assert "2 live versions answered labelled requests (v0, v1)" in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_whole_check_waiver_still_applies_to_the_two_sample_result(tmp_path):
    waiver = (
        "waivers:\n  - {check: auc-vs-live, reason: pilot, approved_by: risk, "
        "expires: 2999-01-01}\n"
    )
    paths = _paths(tmp_path, policy=TWO_SAMPLE + waiver, regressed="east")
    run = analyze(paths, "--output-dir", tmp_path / "out", "--resamples", "400")
    status = {c["id"]: c["status"] for c in result_of(tmp_path / "out")["checks"]}
    assert status["auc-vs-live"] == "waived", run.stdout


def test_live_labels_of_one_class_are_inconclusive(tmp_path):
    paths = _paths(tmp_path)
    logs = pd.read_parquet(paths["predictions"])
    labels = pd.read_csv(paths["labels"])
    live_ids = set(logs.loc[logs.model_version == "v1", "request_id"])
    labels.loc[labels.request_id.isin(live_ids), "label"] = 0
    labels.to_csv(paths["labels"], index=False)
    run = analyze(paths, "--output-dir", tmp_path / "out")
    assert run.code == 4, run.stdout + run.stderr
    reasons = result_of(tmp_path / "out")["reasons"]
    assert any("every labelled live row has the label 0" in r for r in reasons), reasons
