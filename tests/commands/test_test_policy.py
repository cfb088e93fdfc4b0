"""`model-gate test-policy`: every built-in pack's cases pass; failures and bad files report."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, run_cli

from gate.policy.loader import builtin_names

CASES = ROOT / "gate" / "policies" / "cases"


@pytest.mark.parametrize("name", builtin_names())
def test_every_pack_ships_cases_that_pass(name: str):
    path = CASES / f"{name}.yaml"
    assert path.exists(), f"pack {name} has no cases file"
    result = run_cli("test-policy", path)
    assert result.code == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout and "FAIL" not in result.stdout


def test_a_wrong_expectation_fails_with_a_diff(tmp_path: Path):
    (tmp_path / "cases.yaml").write_text(
        "policy: builtin:eeoc-four-fifths\n"
        "cases:\n"
        "  - name: wrong on purpose\n"
        "    data: adverse.csv\n"
        "    binding: {label: y, prediction: hired, sensitive: [sex]}\n"
        "    expect: {decision: approve, checks: {eeoc-four-fifths: pass}}\n"
    )
    (tmp_path / "adverse.csv").write_text((CASES / "eeoc-adverse.csv").read_text())
    result = run_cli("test-policy", tmp_path / "cases.yaml")
    assert result.code == 1
    assert "FAIL  cases.yaml: wrong on purpose" in result.stdout
    assert "decision block, expected approve" in result.stdout
    assert "check eeoc-four-fifths: fail, expected pass" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("cases: []\n", "cases.yaml:1:1: (top level): 'policy' is a required property"),
        ("policy: p.yaml\ncases: 3\n", "cases.yaml:2:8: cases must be of type array, not int"),
        (
            "policy: builtin:eeoc-four-fifths\ncases:\n"
            "  - {data: {a: [1]}, binding: {thrshold: 1}}\n",
            "unknown key 'thrshold' in cases[0].binding; did you mean 'threshold'?",
        ),
        (
            "policy: builtin:eeoc-four-fifths\ncases:\n  - {name: x, data: {a: [1, 2], b: [1]}}\n",
            "inline data columns differ in length",
        ),
        (
            "policy: builtin:eeoc-four-fifths\ncases:\n  - {name: x, dta: {}}\n",
            "cases.yaml:3:15: unknown key 'dta' in cases[0]; did you mean 'data'?",
        ),
    ],
)
def test_a_broken_cases_file_is_exit_2(tmp_path: Path, content: str, message: str):
    (tmp_path / "cases.yaml").write_text(content)
    result = run_cli("test-policy", tmp_path / "cases.yaml")
    assert result.code == 2 and message in result.stderr, result.stderr


def test_case_names_are_escaped_for_the_terminal(tmp_path: Path):
    """A case name is untrusted text: it cannot start a workflow command line."""
    (tmp_path / "cases.yaml").write_text(
        "policy: builtin:eeoc-four-fifths\n"
        "cases:\n"
        '  - name: "x\\n::error::pwned\\u001b[31m"\n'
        "    data: adverse.csv\n"
        "    binding: {label: y, prediction: hired, sensitive: [sex]}\n"
        "    expect: {decision: approve}\n"
    )
    (tmp_path / "adverse.csv").write_text((CASES / "eeoc-adverse.csv").read_text())
    result = run_cli("test-policy", tmp_path / "cases.yaml")
    assert result.code == 1
    lines = (result.stdout + result.stderr).splitlines()
    assert not any(line.lstrip().startswith("::") for line in lines)
    assert "\x1b" not in result.stdout + result.stderr


def test_validate_escapes_keys_it_quotes(tmp_path: Path):
    (tmp_path / "p.yaml").write_text(
        'version: 1\n"x\\n::error::pwned": 1\nchecks: [{id: a, type: performance, '
        "metric: accuracy, min: 0.5}]\n"
    )
    result = run_cli("validate", tmp_path / "p.yaml")
    assert result.code == 2
    assert "pwned" in result.stderr
    assert not any(line.lstrip().startswith("::") for line in result.stderr.splitlines())
