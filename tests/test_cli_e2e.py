"""End to end: the real CLI in a subprocess on real files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import skops.io as sio
from helpers import ROOT, run_check, run_cli, write_policy
from sklearn.metrics import accuracy_score, roc_auc_score

REPORT_SCHEMA = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())


def check(ws: Path, policy: str | Path, *extra: str, model: str | None = "candidate.skops"):
    args = ["check", "--policy", ws / policy, "--data", ws / "eval.csv", *extra]
    if model:
        args += ["--model", ws / model]
    return run_cli(*args)


def read_report(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    return report


def test_approve_writes_valid_reports_with_sklearn_values(workspace: Path, tmp_path: Path):
    result = check(workspace, "passing.yaml", "--output-dir", str(tmp_path), "--format", "markdown")
    assert result.code == 0, result.stderr
    assert "APPROVED" in result.stdout
    report = read_report(tmp_path)
    assert report["decision"] == "approve" and report["exit_code"] == 0
    frame = pd.read_csv(workspace / "eval.csv")
    model = sio.load(workspace / "candidate.skops")
    proba = model.predict_proba(frame[["x1", "x2", "x3"]])[:, 1]
    values = {c["id"]: c["value"] for c in report["checks"]}
    assert values["auc"] == pytest.approx(roc_auc_score(frame["y"], proba), abs=1e-12)
    assert values["acc"] == pytest.approx(accuracy_score(frame["y"], proba >= 0.5), abs=1e-12)
    assert report["inputs"]["data"]["rows"] == len(frame)
    assert (tmp_path / "report.md").read_text().startswith("<!-- model-gate-report -->")


def test_block_exits_1_and_reports_the_failing_check(workspace: Path, tmp_path: Path):
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {label: y}
        checks:
          - {id: auc-high, type: performance, metric: roc_auc, min: 0.99}
          - {id: acc, type: performance, metric: accuracy, min: 0.5}
    """,
    )
    result = run_check(
        tmp_path / "p.yaml",
        workspace / "eval.csv",
        model=workspace / "candidate.skops",
        out=tmp_path / "out",
    )
    assert result.code == 1, result.stderr
    report = read_report(tmp_path / "out")
    status = {c["id"]: c["status"] for c in report["checks"]}
    assert status == {"auc-high": "fail", "acc": "pass"}
    assert report["decision"] == "block"
    assert "below min 0.99" in result.stdout


def test_warn_only_approves_unless_fail_on_warn(workspace: Path, tmp_path: Path):
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {label: y}
        checks:
          - {id: acc, type: performance, metric: accuracy, min: 0.5}
          - {id: recall-high, type: performance, metric: recall, min: 0.99, severity: warn}
    """,
    )
    files = (tmp_path / "p.yaml", workspace / "eval.csv")
    where = {"model": workspace / "candidate.skops", "out": tmp_path / "out"}
    result = run_check(*files, **where)
    assert result.code == 0, result.stderr
    report = read_report(tmp_path / "out")
    assert {c["id"]: c["status"] for c in report["checks"]}["recall-high"] == "warn"
    assert report["decision"] == "approve"
    strict = run_check(*files, "--fail-on-warn", **where)
    assert strict.code == 1
    assert read_report(tmp_path / "out")["decision"] == "block"


def test_dry_run_prints_the_pr_report_and_exits_0_even_when_blocking(workspace, tmp_path):
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {label: y}
        checks: [{id: auc-high, type: performance, metric: roc_auc, min: 0.99}]
    """,
    )
    result = run_cli(
        "dry-run",
        "--policy",
        tmp_path / "p.yaml",
        "--data",
        workspace / "eval.csv",
        "--model",
        workspace / "candidate.skops",
    )
    assert result.code == 0
    assert "**blocked**" in result.stdout and "| ❌ fail | `auc-high`" in result.stdout


def test_baseline_delta_is_candidate_minus_baseline(workspace: Path, tmp_path: Path):
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {label: y}
        checks:
          - id: no-regression
            type: performance
            metric: roc_auc
            baseline: {max_drop: 0.0, max_relative_drop: 0.0}
    """,
    )
    result = run_cli(
        "check",
        "--policy",
        tmp_path / "p.yaml",
        "--data",
        workspace / "eval.csv",
        "--model",
        workspace / "candidate.skops",
        "--baseline-model",
        workspace / "baseline.skops",
        "--output-dir",
        tmp_path / "out",
    )
    assert result.code == 0, result.stderr
    entry = read_report(tmp_path / "out")["checks"][0]
    frame = pd.read_csv(workspace / "eval.csv")
    base = sio.load(workspace / "baseline.skops").predict_proba(frame[["x1"]])[:, 1]
    assert entry["baseline"]["value"] == pytest.approx(roc_auc_score(frame["y"], base), 1e-12)
    assert entry["baseline"]["delta"] == pytest.approx(entry["value"] - entry["baseline"]["value"])
    assert entry["baseline"]["delta"] > 0


def test_baseline_check_without_baseline_model_is_an_error_that_blocks(workspace, tmp_path):
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {label: y}
        checks: [{id: nr, type: performance, metric: roc_auc, baseline: {max_drop: 0.01}}]
    """,
    )
    result = run_check(
        tmp_path / "p.yaml",
        workspace / "eval.csv",
        model=workspace / "candidate.skops",
        out=tmp_path / "o",
    )
    assert result.code == 1
    entry = read_report(tmp_path / "o")["checks"][0]
    assert entry["status"] == "error" and "--baseline-model" in entry["message"]


def test_reports_are_deterministic(workspace: Path, tmp_path: Path):
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {label: y}
        checks: [{id: auc, type: performance, metric: roc_auc, min: 0.6, confidence: 0.9}]
    """,
    )
    texts = []
    for name in ("a", "b"):
        run_check(
            tmp_path / "p.yaml",
            workspace / "eval.csv",
            *("--format", "markdown", "--seed", "7", "--resamples", "200"),
            model=workspace / "candidate.skops",
            out=tmp_path / name,
        )
        texts.append([(tmp_path / name / f).read_text() for f in ("report.json", "report.md")])
    assert texts[0] == texts[1]
    assert read_report(tmp_path / "a")["checks"][0]["ci"][0] < 0.9


def test_parquet_and_predictions_only_mode(workspace: Path, tmp_path: Path):
    frame = pd.read_parquet(workspace / "eval.parquet")
    frame["score"] = frame["x1"].rank(pct=True)
    frame.to_parquet(tmp_path / "scored.parquet")
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {label: y, score: score}
        checks: [{id: auc, type: performance, metric: roc_auc, min: 0.5}]
    """,
    )
    result = run_cli(
        "check",
        "--policy",
        tmp_path / "p.yaml",
        "--data",
        tmp_path / "scored.parquet",
        "--output-dir",
        tmp_path / "o",
    )
    assert result.code == 0, result.stderr
    value = read_report(tmp_path / "o")["checks"][0]["value"]
    assert value == pytest.approx(roc_auc_score(frame["y"], frame["score"]), abs=1e-12)


def test_regression_with_cli_column_overrides(tmp_path: Path):
    from helpers import regression_frame

    frame = regression_frame()
    frame["pred"] = frame["target"] + 0.3
    frame.to_csv(tmp_path / "reg.csv", index=False)
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        checks:
          - {id: mae, type: performance, metric: mae, max: 0.5}
          - {id: r2, type: performance, metric: r2, min: 0.9}
    """,
    )
    result = run_cli(
        "check",
        "--policy",
        tmp_path / "p.yaml",
        "--data",
        tmp_path / "reg.csv",
        "--label",
        "target",
        "--prediction",
        "pred",
        "--output-dir",
        tmp_path / "o",
    )
    assert result.code == 0, result.stderr + result.stdout
    report = read_report(tmp_path / "o")
    assert report["inputs"]["task"] == "regression"
    assert report["checks"][0]["value"] == pytest.approx(0.3, abs=1e-12)


def test_version_is_printed_without_importing_heavy_libraries():
    result = run_cli("--version")
    assert result.code == 0 and result.stdout.startswith("model-gate ")
    probe = run_cli("schema", "policy")
    assert probe.code == 0 and json.loads(probe.stdout)["title"].startswith("model-gate")
    import subprocess
    import sys

    code = (
        "import sys, gate.cli\n"
        "try:\n    gate.cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'sklearn', 'numpy', 'onnxruntime', 'skops')"
        " if m in sys.modules]\nprint(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert out.strip().endswith("[]")


def test_help_teaches_with_examples():
    result = run_cli("check", "--help")
    assert result.code == 0
    assert "examples:" in result.stdout and "--baseline-model" in result.stdout


FAIRNESS_POLICY = """
    version: 1
    data: {label: y, score: score, sensitive: [sex]}
    checks:
      - id: parity
        type: fairness
        metric: demographic_parity_ratio
        min: 0.8
        confidence: 0.9
"""


def test_fairness_check_lists_every_group(workspace: Path, tmp_path: Path):
    from fairlearn.metrics import demographic_parity_ratio

    frame = pd.read_csv(workspace / "eval.csv")
    frame["score"] = (frame["x1"] > 0).astype(float) * 0.9
    frame.loc[frame.index % 7 == 0, "sex"] = None
    frame.to_csv(tmp_path / "scored.csv", index=False)
    write_policy(tmp_path / "p.yaml", FAIRNESS_POLICY)
    result = run_cli(
        "check",
        "--policy",
        tmp_path / "p.yaml",
        "--data",
        tmp_path / "scored.csv",
        "--output-dir",
        tmp_path / "o",
        "--format",
        "markdown",
    )
    assert result.code in (0, 1), result.stderr
    entry = read_report(tmp_path / "o")["checks"][0]
    sensitive = frame["sex"].fillna("(missing)")
    expected = demographic_parity_ratio(
        frame["y"], frame["score"] >= 0.5, sensitive_features=sensitive
    )
    assert entry["value"] == pytest.approx(expected, abs=1e-12)
    assert [g["group"]["sex"] for g in entry["groups"]] == ["f", "m", "(missing)"]
    assert sum(g["n"] for g in entry["groups"]) == len(frame)
    assert entry["ci"][0] <= entry["value"] <= entry["ci"][1]
    assert "| sex=(missing) |" in (tmp_path / "o" / "report.md").read_text()


def test_missing_sensitive_column_is_exit_2(workspace: Path, tmp_path: Path):
    frame = pd.read_csv(workspace / "eval.csv").rename(columns={"sex": "gender"})
    frame["score"] = 0.5
    frame.to_csv(tmp_path / "d.csv", index=False)
    write_policy(tmp_path / "p.yaml", FAIRNESS_POLICY)
    result = run_cli("check", "--policy", tmp_path / "p.yaml", "--data", tmp_path / "d.csv")
    assert result.code == 2 and "no sensitive column 'sex'" in result.stderr


def test_evidence_is_an_in_toto_statement_of_the_inputs(workspace: Path, tmp_path: Path):
    import hashlib

    write_policy(tmp_path / "base.yaml", "version: 1\ndata: {label: y}\n")
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        extends: [base.yaml]
        checks: [{id: acc, type: performance, metric: accuracy, min: 0.5}]
    """,
    )
    result = run_check(
        tmp_path / "p.yaml",
        workspace / "eval.csv",
        model=workspace / "candidate.skops",
        out=tmp_path / "o",
    )
    assert result.code == 0, result.stderr
    statement = json.loads((tmp_path / "o" / "evidence.json").read_text())
    assert statement["_type"] == "https://in-toto.io/Statement/v1"

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    digests = {s["annotations"]["role"]: s["digest"]["sha256"] for s in statement["subject"]}
    assert digests == {
        "model": sha(workspace / "candidate.skops"),
        "data": sha(workspace / "eval.csv"),
        "policy": sha(tmp_path / "p.yaml"),
        "policy-base": sha(tmp_path / "base.yaml"),
    }
    predicate = statement["predicate"]
    assert predicate["decision"] == "approve" and predicate["evaluated_at"].endswith("Z")
    assert predicate["report_sha256"] == sha(tmp_path / "o" / "report.json")


def test_evidence_names_every_policy_file_from_any_directory(tmp_path: Path, workspace: Path):
    """Built-in packs and repository files are subjects too, digested from the bytes parsed,
    wherever the gate runs from (labels are repository-relative, not paths to reopen)."""
    import hashlib

    from gate.policy.loader import builtin_dir

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "policies").mkdir()
    write_policy(repo / "policies" / "team.yaml", "version: 1\ndata: {label: y}\n")
    write_policy(
        repo / "policies" / "p.yaml",
        """
        version: 1
        extends: [builtin:eeoc-four-fifths, ./team.yaml]
        data: {prediction: y, sensitive: [sex]}
        checks: [{id: acc, type: performance, metric: accuracy, min: 0.5}]
    """,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli(
        "check",
        "--policy",
        repo / "policies" / "p.yaml",
        "--data",
        workspace / "eval.csv",
        "--output-dir",
        elsewhere / "o",
        cwd=elsewhere,
    )
    assert result.code in (0, 1), result.stderr
    statement = json.loads((elsewhere / "o" / "evidence.json").read_text())
    bases = {
        s["name"]: s["digest"]["sha256"]
        for s in statement["subject"]
        if s["annotations"]["role"] == "policy-base"
    }

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert bases == {
        "builtin:eeoc-four-fifths": sha(builtin_dir() / "eeoc-four-fifths.yaml"),
        "policies/team.yaml": sha(repo / "policies" / "team.yaml"),
    }
