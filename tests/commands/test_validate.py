"""`model-gate validate` end to end: every problem of a policy tree in one run, warnings that do
not fail, and the schema copy that editors use outside this repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers import run_check, run_cli, write_policy
from jsonschema import Draft202012Validator

from gate.commands.schema import POLICY_SCHEMA_COPY, schema_comment, write_policy_schema
from gate.policy.schema import policy_schema

BASE = """
version: 1
parameters:
  floor: {default: 0.7}
data: {label: y}
checks:
  - {id: auc, type: performance, metric: roc_auc, min: "${floor}", bins: 5}
  - {id: parity, type: fairness, metric: demographic_parity, max: 0.1, sensitive: [sex]}
"""
CHILD = """
version: 1
extends: [base.yaml]
params: {flor: 0.8}
checks:
  - {id: acc, type: performance, metric: accuracy, min: 0.9, max: 0.1}
waivers:
  - {check: aucc, reason: r, approved_by: a, expires: 2030-01-01}
"""
FIVE = [
    r"base\.yaml:6:\d+: check 'auc': 'bins' does not apply to performance checks",
    r"base\.yaml:7:\d+: check 'parity': 'demographic_parity' is not a group metric or a "
    r"fairness metric; did you mean 'demographic_parity_difference'\?",
    r"child\.yaml:3:10: params: 'flor' is not a parameter of any extended policy; "
    r"did you mean 'floor'\?",
    r"child\.yaml:5:\d+: check 'acc': min \(0\.9\) is greater than max \(0\.1\)",
    r"child\.yaml:7:\d+: waiver for unknown check 'aucc'; did you mean 'auc'\?",
]


def five_mistakes(tmp: Path) -> Path:
    write_policy(tmp / "base.yaml", BASE)
    return write_policy(tmp / "child.yaml", CHILD)


def test_five_mistakes_across_two_files_come_out_in_one_run(tmp_path: Path):
    result = run_cli("validate", five_mistakes(tmp_path))
    assert result.code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    for pattern in FIVE:
        assert any(re.search(pattern, line) for line in lines), (pattern, result.stderr)
    assert len(lines) == 6 and lines[-1] == "1 of 1 policy file(s) invalid", result.stderr


def test_check_refuses_the_same_policy_listing_all_five(tmp_path: Path, workspace: Path):
    result = run_check(
        five_mistakes(tmp_path), workspace / "eval.csv", model=workspace / "candidate.skops"
    )
    assert result.code == 2, result.stdout + result.stderr
    for pattern in FIVE:
        assert re.search(r"model-gate: policy error: .*" + pattern, result.stderr), pattern
    assert "Traceback" not in result.stderr


def test_an_expired_waiver_warns_and_still_passes(tmp_path: Path):
    path = write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        checks:
          - {id: auc, type: performance, metric: roc_auc, min: 0.7}
        waivers:
          - {check: auc, reason: r, approved_by: a, expires: 2020-01-01}
          - {check: auc, reason: r, approved_by: a, expires: 2999-01-01}
    """,
    )
    result = run_cli("validate", path)
    assert result.code == 0, result.stderr
    assert result.stderr == f"{path}:5:5: warning: waiver for 'auc' expired on 2020-01-01\n"
    assert result.stdout == f"{path}: ok (1 checks, 2 waivers, 1 warning(s))\n"


def test_a_fairness_check_without_sensitive_features_warns(tmp_path: Path):
    check = "{{id: f, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8}}"
    body = "version: 1\n{data}checks:\n  - " + check + "\n"
    bare = write_policy(tmp_path / "bare.yaml", body.format(data=""))
    bound = write_policy(tmp_path / "bound.yaml", body.format(data="data: {sensitive: [sex]}\n"))
    result = run_cli("validate", bare, bound)
    assert result.code == 0, result.stderr
    assert result.stderr == (
        f"{bare}:3:5: warning: check 'f' names no sensitive features (neither 'sensitive:' nor "
        "data.sensitive): pass --sensitive at run time or set data.sensitive\n"
    )
    assert f"{bound}: ok (1 checks, 0 waivers)\n" in result.stdout


def test_unknown_values_for_a_feature_no_check_groups_by_warns(tmp_path: Path):
    """The run refuses such a policy (a typo would count nothing as unknown): validate says so
    too, as a warning, since --sensitive may add the feature at run time."""
    data = "data: {sensitive: [sex], unknown_values: {sex: [U], sx: [U]}}\n"
    check = "  - {id: f, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8}\n"
    policy = write_policy(tmp_path / "p.yaml", "version: 1\n" + data + "checks:\n" + check)
    result = run_cli("validate", policy)
    assert result.code == 0, result.stderr
    assert "warning: data.unknown_values names 'sx', which no check groups by" in result.stderr
    assert "'sex'" not in result.stderr


def test_every_builtin_pack_validates(tmp_path: Path):
    from gate.policy.loader import builtin_names

    result = run_cli("validate", *(f"builtin:{n}" for n in builtin_names()))
    assert result.code == 0, result.stderr
    assert result.stdout.count(": ok (") == len(builtin_names())


def test_the_schema_copy_works_outside_the_repository(tmp_path: Path):
    result = run_cli("schema", "policy", "-o", POLICY_SCHEMA_COPY, cwd=tmp_path)
    assert result.code == 0, result.stderr
    copy = json.loads((tmp_path / POLICY_SCHEMA_COPY).read_text())
    assert copy == policy_schema() and copy["$id"].endswith(":v1")
    validator = Draft202012Validator(copy)  # what an editor does with it
    good = {"version": 1, "checks": [{"id": "a", "type": "performance", "metric": "f1", "min": 1}]}
    assert validator.is_valid(good)
    good["checks"][0]["bins"] = 5
    assert not validator.is_valid(good)


def test_write_policy_schema_and_the_editor_comment(tmp_path: Path):
    target = tmp_path / "repo" / ".model-gate" / POLICY_SCHEMA_COPY
    assert write_policy_schema(target) == target
    assert json.loads(target.read_text()) == policy_schema()
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left
    policy = tmp_path / "repo" / "policies" / "gate.yaml"
    assert (
        schema_comment(policy, target)
        == "# yaml-language-server: $schema=../.model-gate/model-gate-policy.schema.json"
    )


def test_the_schema_cannot_be_written_over_a_directory(tmp_path: Path):
    (tmp_path / "taken").mkdir()
    result = run_cli("schema", "policy", "-o", tmp_path / "taken")
    assert result.code == 2 and "cannot write the policy schema" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def _stderr_lines(tmp_path: Path, name: str, body: str) -> list[str]:
    (tmp_path / name).write_text(body)
    result = run_cli("validate", tmp_path / name)
    assert result.code == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if "policy file(s) invalid" not in line]
    assert all(re.match(rf".*{re.escape(name)}:\d+:\d+: ", line) for line in lines), lines
    return lines


def test_a_misspelt_type_hides_none_of_the_checks_other_mistakes(tmp_path: Path):
    lines = _stderr_lines(
        tmp_path,
        "p.yaml",
        "version: 1\ndata: {label: y, sensitive: [sex]}\nchecks:\n"
        "  - {id: f, type: fairnes, metric: selection_rate, aggregate: ratio, min: 0.8,\n"
        "     bins: 5, method: to_reference, reference: {sx: a}}\n",
    )
    judged = "(judged as a fairness check, the closest type)"
    assert lines == [
        f"{tmp_path}/p.yaml:4:19: checks[0].type: 'fairnes' is not a known value; "
        "did you mean 'fairness'?",
        f"{tmp_path}/p.yaml:5:6: check 'f': 'bins' does not apply to fairness checks {judged}",
        f"{tmp_path}/p.yaml:5:49: check 'f': reference names 'sx', which the check does not "
        f"group by (it groups by sex, from data.sensitive); did you mean 'sex'? {judged}",
    ]


def test_a_childs_params_error_is_located_at_the_childs_entry(tmp_path: Path):
    lines = _stderr_lines(
        tmp_path,
        "c.yaml",
        "version: 1\nextends: ['builtin:eeoc-four-fifths']\ndata: {sensitive: [sex]}\n"
        "params:\n  min_impact_ratio: high\n",
    )
    assert lines == [
        f"{tmp_path}/c.yaml:5:3: checks[0].min must be of type number, not str (params "
        "'min_impact_ratio' sets checks[0].min at builtin:eeoc-four-fifths:23:10)"
    ]


def test_merge_keys_are_refused_and_an_aliased_duplicate_is_located_at_its_use(tmp_path: Path):
    lines = _stderr_lines(
        tmp_path,
        "m.yaml",
        "version: 1\ndata: {label: y}\nchecks:\n"
        "  - &acc {id: acc, type: performance, metric: accuracy, min: 0.5}\n"
        "  - <<: *acc\n    id: acc2\n    sevrity: warn\n"
        "  - *acc\n",
    )
    assert lines == [
        f"{tmp_path}/m.yaml:5:5: merge keys ('<<') are not supported; repeat the keys",
        f"{tmp_path}/m.yaml:7:5: check 'acc2': unknown key 'sevrity'; did you mean 'severity'?",
        f"{tmp_path}/m.yaml:8:5: duplicate check id 'acc' (first defined at {tmp_path}/m.yaml:4:5)",
    ]
