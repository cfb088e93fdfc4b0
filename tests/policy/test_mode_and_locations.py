"""mode: report (a report-only policy, never "approved") and where built-in checks point."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import run_check, run_cli, write_policy

CHECK = "{id: %s, type: performance, metric: roc_auc, min: %s, severity: %s}"


def policy(*checks: str, top: str = "") -> str:
    return (
        "version: 1\n" + top + "data: {label: y}\nchecks:\n" + "".join(f"  - {c}\n" for c in checks)
    )


@pytest.mark.parametrize("severities", [("warn",), ("info",), ("warn", "info")])
def test_a_gate_without_a_blocking_check_is_refused(tmp_path: Path, workspace: Path, severities):
    checks = [CHECK % (f"c{i}", 0.99, s) for i, s in enumerate(severities)]
    path = write_policy(tmp_path / "p.yaml", policy(*checks))
    result = run_cli("validate", path)
    assert result.code == 2 and f"{path}:3:1: no check blocks" in result.stderr, result.stderr
    assert "mode: report" in result.stderr
    checked = run_check(path, workspace / "eval.csv", model=workspace / "candidate.skops")
    assert checked.code == 2 and "no check blocks" in checked.stderr


def test_report_mode_reports_failures_without_approving(tmp_path: Path, workspace: Path):
    path = write_policy(
        tmp_path / "p.yaml", policy(CHECK % ("hard", 0.99, "warn"), top="mode: report\n")
    )
    result = run_check(
        path,
        workspace / "eval.csv",
        "--format",
        "markdown",
        model=workspace / "candidate.skops",
        out=tmp_path / "o",
    )
    assert result.code == 0, result.stderr
    assert "REPORT ONLY — no gate decision" in result.stdout and "APPROVED" not in result.stdout
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["decision"] == "report" and report["exit_code"] == 0
    md = (tmp_path / "o" / "report.md").read_text()
    assert "report only — no gate decision" in md and "approved" not in md.split("\n")[2]
    # the published report.json is valid against the shipped schema and reads back
    from gate.report.from_json import load_report

    assert load_report(tmp_path / "o" / "report.json").decision.verdict.value == "report"


def test_report_mode_refuses_fail_on_warn(tmp_path: Path, workspace: Path):
    path = write_policy(
        tmp_path / "p.yaml", policy(CHECK % ("a", 0.5, "warn"), top="mode: report\n")
    )
    result = run_check(
        path, workspace / "eval.csv", "--fail-on-warn", model=workspace / "candidate.skops"
    )
    assert result.code == 2 and "report-only" in result.stderr


def test_switching_to_report_mode_still_needs_change_approval(tmp_path: Path, workspace: Path):
    base = write_policy(
        tmp_path / "base.yaml",
        policy(CHECK % ("a", 0.99, "block"), top="changes: {require_approval: true}\n"),
    )
    path = write_policy(
        tmp_path / "p.yaml", policy(CHECK % ("a", 0.99, "warn"), top="mode: report\n")
    )
    result = run_check(
        path,
        workspace / "eval.csv",
        "--base-policy",
        base,
        model=workspace / "candidate.skops",
        out=tmp_path / "o",
    )
    assert result.code == 1, result.stdout
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["decision"] == "block"
    assert (
        "mode gate -> report"
        in next(c for c in report["checks"] if c["id"] == "policy-changes")["message"]
    )


def test_builtin_checks_point_at_the_pack_and_at_the_users_extends_line(tmp_path: Path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "policies").mkdir()
    write_policy(
        repo / "policies" / "base.yaml",
        "version: 1\nextends: ['builtin:eeoc-four-fifths']\n",
    )
    path = write_policy(
        repo / "policies" / "p.yaml",
        "version: 1\nname: hiring\nextends: [base.yaml]\n"
        "data: {label: y, prediction: hired, sensitive: [sex]}\n",
    )
    data = Path(__file__).resolve().parents[2] / "gate/policies/cases/eeoc-adverse.csv"
    result = run_check(
        path, data, "--format", "codequality", out=tmp_path / "o", env={"GITHUB_ACTIONS": ""}
    )
    assert result.code == 1, result.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    check = next(c for c in report["checks"] if c["id"] == "eeoc-four-fifths")
    assert check["location"].startswith("builtin:eeoc-four-fifths:")
    assert check["extended_at"] == "policies/base.yaml:2:11"
    assert report["inputs"]["policy"]["path"] == "policies/p.yaml"
    assert report["inputs"]["policy"]["sources"] == [
        "builtin:eeoc-four-fifths",
        "policies/base.yaml",
        "policies/p.yaml",
    ]
    issue = json.loads((tmp_path / "o" / "codequality.json").read_text())[0]
    assert issue["location"] == {"path": "policies/base.yaml", "lines": {"begin": 2}}
    evidence = (tmp_path / "o" / "evidence.json").read_text()
    assert "site-packages" not in evidence and str(tmp_path) not in json.dumps(check)

    from gate.report import github
    from gate.report.from_json import load_report

    annotations = github.render(load_report(tmp_path / "o" / "report.json"))
    assert "file=policies/base.yaml,line=2," in annotations
