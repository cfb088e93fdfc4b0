"""Policy provenance: what a change loosens, and the approval gate on loosening."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_check, write_policy

from gate.policy.diff import policy_changes
from gate.policy.loader import load_policy

BASE = """
    version: 1
    data: {label: y}
    changes: {require_approval: true}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.6}
      - {id: acc, type: performance, metric: accuracy, min: 0.5, max: 0.99}
      - {id: nr, type: performance, metric: roc_auc, baseline: {max_drop: 0.01}}
"""
LOOSER = """
    version: 1
    data: {label: y}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.55, severity: warn}
      - {id: acc, type: performance, metric: accuracy, min: 0.6, max: 0.99}
      - {id: f1, type: performance, metric: f1, min: 0.1}
"""


def changes(tmp_path: Path, base: str, current: str) -> list[tuple[str, str, str]]:
    write_policy(tmp_path / "base.yaml", base)
    write_policy(tmp_path / "p.yaml", current)
    found = policy_changes(load_policy(tmp_path / "base.yaml"), load_policy(tmp_path / "p.yaml"))
    return [(c.kind, c.check, c.detail) for c in found]


def test_every_loosening_is_listed_first(tmp_path: Path):
    found = changes(tmp_path, BASE, LOOSER)
    assert found == [
        ("loosened", "auc", "min 0.6 -> 0.55"),
        ("loosened", "auc", "severity block -> warn"),
        ("removed", "nr", "check nr removed"),
        ("tightened", "acc", "min 0.5 -> 0.6"),
        ("added", "f1", "check f1 added"),
    ]


def test_a_new_waiver_is_a_loosening(tmp_path: Path):
    waiver = "      - {check: auc, reason: pilot, approved_by: risk, expires: 2099-01-01}\n"
    found = changes(tmp_path, BASE, BASE + "    waivers:\n" + waiver)
    assert found == [("waiver added", "auc", "waiver by risk, expires 2099-01-01: pilot")]


def gate(workspace: Path, tmp_path: Path, current: str):
    write_policy(tmp_path / "base.yaml", BASE)
    write_policy(tmp_path / "p.yaml", current)
    return run_check(
        tmp_path / "p.yaml",
        workspace / "eval.csv",
        "--base-policy",
        tmp_path / "base.yaml",
        "--format",
        "markdown",
        model=workspace / "candidate.skops",
        out=tmp_path / "o",
    )


def test_loosening_blocks_until_approved_when_the_base_requires_it(workspace, tmp_path):
    result = gate(workspace, tmp_path, LOOSER)
    assert result.code == 1
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert {"kind": "removed", "check": "nr", "detail": "check nr removed"} in (
        report["policy_changes"]
    )
    gate_result = next(c for c in report["checks"] if c["id"] == "policy-changes")
    assert gate_result["status"] == "fail" and "auc: min 0.6 -> 0.55" in gate_result["message"]
    assert (
        "### Policy changes against the base policy" in (tmp_path / "o" / "report.md").read_text()
    )
    approved = (
        LOOSER
        + "    waivers:\n"
        + (
            "      - {check: policy-changes, reason: RISK-9 signed off,"
            " approved_by: model-risk-committee, expires: 2099-01-01}\n"
        )
    )
    result = gate(workspace, tmp_path, approved)
    assert result.code == 0, result.stdout
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert next(c for c in report["checks"] if c["id"] == "policy-changes")["status"] == "waived"
