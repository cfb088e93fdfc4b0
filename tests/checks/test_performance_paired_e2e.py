"""Through the CLI with --baseline-model: paired comparisons in report.json (valid against its
schema), an unchanged model approved under max_drop 0, a worse one blocked, a missing baseline
skipped or an error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from helpers import ROOT, run_check, write_policy
from sklearn.linear_model import LogisticRegression

from gate.report.from_json import load_report
from gate.results import BaselineComparison

SCHEMA = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())
POLICY = """\
version: 1
data: {label: label, sensitive: [sex]}
checks:
  - id: accuracy-vs-champion
    type: performance
    metric: accuracy
    baseline: {max_drop: %(drop)s, confidence: 0.95%(extra)s}
  - id: auc-vs-champion
    type: performance
    metric: roc_auc
    baseline: {max_drop: %(drop)s, confidence: 0.95%(extra)s}
  - id: recall-per-group
    type: fairness
    metric: true_positive_rate
    aggregate: difference
    baseline: {max_drop: %(drop)s, confidence: 0.95%(extra)s}
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    n = 1500
    frame = pd.DataFrame({"income": rng.normal(size=n), "debt": rng.normal(size=n)})
    frame["sex"] = rng.choice(["f", "m"], n)
    good = frame["income"] - 0.8 * frame["debt"] + rng.normal(scale=0.6, size=n) > 0
    frame["label"] = good.astype(int)
    frame.to_csv(tmp_path / "d.csv", index=False)
    X = frame[["income", "debt"]]
    sio.dump(LogisticRegression().fit(X, frame["label"]), tmp_path / "champion.skops")
    shutil.copy(tmp_path / "champion.skops", tmp_path / "same.skops")
    weak = LogisticRegression().fit(X[["debt"]].assign(income=0.0)[X.columns], frame["label"])
    sio.dump(weak, tmp_path / "weak.skops")
    return tmp_path


def _run(tmp: Path, model: str, baseline: str | None, drop: float = 0.0, extra: str = ""):
    """`check`; report.json valid against its schema and read back as the gate wrote it."""
    write_policy(tmp / "p.yaml", POLICY % {"drop": drop, "extra": extra})
    flags = ["--baseline-model", tmp / baseline] if baseline else []
    out = tmp / f"out-{model}-{baseline}-{extra.strip(', :')}"
    result = run_check(tmp / "p.yaml", tmp / "d.csv", *flags, model=tmp / model, out=out)
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    again = load_report(out / "report.json")  # its statuses follow from its numbers
    assert [r.baseline for r in again.decision.results] == [
        None if "baseline" not in c else BaselineComparison.from_dict(c["baseline"])
        for c in report["checks"]
    ]
    return result, {c["id"]: c for c in report["checks"]}


def test_an_unchanged_model_is_approved_under_max_drop_zero(files):
    result, checks = _run(files, "same.skops", "champion.skops")
    assert result.code == 0, result.stdout + result.stderr
    for name in ("accuracy-vs-champion", "auc-vs-champion"):
        base = checks[name]["baseline"]
        assert base["paired"] is True and base["confidence"] == 0.95
        assert (base["drop"], base["ci"]) == (0, [0, 0])
    groups = checks["recall-per-group"]["groups"]
    assert {g["group"]["sex"] for g in groups} == {"f", "m"}
    assert all(g["baseline"][0]["ci"] == [0, 0] for g in groups)


def test_a_worse_model_is_blocked_with_the_drop_s_interval(files):
    result, checks = _run(files, "weak.skops", "champion.skops", drop=0.01)
    assert result.code == 1, result.stdout + result.stderr
    for name in ("accuracy-vs-champion", "auc-vs-champion"):
        check = checks[name]
        assert check["status"] == "fail" and check["baseline"]["ci"][0] > 0.01
        assert "95% interval" in check["message"]
    fair = checks["recall-per-group"]
    assert fair["status"] == "fail"
    assert all(g["baseline"][0]["status"] == "fail" for g in fair["groups"])


@pytest.mark.parametrize(
    ("extra", "status", "code"), [("", "error", 1), (", when_missing: skip", "skipped", 0)]
)
def test_no_baseline_model(files, extra, status, code):
    result, checks = _run(files, "same.skops", None, extra=extra)
    assert result.code == code, result.stdout + result.stderr
    assert {c["status"] for c in checks.values()} == {status}
