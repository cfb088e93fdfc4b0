"""End to end, multiclass: the real CLI on files — a skops-saved scikit-learn model, a CSV,
a policy — writes report.json / report.md with the averaged metric and the per-class ones
(scikit-learn's values), `init` writes a multiclass policy that runs, the Dask engine gives the
same report, and what cannot be evaluated is exit 2 naming the column or key."""

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
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression

REPORT_SCHEMA = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())
FEATURES = ["a", "b"]
CLASSES = ["bird", "cat", "dog"]
POLICY = {
    "version": 1,
    "name": "species",
    "data": {"label": "species", "task": "multiclass_classification", "sensitive": ["sex"]},
    "checks": [
        {"id": "f1-macro", "type": "performance", "metric": "f1", "min": 0.6, "confidence": 0.95},
        {
            "id": "recall-weighted",
            "type": "performance",
            "metric": "recall",
            "average": "weighted",
            "min": 0.6,
        },
        {
            "id": "recall-dog",
            "type": "performance",
            "metric": "recall",
            "class": "dog",
            "min": 0.99,
        },
        {"id": "auc", "type": "performance", "metric": "roc_auc", "min": 0.8},
        {"id": "log-loss", "type": "performance", "metric": "log_loss", "max": 1.0},
        {
            "id": "dog-rate",
            "type": "fairness",
            "metric": "selection_rate",
            "class": "dog",
            "aggregate": "ratio",
            "min": 0.5,
        },
    ],
}


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    noise = rng.normal(0, 0.7, n)
    species = np.where(x.a + noise > 0.7, "dog", np.where(x.b + noise > 0, "cat", "bird"))
    return x.assign(species=species, sex=rng.choice(["F", "M"], n))


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mc")
    train = frame(2000, 1)
    sio.dump(LogisticRegression().fit(train[FEATURES], train["species"]), root / "model.skops")
    frame(3000, 2).to_csv(root / "eval.csv", index=False)
    frame(3000, 2).to_parquet(root / "eval.parquet")
    (root / "policy.yaml").write_text(yaml.safe_dump(POLICY, sort_keys=False))
    return root


def check(ws: Path, out: Path, *extra: str, data: str = "eval.csv", policy: str = "policy.yaml"):
    return run_cli(
        "check",
        "--policy",
        ws / policy,
        "--data",
        ws / data,
        "--output-dir",
        out,
        "--format",
        "json",
        "markdown",
        "--batch-rows",
        "700",
        *extra,
    )


def test_check_writes_reports_with_scikit_learn_values(ws: Path, tmp_path: Path):
    run = check(ws, tmp_path, "--model", ws / "model.skops")
    assert run.code == 1, run.stderr  # recall of dog is below 0.99: blocked
    report = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["inputs"]["task"] == "multiclass_classification"
    checks = {c["id"]: c for c in report["checks"]}
    data = pd.read_csv(ws / "eval.csv")
    model = sio.load(ws / "model.skops")
    y, pred = data["species"], model.predict(data[FEATURES])
    proba = model.predict_proba(data[FEATURES])
    expected = {
        "f1-macro": skm.f1_score(y, pred, average="macro"),
        "recall-weighted": skm.recall_score(y, pred, average="weighted"),
        "recall-dog": skm.recall_score(y == "dog", pred == "dog"),
        "auc": skm.roc_auc_score(y, proba, multi_class="ovr"),
        "log-loss": skm.log_loss(y, proba),
    }
    for cid, value in expected.items():
        assert checks[cid]["value"] == pytest.approx(value, rel=1e-10), cid
    assert checks["f1-macro"]["average"] == "macro" and len(checks["f1-macro"]["ci"]) == 2
    assert checks["recall-weighted"]["average"] == "weighted"
    assert checks["recall-dog"]["class"] == "dog" and checks["recall-dog"]["status"] == "fail"
    assert "class" not in checks["auc"] and checks["auc"]["average"] == "macro"
    rate = {g["group"]["sex"]: g["value"] for g in checks["dog-rate"]["groups"]}
    sex = data["sex"]
    assert rate == pytest.approx({s: float((pred[sex == s] == "dog").mean()) for s in "FM"})
    markdown = (tmp_path / "report.md").read_text()
    table = markdown.split("<details>")[0]  # the summary table's Metric column
    assert "| f1 (macro) |" in table and "| recall (class dog) |" in table
    assert "| ratio of selection\\_rate between groups of class dog |" in table


def test_the_dask_engine_and_parquet_give_the_same_report(ws: Path, tmp_path: Path, dask_cluster):
    """On the tests' shared cluster (--scheduler): the run that starts its own cluster is
    backends/test_dask.py's; the multiclass parts are computed on the workers either way."""
    here = check(ws, tmp_path / "local", "--model", ws / "model.skops", data="eval.parquet")
    there = check(
        ws,
        tmp_path / "dask",
        "--model",
        ws / "model.skops",
        "--engine",
        "dask",
        "--scheduler",
        dask_cluster.scheduler_address,
        data="eval.parquet",
    )
    assert here.code == there.code == 1, there.stderr
    local = json.loads((tmp_path / "local/report.json").read_text())
    dask = json.loads((tmp_path / "dask/report.json").read_text())
    assert [c["value"] for c in dask["checks"]] == [c["value"] for c in local["checks"]]
    assert (tmp_path / "dask/report.json").read_bytes() == (
        tmp_path / "local/report.json"
    ).read_bytes()


def test_predictions_only_with_probability_columns(ws: Path, tmp_path: Path):
    data = pd.read_csv(ws / "eval.csv")
    model = sio.load(ws / "model.skops")
    proba = model.predict_proba(data[FEATURES])
    data.assign(**{f"p_{c}": proba[:, k] for k, c in enumerate(CLASSES)}).to_csv(
        tmp_path / "scored.csv", index=False
    )
    policy = json.loads(json.dumps(POLICY))
    policy["data"]["scores"] = {c: f"p_{c}" for c in CLASSES}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(policy))
    run = check(tmp_path, tmp_path / "out", data="scored.csv", policy="p.yaml")
    assert run.code == 1, run.stderr
    checks = {c["id"]: c for c in json.loads((tmp_path / "out/report.json").read_text())["checks"]}
    y = data["species"]
    assert checks["auc"]["value"] == pytest.approx(
        skm.roc_auc_score(y, proba, multi_class="ovr"), rel=1e-10
    )
    pred = model.predict(data[FEATURES])
    assert checks["f1-macro"]["value"] == pytest.approx(
        skm.f1_score(y, pred, average="macro"), rel=1e-10
    )


def test_a_label_the_model_does_not_know_is_exit_2_naming_both(ws: Path, tmp_path: Path):
    data = pd.read_csv(ws / "eval.csv")
    data.loc[1234, "species"] = "emu"
    data.to_csv(tmp_path / "emu.csv", index=False)
    (tmp_path / "policy.yaml").write_text((ws / "policy.yaml").read_text())
    run = check(tmp_path, tmp_path / "out", "--model", ws / "model.skops", data="emu.csv")
    assert run.code == 2
    assert "label column 'species' has 'emu'" in run.stderr
    assert "bird, cat, dog" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out" / "report.json").exists()


def test_a_threshold_in_a_multiclass_policy_is_exit_2_naming_the_key(ws: Path, tmp_path: Path):
    policy = json.loads(json.dumps(POLICY))
    policy["data"]["threshold"] = 0.3
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(policy, sort_keys=False))
    run = run_cli("validate", tmp_path / "p.yaml")
    assert run.code == 2
    assert "data.threshold does not apply to data.task: multiclass_classification" in run.stderr


def test_init_writes_a_multiclass_policy_that_validates_and_runs(ws: Path, tmp_path: Path):
    run = run_cli(
        "init",
        "--model",
        ws / "model.skops",
        "--data",
        ws / "eval.csv",
        "--label",
        "species",
        "--sensitive",
        "sex",
        "--ci",
        "none",
        "-o",
        tmp_path / "policy.yaml",
    )
    assert run.code == 0, run.stderr
    policy = yaml.safe_load((tmp_path / "policy.yaml").read_text())
    assert policy["data"]["task"] == "multiclass_classification"
    assert "positive_label" not in policy["data"] and "threshold" not in policy["data"]
    first = policy["checks"][0]
    assert (first["metric"], first["average"]) == ("roc_auc", "macro")
    fairness = [c for c in policy["checks"] if c["type"] == "fairness"]
    assert [c["class"] for c in fairness] == CLASSES
    assert run_cli("validate", tmp_path / "policy.yaml").code == 0
    (tmp_path / "eval.csv").write_bytes((ws / "eval.csv").read_bytes())
    ran = check(tmp_path, tmp_path / "out", "--model", ws / "model.skops")
    assert ran.code in (0, 1), ran.stderr
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert {c["status"] for c in report["checks"]} <= {"pass", "fail"}


def test_a_saved_profile_holds_the_multiclass_parts(ws: Path, tmp_path: Path):
    from gate.inputs import profile_file

    out = tmp_path / "eval.profile"
    args = (
        "--policy",
        ws / "policy.yaml",
        "--data",
        ws / "eval.csv",
        "--model",
        ws / "model.skops",
    )
    run = run_cli("profile", *args, "-o", out, "--batch-rows", "700")
    assert run.code == 0, run.stderr
    profile, _, _ = profile_file.load(out, "profile")
    cells = profile.candidate["classes"]
    assert cells.classes == tuple(CLASSES) and int(cells.cells.n.sum()) == 3000
    assert profile.candidate["class_scores"].classes == tuple(CLASSES)
