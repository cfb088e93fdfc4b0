"""End to end, multiclass behaviour checks: the real CLI on files (a skops-saved 3-class
logistic regression leaning on sex, a CSV with a planted weak slice, a policy with importance,
robustness and slices) writes schema-valid reports whose verdicts name the attribute, the group
and the slice; a policy asking for what multiclass cannot judge is exit 2 naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import yaml
from helpers import ROOT, run_cli
from sklearn.linear_model import LogisticRegression

REPORT_SCHEMA = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())
INPUTS = ["a", "b", "sex_m"]
CLASSES = np.array(["A", "B", "C"])
SLICED = ["region", "a", "b"]
CHECKS = [
    {"id": "reliance", "type": "importance", "protected": ["sex_m"], "max_rank": 2},
    {
        "id": "counterfactual",
        "type": "robustness",
        "counterfactual": ["sex_m"],
        "max_flip_rate": 0.01,
        "features": {"a": {"monotonic": "increasing"}},
        "class": "A",
        "noise": "none",
    },
    {"id": "weak-slices", "type": "slices", "metric": "accuracy", "min": 0.7, "features": SLICED},
    {"id": "recall-c", "type": "slices", "metric": "recall", "class": "C", "min": 0.5},
]


def grades(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    frame["sex_m"] = rng.integers(0, 2, n)
    frame["region"] = rng.choice(["N", "S", "E"], n)
    value = 1.5 * frame.a + 1.2 * (2 * frame.sex_m - 1) + rng.normal(0, 0.3, n)
    frame["grade"] = CLASSES[2 - np.digitize(value, [-0.8, 0.8])]  # A: the highest values
    return frame


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mcb")
    train = grades(1500, 1)
    model = LogisticRegression()
    sio.dump(model.fit(train[INPUTS], train.grade), root / "model.skops")
    data = grades(1500, 2)
    weak = (data.region == "N").to_numpy() & (np.random.default_rng(3).uniform(size=1500) < 0.7)
    data.loc[weak, "grade"] = np.roll(CLASSES, 1)[np.searchsorted(CLASSES, data.grade[weak])]
    data.to_csv(root / "eval.csv", index=False)
    binding = {"label": "grade", "task": "multiclass_classification", "features": INPUTS}
    policy = {"version": 1, "data": binding, "checks": CHECKS}
    (root / "policy.yaml").write_text(yaml.safe_dump(policy, sort_keys=False))
    return root


def run(ws: Path, out: Path, policy: str = "policy.yaml"):
    return run_cli(
        "check",
        "--policy",
        ws / policy,
        "--model",
        ws / "model.skops",
        "--data",
        ws / "eval.csv",
        "--output-dir",
        out,
        "--format",
        "json",
        "markdown",
        "--resamples",
        "200",
    )


def test_the_cli_judges_a_multiclass_models_behaviour(ws: Path, tmp_path: Path):
    done = run(ws, tmp_path)
    assert done.code == 1, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["reliance"]["status"] == "fail" and "sex_m" in checks["reliance"]["message"]
    assert checks["reliance"]["metric"] == "rank"  # the value is a rank (review13 #6)
    assert checks["reliance"]["sample"]["metric"] == "log_loss"
    robust = checks["counterfactual"]
    assert robust["status"] == "fail", robust["message"]
    assert {g["group"]["sex_m"] for g in robust["groups"]} == {"0", "1"}
    monotonic = next(p for p in robust["perturbations"] if p["probe"] == "monotonic")
    assert monotonic["violations"] == 0  # softmax: A, the largest weight on a, rises with a
    slices = checks["weak-slices"]
    assert slices["status"] == "fail" and slices["slices"][0]["slice"]["region"] == "N"
    assert checks["recall-c"]["class"] == "C"
    assert "sex\\_m" in (tmp_path / "report.md").read_text()  # escaped for Markdown


def test_a_monotonic_feature_without_class_is_exit_2_naming_the_key(ws: Path, tmp_path: Path):
    bad = yaml.safe_load((ws / "policy.yaml").read_text())
    del bad["checks"][1]["class"]
    (ws / "bad.yaml").write_text(yaml.safe_dump(bad, sort_keys=False))
    done = run(ws, tmp_path, "bad.yaml")
    assert done.code == 2, done.stderr
    assert "bad.yaml:" in done.stderr and "needs 'class: <label>'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "report.json").exists()
