"""Policy provenance: what a change loosens, and the approval gate on loosening."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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
        ("loosened", "policy", "require_change_approval True -> False"),
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


# --- every field is classified --------------------------------------------------------------


def field_paths(cls: type, prefix: str = "") -> set[str]:
    """Every field of a policy dataclass, nested options included ("fairness.method")."""
    import dataclasses
    import typing

    out = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = prefix + f.name
        nested = [
            t
            for t in typing.get_args(hints[f.name]) or (hints[f.name],)
            if dataclasses.is_dataclass(t) and t.__module__.startswith("gate.policy.")
        ]
        out.add(path)
        for t in nested:
            out |= field_paths(t, f"{path}.")
    return out


def test_every_field_is_classified_or_deliberately_loosening():
    from gate.policy.diff_rules import COMPARED_APART, DEFAULT_LOOSENING, RULES
    from gate.policy.model import CheckSpec, DataBinding, Policy

    fields = (
        field_paths(CheckSpec)
        | {f"data.{p}" for p in field_paths(DataBinding)}
        | {f"policy.{p}" for p in field_paths(Policy) if "." not in p}
    )
    # compared field by field (a behaviour check's options type lives beside model.py, and
    # model.py imports it, so its fields are listed here too)
    containers = {"fairness", "governance", "drift", "quality", "importance", "robustness"}
    containers |= {"slices"}
    classified = set(RULES) | DEFAULT_LOOSENING | COMPARED_APART | containers
    assert fields - classified == set(), "classify these fields in gate/policy/diff_rules.py RULES"
    assert set(RULES) & DEFAULT_LOOSENING == set()
    assert classified - fields == set(), "RULES names fields that do not exist"


# --- both directions of every bound and option ----------------------------------------------

FAIR = "{id: f, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8%s}"
PERF = "{id: f, type: performance, metric: roc_auc%s}"
GOV = "{id: f, type: %s}"


def one_check(check: str, data: str = "{label: y, sensitive: [sex, race]}", top: str = "") -> str:
    keep = "{id: keep, type: performance, metric: accuracy, min: 0.1}"  # a gate needs a blocker
    return f"version: 1\n{top}data: {data}\nchecks:\n  - {check}\n  - {keep}\n"


DIRECTIONS = [
    # (base, current, expected kind, detail contains)
    (PERF % ", min: 0.8", PERF % ", min: 0.7", "loosened", "min 0.8 -> 0.7"),
    (PERF % ", min: 0.7", PERF % ", min: 0.8", "tightened", "min 0.7 -> 0.8"),
    (PERF % ", max: 0.2", PERF % ", max: 0.3", "loosened", "max 0.2 -> 0.3"),
    (PERF % ", max: 0.3", PERF % ", max: 0.2", "tightened", "max 0.3 -> 0.2"),
    (PERF % ", min: 0.1, max: 0.3", PERF % ", min: 0.1", "loosened", "max 0.3 -> (none)"),
    (PERF % ", min: 0.1", PERF % ", min: 0.1, max: 0.3", "tightened", "max (none) -> 0.3"),
    (PERF % ", min: 0.8, confidence: 0.95", PERF % ", min: 0.8, confidence: 0.9", "loosened", ""),
    (PERF % ", min: 0.8, confidence: 0.9", PERF % ", min: 0.8, confidence: 0.95", "tightened", ""),
    (PERF % ", min: 0.8, confidence: 0.9", PERF % ", min: 0.8", "loosened", "confidence"),
    (
        PERF % ", baseline: {max_drop: 0.01}",
        PERF % ", baseline: {max_drop: 0.02}",
        "loosened",
        "baseline.max_drop 0.01 -> 0.02",
    ),
    (
        PERF % ", baseline: {max_drop: 0.02}",
        PERF % ", baseline: {max_drop: 0.01}",
        "tightened",
        "baseline.max_drop",
    ),
    (
        PERF % ", baseline: {max_relative_drop: 0.1}",
        PERF % ", baseline: {max_relative_drop: 0.2}",
        "loosened",
        "max_relative_drop",
    ),
    (PERF % ", min: 0.5, baseline: {max_drop: 0.1}", PERF % ", min: 0.5", "loosened", "baseline"),
    (PERF % ", min: 0.5", PERF % ", min: 0.5, baseline: {max_drop: 0.1}", "tightened", "baseline"),
    (PERF % ", min: 0.5", PERF % ", min: 0.5, severity: warn", "loosened", "severity"),
    (PERF % ", min: 0.5, severity: info", PERF % ", min: 0.5, severity: warn", "tightened", ""),
    (PERF % ", min: 0.5", PERF.replace("roc_auc", "accuracy") % ", min: 0.5", "loosened", "metric"),
    (FAIR % ", sensitive: [sex, race]", FAIR % ", sensitive: [sex]", "loosened", "sensitive"),
    (FAIR % ", sensitive: [sex]", FAIR % ", sensitive: [sex, race]", "tightened", "sensitive"),
    (FAIR % "", FAIR % ", sensitive: [sex]", "loosened", "fairness.sensitive"),
    (FAIR % ", min_group_size: 30", FAIR % ", min_group_size: 700", "loosened", "min_group_size"),
    (FAIR % ", min_group_size: 700", FAIR % ", min_group_size: 30", "tightened", ""),
    (
        FAIR % ", min_group_size: 700, small_groups: fail",
        FAIR % ", min_group_size: 30, small_groups: fail",
        "loosened",
        "min_group_size",
    ),
    (FAIR % ", min_group_share: 0.01", FAIR % ", min_group_share: 0.1", "loosened", "share"),
    (FAIR % ", min_group_share: 0.1", FAIR % ", min_group_share: 0.01", "tightened", "share"),
    (FAIR % ", small_groups: fail", FAIR % "", "loosened", "small_groups fail -> exclude"),
    (FAIR % "", FAIR % ", small_groups: fail", "tightened", "small_groups"),
    (FAIR % "", FAIR % ", exclude_missing: true", "loosened", "exclude_missing"),
    (FAIR % ", exclude_missing: true", FAIR % "", "tightened", "exclude_missing"),
    (FAIR % "", FAIR % ", intersectional: true", "loosened", "intersectional"),
    (FAIR % ", intersectional: true", FAIR % "", "loosened", "intersectional"),
    (FAIR % "", FAIR % ", method: to_overall", "loosened", "fairness.method"),
    (
        FAIR % ", method: to_reference, sensitive: [sex]",
        FAIR % ", method: to_reference, sensitive: [sex], reference: {sex: f}",
        "loosened",
        "fairness.reference",
    ),
    (
        FAIR.replace("aggregate: ratio, min: 0.8", "aggregate: difference, max: 0.1") % "",
        FAIR.replace("aggregate: ratio, min: 0.8", "aggregate: difference, max: 0.2") % "",
        "loosened",
        "max 0.1 -> 0.2",
    ),
    (
        "{id: f, type: fairness, metric: equalized_odds_difference, max: 0.1}",
        "{id: f, type: fairness, metric: equalized_odds_difference, max: 0.1, agg: mean}",
        "loosened",
        "fairness.agg",
    ),
    (
        GOV % "prohibited_features, features: [a, b]",
        GOV % "prohibited_features, features: [a]",
        "loosened",
        "governance.features",
    ),
    (
        GOV % "prohibited_features, features: [a]",
        GOV % "prohibited_features, features: [a, b]",
        "tightened",
        "governance.features",
    ),
    (
        GOV % "prohibited_features, features: [a], match: contains",
        GOV % "prohibited_features, features: [a], match: exact",
        "loosened",
        "match",
    ),
    (
        GOV % "prohibited_features, features: [a], match: exact",
        GOV % "prohibited_features, features: [a]",
        "tightened",
        "match",
    ),
    (
        GOV % "proxy_features, max: 0.3",
        GOV % "proxy_features, max: 0.3, features: [x1]",
        "loosened",
        "governance.features",
    ),
    (
        GOV % "proxy_features, max: 0.3",
        GOV % "proxy_features, max: 0.3, attributes: [sex]",
        "loosened",
        "governance.attributes",
    ),
    (
        GOV % "proxy_features, max: 0.3",
        GOV % "proxy_features, max: 0.3, bins: 3",
        "loosened",
        "governance.bins",
    ),
    (
        GOV % "documentation, required: [a, b]",
        GOV % "documentation, required: [a]",
        "loosened",
        "governance.required",
    ),
    (
        GOV % "documentation, required: [a]",
        GOV % "documentation, required: [a, b]",
        "tightened",
        "governance.required",
    ),
    (
        GOV % "documentation, tolerance: 0.01",
        GOV % "documentation, tolerance: 0.02",
        "loosened",
        "governance.tolerance",
    ),
    (
        GOV % "documentation, tolerance: 0.02",
        GOV % "documentation, tolerance: 0.01",
        "tightened",
        "governance.tolerance",
    ),
    (
        GOV % "representation, max_missing: 0.1",
        GOV % "representation, max_missing: 0.2",
        "loosened",
        "governance.max_missing",
    ),
    (
        GOV % "representation, max_missing: 0.2",
        GOV % "representation, max_missing: 0.1",
        "tightened",
        "governance.max_missing",
    ),
    (
        GOV % "representation, max_missing: 0.2",
        GOV % "representation",
        "loosened",
        "governance.max_missing",
    ),
    (
        GOV % "representation, max_missing: 0.2",
        GOV % "documentation, tolerance: 0.2",
        "loosened",
        "type representation -> documentation",
    ),
]


@pytest.mark.parametrize(("base", "current", "kind", "detail"), DIRECTIONS)
def test_each_field_change_has_its_direction(tmp_path, base, current, kind, detail):
    found = changes(tmp_path, one_check(base), one_check(current))
    assert any(k == kind and c == "f" and detail in d for k, c, d in found), found
    if kind == "tightened":
        assert not any(k in ("loosened", "removed") for k, _, _ in found), found


DATA_CHANGES = [
    ("{label: y, sensitive: [sex, race]}", "{label: y, sensitive: [sex]}", "loosened"),
    ("{label: y, sensitive: [sex]}", "{label: y, sensitive: [sex, race]}", "tightened"),
    ("{label: y}", "{label: y, threshold: 0.9}", "loosened"),
    ("{label: y, threshold: 0.9}", "{label: y}", "loosened"),
    ("{label: y}", "{label: y2}", "loosened"),
    ("{label: y, score: s}", "{label: y, score: s2}", "loosened"),
    ("{label: y}", "{label: y, positive_label: 0}", "loosened"),
    ("{label: y}", "{label: y, weight: w}", "loosened"),
    ("{label: y}", "{label: y, features: [x1]}", "loosened"),
    ("{label: y}", "{label: y, prediction: p}", "loosened"),
]


@pytest.mark.parametrize(("base", "current", "kind"), DATA_CHANGES)
def test_data_binding_changes_are_classified(tmp_path, base, current, kind):
    check = PERF % ", min: 0.5"
    found = changes(tmp_path, one_check(check, base), one_check(check, current))
    assert [k for k, c, _ in found if c == "data"] == [kind], found


def test_mode_and_the_approval_switch_are_policy_changes(tmp_path):
    check = PERF % ", min: 0.5"
    gate_ = one_check(check, top="changes: {require_approval: true}\n")
    report = one_check(check, top="mode: report\n")
    found = changes(tmp_path, gate_, report)
    assert ("loosened", "policy", "mode gate -> report") in found
    assert ("loosened", "policy", "require_change_approval True -> False") in found
    back = changes(tmp_path, report, gate_)
    assert ("tightened", "policy", "mode report -> gate") in back
    assert not [c for c in back if c[0] in ("loosened", "removed")]


def test_a_dropped_extends_and_a_pack_parameter_are_loosenings(tmp_path):
    base = "version: 1\nextends: ['builtin:eeoc-four-fifths']\ndata: {label: y}\n"
    current = base + "params: {min_group_size: 700}\n"
    found = changes(tmp_path, base, current)
    assert ("loosened", "eeoc-four-fifths", "fairness.min_group_size 30 -> 700") in found
    dropped = changes(tmp_path, base + PERF_BLOCK, "version: 1\ndata: {label: y}\n" + PERF_BLOCK)
    assert ("removed", "policy", "extends builtin:eeoc-four-fifths dropped") in dropped


PERF_BLOCK = "checks:\n  - {id: p, type: performance, metric: roc_auc, min: 0.5}\n"


def test_the_finding_dropping_race_no_longer_approves(workspace, tmp_path):
    frame = __import__("pandas").read_csv(workspace / "eval.csv")
    frame["race"] = ["a", "b", "c"] * (len(frame) // 3)
    frame.to_csv(tmp_path / "d.csv", index=False)
    fair = "{id: f, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.0%s}"
    write_policy(
        tmp_path / "base.yaml",
        "version: 1\nchanges: {require_approval: true}\n"
        + one_check(fair % ", sensitive: [sex, race]")[11:],
    )
    write_policy(
        tmp_path / "p.yaml",
        "version: 1\nchanges: {require_approval: true}\n"
        + one_check(fair % ", sensitive: [sex]")[11:],
    )
    result = run_check(
        tmp_path / "p.yaml",
        tmp_path / "d.csv",
        "--base-policy",
        tmp_path / "base.yaml",
        model=workspace / "candidate.skops",
        out=tmp_path / "o",
    )
    assert result.code == 1, result.stdout + result.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    gate_result = next(c for c in report["checks"] if c["id"] == "policy-changes")
    assert "fairness.sensitive ['sex', 'race'] -> ['sex']" in gate_result["message"]
