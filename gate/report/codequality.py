"""codequality.json: GitLab's Code Quality report, one issue per unmet check."""

from __future__ import annotations

import hashlib

from gate.report.escape import json_text
from gate.results import (
    NOT_MET,
    CheckResult,
    Decision,
    Evaluation,
    Severity,
    Status,
    split_location,
)
from gate.wording import not_enforced, status_label

SEVERITY = {Severity.BLOCK: "critical", Severity.WARN: "minor", Severity.INFO: "info"}


def location_of(r: CheckResult) -> tuple[str, int]:
    """(policy file, line) in the user's repository of a check: a built-in pack's check points
    at the `extends:` entry that brought it in; ('', 1) when unknown."""
    file, line = split_location(r.extended_at) if r.extended_at else r.source
    return file, line or 1


def _severity(r: CheckResult, d: Decision) -> str:
    """GitLab's severity: what a report-only run does not enforce is 'minor', as warnings are."""
    if not_enforced(r, d):
        return SEVERITY[Severity.WARN]
    return "blocker" if r.status is Status.ERROR and r.blocking else SEVERITY[r.severity]


def _issue(r: CheckResult, evaluation: Evaluation) -> dict:
    path, line = location_of(r)
    severity = _severity(r, evaluation.decision)
    key = f"model-gate\0{evaluation.policy_name}\0{r.id}\0{r.status.value}"
    label = status_label(r, evaluation.decision)
    return {
        "type": "issue",
        "check_name": f"model-gate/{r.type}/{r.id}",
        "description": f"{r.id} ({label}): {r.message}",
        "categories": ["Bug Risk"],
        "severity": severity,
        "fingerprint": hashlib.sha256(key.encode()).hexdigest(),
        "location": {"path": path, "lines": {"begin": line}},
    }


def render(evaluation: Evaluation) -> str:
    """The JSON array of issues (empty when every check is met)."""
    issues = [_issue(r, evaluation) for r in evaluation.decision.results if r.status in NOT_MET]
    return json_text(issues, indent=2) + "\n"
