"""`model-gate comment` re-judges every check of a report.json from the numbers it states
(value, interval, bounds, baseline, severity, waiver) and its structure (ids, a blocking check),
and with `--policy` pins the checks to a trusted policy. A tampered report: exit 2, the check
named, nothing posted, no status. Genuine reports (gate and report-only) still post."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fakes import post_comment as post
from helpers import run_check, write_policy

GATE = """
    version: 1
    name: rich
    data: {label: y, sensitive: [sex]}
    checks:
      - {id: auc-ci, type: performance, metric: roc_auc, min: 0.5, confidence: 0.9}
      - {id: auc-base, type: performance, metric: roc_auc, baseline: {max_drop: 0.5}}
      - {id: parity, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.5,
         severity: warn}
      - {id: acc-high, type: performance, metric: accuracy, max: 0.99, severity: info}
      - {id: auc-high, type: performance, metric: roc_auc, min: 0.99, severity: warn}
    waivers:
      - {check: auc-high, reason: pilot, approved_by: risk, expires: 2999-01-01}
"""
REPORT_ONLY = """
    version: 1
    name: shadow
    mode: report
    data: {label: y}
    checks:
      - {id: auc-high, type: performance, metric: roc_auc, min: 0.99, severity: warn}
"""
#: statuses that keep a blocking check from approving
UNMET = {"fail", "warn", "inconclusive", "error"}


def evaluate(workspace: Path, tmp: Path, body: str) -> tuple[Path, dict]:
    policy = write_policy(tmp / "p.yaml", body)
    run = run_check(
        policy,
        workspace / "eval.csv",
        "--baseline-model",
        workspace / "baseline.skops",
        "--resamples",
        "200",
        model=workspace / "candidate.skops",
        out=tmp / "out",
    )
    assert run.code in (0, 1), run.stderr
    return policy, json.loads((tmp / "out" / "report.json").read_text())


@pytest.fixture(scope="module")
def gate(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A genuine approved report: an interval, a baseline, a fairness check, a waiver."""
    policy, report = evaluate(workspace, tmp_path_factory.mktemp("gate"), GATE)
    by_id = {c["id"]: c for c in report["checks"]}
    assert report["decision"] == "approve", report
    assert "ci" in by_id["auc-ci"] and "baseline" in by_id["auc-base"]
    assert by_id["auc-high"]["status"] == "waived"
    return policy, report


@pytest.fixture(scope="module")
def shadow(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A genuine report-only report (its only check fails, at severity warn)."""
    policy, report = evaluate(workspace, tmp_path_factory.mktemp("shadow"), REPORT_ONLY)
    assert report["decision"] == "report" and report["checks"][0]["status"] == "warn"
    return policy, report


def relabel(doc: dict) -> dict:
    """decision, exit_code and summary made to agree with the (edited) statuses, as a forger
    would, so that only the re-judging of the checks themselves can catch the edit."""
    statuses = [c["status"] for c in doc["checks"]]
    blocked = any(c["severity"] == "block" and c["status"] in UNMET for c in doc["checks"])
    if doc["decision"] != "report":
        doc["decision"], doc["exit_code"] = ("block", 1) if blocked else ("approve", 0)
    doc["summary"] = {s: statuses.count(s) for s in doc["summary"]}
    return doc


def edit(check_id: str, **fields: object) -> Callable[[dict], dict]:
    def apply(doc: dict) -> dict:
        check = next(c for c in doc["checks"] if c["id"] == check_id)
        check.update({k: v for k, v in fields.items() if v is not None})
        for key in [k for k, v in fields.items() if v is None]:
            check.pop(key, None)
        return doc

    return apply


def dup(doc: dict) -> dict:
    doc["checks"].append({**doc["checks"][0], "status": "pass"})
    return doc


def every_severity(severity: str) -> Callable[[dict], dict]:
    def apply(doc: dict) -> dict:
        for c in doc["checks"]:
            c["severity"] = severity
            c["status"] = "fail" if c["status"] == "warn" else c["status"]
        return doc

    return apply


def forge_drop(doc: dict) -> dict:
    """A baseline 0.9 better than the candidate, its numbers and its stated rule consistent
    (max_drop raised to 1 in the report), the status pass."""
    from gate.checks.conditions import compare_baseline

    check = next(c for c in doc["checks"] if c["id"] == "auc-base")
    cmp = compare_baseline(check["value"], check["value"] + 0.9, greater_is_better=True)
    check["baseline"] = {k: getattr(cmp, k) for k in ("value", "delta", "drop", "relative_drop")}
    check["baseline"]["max_drop"] = 1.0
    return doc


def drop_over_stated_rule(doc: dict) -> dict:
    """forge_drop without raising the rule the report states: its own numbers say fail."""
    doc = forge_drop(doc)
    next(c for c in doc["checks"] if c["id"] == "auc-base")["baseline"]["max_drop"] = 0.5
    return doc


def rule_removed(doc: dict) -> dict:
    """The rule a comparison was judged by taken out: nothing left to re-judge it against."""
    check = next(c for c in doc["checks"] if c["id"] == "auc-base")
    check["baseline"].pop("max_drop")
    return doc


def baseline(**numbers: float) -> Callable[[dict], dict]:
    def apply(doc: dict) -> dict:
        check = next(c for c in doc["checks"] if c["id"] == "auc-base")
        check["baseline"] = {**check["baseline"], **numbers}
        return doc

    return apply


def straddle(doc: dict) -> dict:
    check = next(c for c in doc["checks"] if c["id"] == "auc-ci")
    check["ci"] = [check["threshold"]["min"] - 0.01, check["value"]]
    return doc


EXPIRED_ACTIVE = {"reason": "r", "approved_by": "x", "expires": "2020-01-01", "state": "active"}
#: name -> (edit, text the error must contain); every edit is relabelled consistently
TAMPERED = {
    "pass-below-min": (edit("auc-high", status="pass"), "'auc-high' says pass"),
    "no-checks": (lambda d: {**d, "checks": []}, "checks"),
    "severity-info-everywhere": (every_severity("info"), "no check has severity block"),
    "severity-warn-everywhere": (every_severity("warn"), "no check has severity block"),
    "skipped-blocking-check": (edit("auc-ci", status="skipped"), "'auc-ci' says skipped"),
    "duplicated-id": (dup, "auc-ci appears more than once"),
    "pass-without-a-value": (edit("auc-high", status="pass", value=None), "states no value"),
    "fairness-pass-without-a-value": (
        edit("parity", value=None, ci=None, status="pass"),
        "'parity' says pass",
    ),
    "pass-on-a-straddling-interval": (straddle, "'auc-ci' says pass"),
    "interval-upside-down": (edit("auc-ci", ci=[0.99, 0.5]), "upside down"),
    "value-moved-below-min": (edit("auc-ci", value=0.2, ci=None), "'auc-ci' says pass"),
    "max-exceeded": (edit("acc-high", value=0.995), "'acc-high' says pass"),
    "warn-under-block": (edit("auc-ci", status="warn"), "only a check of severity warn"),
    "fail-under-warn": (edit("parity", status="fail"), "reports `warn`"),
    "baseline-drop-forged": (baseline(drop=-0.2), "baseline numbers"),
    "baseline-delta-forged": (baseline(delta=0.3), "baseline numbers"),
    "baseline-drop-over-its-stated-rule": (drop_over_stated_rule, "exceeds max_drop 0.5"),
    "baseline-rule-removed": (rule_removed, "not the rule it was judged by"),
    "baseline-on-a-fairness-check": (
        edit("parity", baseline={"value": 0.5, "delta": 0.0, "drop": 0.0}),
        "only a performance check",
    ),
    "waiver-state-active-but-expired": (
        edit("auc-high", waiver=EXPIRED_ACTIVE),
        "waiver expired on 2020-01-01",
    ),
}


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_inconsistent_report_is_refused_and_nothing_is_posted(gate, tmp_path, name):
    change, expected = TAMPERED[name]
    code, stderr, api = post(tmp_path, relabel(change(copy.deepcopy(gate[1]))))
    assert code == 2, stderr
    assert expected in stderr and "Traceback" not in stderr
    assert api.requests == [] and api.statuses == []


def test_genuine_approved_report_posts_a_success_status(gate, tmp_path):
    code, stderr, api = post(tmp_path, copy.deepcopy(gate[1]))
    assert code == 0, stderr
    assert [s["state"] for s in api.statuses] == ["success"]


def test_genuine_report_only_report_posts_without_a_status(shadow, tmp_path):
    code, stderr, api = post(tmp_path, copy.deepcopy(shadow[1]))
    assert code == 0, stderr
    assert api.statuses == [] and "report only" in api.comments["acme/models#8"][0]["body"].lower()


def test_report_only_report_claiming_fail_on_warn_is_refused(shadow, tmp_path):
    code, stderr, api = post(tmp_path, {**copy.deepcopy(shadow[1]), "fail_on_warn": True})
    assert code == 2 and "fail_on_warn" in stderr and not api.requests


def test_report_only_report_with_a_passing_forgery_is_refused(shadow, tmp_path):
    doc = relabel(edit("auc-high", status="pass")(copy.deepcopy(shadow[1])))
    code, stderr, api = post(tmp_path, doc)
    assert code == 2 and "'auc-high' says pass" in stderr and not api.requests


def drop_check(check_id: str) -> Callable[[dict], dict]:
    def apply(doc: dict) -> dict:
        doc["checks"] = [c for c in doc["checks"] if c["id"] != check_id]
        return doc

    return apply


def add_check(doc: dict) -> dict:
    doc["checks"].append({**doc["checks"][0], "id": "extra"})
    return doc


def as_report_only(doc: dict) -> dict:
    doc.update(decision="report", exit_code=0)
    return doc


#: forged consistently (numbers and statuses agree), so only a trusted policy catches them
PINNED = {
    "threshold-loosened": (
        edit("auc-ci", threshold={"min": 0.1}),
        "'auc-ci' has threshold {'min': 0.1}",
    ),
    "severity-lowered": (edit("auc-base", severity="warn"), "'auc-base' has severity warn"),
    "metric-swapped": (edit("auc-ci", metric="accuracy"), "'auc-ci' has metric accuracy"),
    "confidence-dropped": (edit("auc-ci", confidence=None, ci=None), "'auc-ci' has confidence"),
    "check-removed": (drop_check("parity"), "checks missing from the report: parity"),
    "check-added": (add_check, "checks not in the policy: extra"),
    "baseline-drop-over-max": (forge_drop, "exceeds max_drop 0.5"),
    "baseline-comparison-removed": (edit("auc-base", baseline=None), "states no comparison"),
    "waived-without-a-policy-waiver": (
        edit("auc-ci", status="waived", waiver={**EXPIRED_ACTIVE, "expires": "2999-01-01"}),
        "no active waiver",
    ),
    "gate-report-passed-off-as-report-only": (as_report_only, "decision"),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_report_departing_from_the_trusted_policy_is_refused(gate, tmp_path, name):
    change, expected = PINNED[name]
    code, stderr, api = post(tmp_path, relabel(change(copy.deepcopy(gate[1]))), "--policy", gate[0])
    assert code == 2, stderr
    assert expected in stderr and "Traceback" not in stderr
    assert api.requests == [] and api.statuses == []


def test_genuine_reports_post_with_their_policy(gate, shadow, tmp_path):
    for policy, report in (gate, shadow):
        code, stderr, api = post(tmp_path, copy.deepcopy(report), "--policy", policy)
        assert code == 0, stderr
        assert len(api.comments["acme/models#8"]) == 1


def test_a_bad_trusted_policy_is_an_error(gate, tmp_path):
    bad = write_policy(tmp_path / "bad.yaml", "version: 1\nchecks: []\n")
    code, stderr, api = post(tmp_path, copy.deepcopy(gate[1]), "--policy", bad)
    assert code == 2 and "bad.yaml" in stderr and not api.requests


@pytest.mark.parametrize("name", ["threshold-loosened", "check-removed", "baseline-drop-over-max"])
def test_without_a_policy_a_consistent_forgery_cannot_be_told_apart(gate, tmp_path, name):
    """The documented limit of re-rendering: numbers and statuses forged together post."""
    code, stderr, api = post(tmp_path, relabel(PINNED[name][0](copy.deepcopy(gate[1]))))
    assert code == 0, stderr
    assert [s["state"] for s in api.statuses] == ["success"]


def test_a_policy_requiring_approval_pins_the_policy_changes_check(gate, tmp_path):
    """With require_approval in the trusted policy, a report without a blocking
    policy-changes check (dropped, or lowered to info) is refused."""
    text = (
        gate[0]
        .read_text()
        .replace("version: 1\n", "version: 1\nchanges: {require_approval: true}\n", 1)
    )
    trusted = write_policy(tmp_path / "trusted.yaml", text)
    code, stderr, api = post(tmp_path, copy.deepcopy(gate[1]), "--policy", trusted)
    assert code == 2 and "no 'policy-changes' check" in stderr, stderr
    forged = copy.deepcopy(gate[1])
    forged["checks"].append(
        {
            "id": "policy-changes",
            "type": "policy",
            "status": "fail",
            "severity": "info",
            "message": "x: min 0.9 -> 0.1",
        }
    )
    forged["summary"]["fail"] = forged["summary"].get("fail", 0) + 1
    code, stderr, api = post(tmp_path, forged, "--policy", trusted)
    assert code == 2 and "always blocks" in stderr, stderr
    assert api.requests == [] and api.statuses == []
