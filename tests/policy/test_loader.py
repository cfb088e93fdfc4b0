"""Policy loading: positions, schema errors, extends, semantic checks, frozen objects."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from helpers import write_policy

from gate.errors import PolicyError
from gate.policy.loader import builtin_names, load_policy
from gate.results import Severity


def problems(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    return [f"{loc}: {msg}" for loc, msg in info.value.problems]


def test_valid_policy_becomes_frozen_typed_objects(tmp_path: Path):
    path = write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        name: credit
        data: {label: y, sensitive: [sex], threshold: 0.4}
        checks:
          - {id: auc, type: performance, metric: roc_auc, min: 0.8, confidence: 0.9}
          - {id: nr, type: performance, metric: roc_auc, baseline: {max_drop: 0.01},
             severity: warn}
        waivers:
          - {check: nr, reason: r, approved_by: a, expires: 2030-01-31}
    """,
    )
    policy = load_policy(path)
    assert policy.name == "credit" and len(policy.sha256) == 64
    assert policy.data.sensitive == ("sex",) and policy.data.threshold == 0.4
    auc, nr = policy.checks
    assert (auc.min, auc.confidence, auc.location.line) == (0.8, 0.9, 5)
    assert nr.severity is Severity.WARN and nr.baseline.max_drop == 0.01
    assert str(policy.waivers[0].expires) == "2030-01-31"
    with pytest.raises(dataclasses.FrozenInstanceError):
        auc.min = 0.1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "version: 1\nchecks:\n"
            "  - {id: a, type: performance, metric: roc_auc, min: 0.9, max: 0.1}\n",
            "p.yaml:3:54: check 'a': min (0.9) is greater than max (0.1)",
        ),
        (
            "version: 1\nchecks:\n  - {id: a, type: performance, metric: roc_auc}\n",
            "check 'a' has no condition",
        ),
        (
            "version: 1\nchecks:\n  - {id: a, type: performance, min: 0.1}\n",
            "a performance check needs 'metric'",
        ),
        (
            "version: 1\nchecks:\n  - {id: a, type: performance, metric: roc_auc, min: 1}\n"
            "  - {id: a, type: performance, metric: accuracy, min: 1}\n",
            "p.yaml:4:10: duplicate check id 'a' (first defined at",
        ),
        (
            "version: 1\nchecks:\n  - {id: a, type: performance, metric: roc_auc, min: 1}\n"
            "  - {id: b, type: performance, metric: mae, max: 1}\n",
            "mix metrics of different tasks",
        ),
        (
            "version: 1\ndata: {task: regression}\n"
            "checks:\n  - {id: a, type: performance, metric: roc_auc, min: 1}\n",
            "metric 'roc_auc' is a binary_classification metric but data.task is regression",
        ),
        (
            "version: 1\nchecks:\n  - {id: auc, type: performance, metric: roc_auc, min: 1}\n"
            "waivers:\n  - {check: acu, reason: r, approved_by: a, expires: 2030-01-01}\n",
            "waiver for unknown check 'acu'; did you mean 'auc'?",
        ),
        (
            "version: 1\nchecks:\n  - {id: a, type: performance, metric: roc_auc, baseline: {}}\n",
            "checks[0].baseline",
        ),
        (
            "version: 1\nchecks:\n  - {id: a, type: performance, metric: roc_auc, min: '0.8'}\n",
            "checks[0].min must be of type number, not str",
        ),
        (
            "version: 1\nchecks:\n  - {id: 'a b', type: performance, metric: roc_auc, min: 1}\n",
            "checks[0].id",
        ),
        (
            "version: 1\nchecks:\n  - {id: a, type: performance, metric: roc_auc, confidence: 0.9,"
            " baseline: {max_drop: 0}}\n",
            "'confidence' needs a 'min' or 'max'",
        ),
        ("- version: 1\n", "a policy must be a mapping"),
        ("version: 1\nversion: 1\n", "p.yaml:2:1: duplicate key 'version'"),
    ],
)
def test_semantic_and_schema_problems(tmp_path: Path, body: str, expected: str):
    (tmp_path / "p.yaml").write_text(body)
    found = problems(tmp_path / "p.yaml")
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once(tmp_path: Path):
    (tmp_path / "p.yaml").write_text(
        "version: 1\nnmae: x\nchecks:\n  - {id: a, type: performance, metric: accurcy, min: 1,"
        " sevrity: warn}\n"
    )
    found = problems(tmp_path / "p.yaml")
    assert len(found) == 3, found
    assert any(
        p.endswith("p.yaml:2:1: unknown key 'nmae' in (top level); did you mean 'name'?")
        for p in found
    ), found


def test_extends_merges_bases_first_and_overrides_by_id(tmp_path: Path):
    write_policy(
        tmp_path / "base.yaml",
        """
        version: 1
        data: {label: y, threshold: 0.3}
        checks:
          - {id: auc, type: performance, metric: roc_auc, min: 0.7}
          - {id: acc, type: performance, metric: accuracy, min: 0.6}
    """,
    )
    child = write_policy(
        tmp_path / "child.yaml",
        """
        version: 1
        extends: [base.yaml, "builtin:champion-challenger"]
        data: {threshold: 0.5}
        checks:
          - {id: auc, type: performance, metric: roc_auc, min: 0.8}
    """,
    )
    policy = load_policy(child)
    ids = [c.id for c in policy.checks]
    assert ids[:2] == ["auc", "acc"] and "champion-roc-auc" in ids
    assert policy.checks[0].min == 0.8 and policy.checks[0].location.file.endswith("child.yaml")
    assert policy.checks[1].location.file.endswith("base.yaml")
    assert (policy.data.label, policy.data.threshold) == ("y", 0.5)
    assert len(policy.sources) == 3 and policy.name == "child"


def test_extends_errors(tmp_path: Path):
    write_policy(tmp_path / "a.yaml", "version: 1\nextends: [b.yaml]\n")
    write_policy(tmp_path / "b.yaml", "version: 1\nextends: [a.yaml]\n")
    assert any("a cycle" in p for p in problems(tmp_path / "a.yaml"))
    write_policy(tmp_path / "c.yaml", "version: 1\nextends: ['builtin:champion-challengr']\n")
    assert any("did you mean 'champion-challenger'" in p for p in problems(tmp_path / "c.yaml"))
    write_policy(tmp_path / "d.yaml", "version: 1\nextends: [missing.yaml]\n")
    assert any(
        "d.yaml:2:11: extended policy 'missing.yaml' not found" in p
        for p in problems(tmp_path / "d.yaml")
    )


def test_a_base_with_an_error_reports_the_base_file(tmp_path: Path):
    write_policy(tmp_path / "base.yaml", "version: 1\nchecks: [{id: a, type: performance}]\n")
    write_policy(tmp_path / "child.yaml", "version: 1\nextends: [base.yaml]\n")
    assert any(
        "base.yaml:2" in p and "needs 'metric'" in p for p in problems(tmp_path / "child.yaml")
    )


def test_builtin_packs_are_valid():
    assert builtin_names(), "no built-in packs shipped"
    from gate.policy.loader import builtin_dir

    for name in builtin_names():
        assert load_policy(builtin_dir() / f"{name}.yaml").checks


def test_missing_policy_file(tmp_path: Path):
    assert problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: policy file not found"]


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (
            "{id: f, type: fairness, metric: selection_rate, min: 0.8}",
            "needs 'aggregate: difference' or 'aggregate: ratio'",
        ),
        (
            "{id: f, type: fairness, metric: roc_auc, aggregate: ratio, min: 0.8}",
            "'roc_auc' is not a group metric or a fairness metric",
        ),
        (
            "{id: f, type: fairness, metric: demographic_parity_ratio, aggregate: difference,"
            " min: 0.8}",
            "demographic_parity_ratio is a ratio",
        ),
        (
            "{id: f, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8,"
            " reference: {sex: f}}",
            "'reference' needs 'method: to_reference'",
        ),
        (
            "{id: f, type: fairness, metric: demographic_parity_ratio, min: 0.8, agg: mean}",
            "'agg' applies to equalized_odds metrics only",
        ),
        (
            "{id: f, type: fairness, metric: scoring_rate, aggregate: ratio, min: 0.8,"
            " baseline: {max_drop: 0.1}}",
            "scoring_rate has no better direction",
        ),
        (
            "{id: p, type: performance, metric: accuracy, min: 0.8, min_group_size: 30}",
            "'min_group_size' does not apply to performance checks",
        ),
        (
            "{id: p, type: performance, metric: demographic_parity_ratio, min: 0.8}",
            "is not a performance metric",
        ),
    ],
)
def test_fairness_semantics(tmp_path: Path, check: str, expected: str):
    (tmp_path / "p.yaml").write_text(f"version: 1\nchecks:\n  - {check}\n")
    found = problems(tmp_path / "p.yaml")
    assert any(expected in p for p in found), found


def test_fairness_options_are_typed(tmp_path: Path):
    path = write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {sensitive: [sex, race]}
        checks:
          - id: eo
            type: fairness
            metric: equalized_odds_ratio
            agg: mean
            method: to_reference
            intersectional: true
            reference: {sex: f, race: b}
            min_group_size: 30
            min: 0.8
    """,
    )
    opts = load_policy(path).checks[0].fairness
    assert opts.components == ("true_positive_rate", "false_positive_rate")
    assert (opts.aggregate, opts.agg, opts.min_group_size) == ("ratio", "mean", 30)
    assert opts.reference == (("sex", "f"), ("race", "b"))


def test_params_set_a_packs_knobs_and_defaults_fill_the_rest(tmp_path: Path):
    path = write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        extends: ["builtin:nyc-ll144"]
        mode: report
        params: {min_impact_ratio: 0.9, rate: scoring_rate}
    """,
    )
    checks = {c.id: c for c in load_policy(path).checks}
    assert checks["ll144-impact-ratio"].min == 0.9
    assert checks["ll144-impact-ratio"].metric == "scoring_rate"
    assert checks["ll144-intersectional"].fairness.min_group_share == 0.02
    assert checks["ll144-impact-ratio"].severity.value == "warn"


def test_the_outermost_params_win(tmp_path: Path):
    write_policy(
        tmp_path / "mid.yaml",
        """
        version: 1
        extends: ["builtin:eeoc-four-fifths"]
        params: {min_impact_ratio: 0.85}
    """,
    )
    top = write_policy(
        tmp_path / "top.yaml",
        """
        version: 1
        extends: [mid.yaml]
        params: {min_impact_ratio: 0.9}
    """,
    )
    assert load_policy(top).checks[0].min == 0.9
    assert load_policy(tmp_path / "mid.yaml").checks[0].min == 0.85


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'version: 1\nextends: ["builtin:eeoc-four-fifths"]\nparams: {min_impact_ratoi: 0.9}\n',
            "p.yaml:3:10: params: 'min_impact_ratoi' is not a parameter of any extended "
            "policy; "
            "did you mean 'min_impact_ratio'?",
        ),
        (
            'version: 1\nextends: ["builtin:eeoc-four-fifths"]\nparams: {min_impact_ratio: high}\n',
            "checks[0].min must be of type number, not str",
        ),
        (
            "version: 1\nchecks:\n"
            "  - {id: a, type: performance, metric: accuracy, min: '${floor}'}\n",
            "'${floor}' is not a declared parameter",
        ),
    ],
)
def test_param_problems(tmp_path: Path, body: str, expected: str):
    (tmp_path / "p.yaml").write_text(body)
    found = problems(tmp_path / "p.yaml")
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("check_type", "metric"),
    [
        ("performance", "selection_rate"),
        ("fairness", "selection_rate"),
        ("fairness", "demographic_parity_difference"),
    ],
)
def test_a_baseline_on_a_rate_without_a_better_direction_is_refused(tmp_path, check_type, metric):
    """Third review of issue 12, finding 9: a model approving everyone raised selection_rate
    and passed `baseline: {max_drop}` as "better"; such rates have no direction to drop in."""
    extra = "    aggregate: difference\n    max: 1\n" if check_type == "fairness" else ""
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\ndata: {label: y, sensitive: [g]}\nchecks:\n"
        f"  - id: c\n    type: {check_type}\n    metric: {metric}\n{extra}"
        "    baseline: {max_drop: 0.05}\n"
    )
    with pytest.raises(PolicyError, match="no better direction") as info:
        load_policy(path)
    assert "p.yaml:" in str(info.value)
