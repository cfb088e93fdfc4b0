"""Data-quality rules case by case on profiles built in memory (the CLI tests in
tests/test_quality_e2e.py run every rule end to end)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import columns_profile as profile
from helpers import write_policy

from gate.checks.base import CheckContext
from gate.checks.data_quality import RULES, evaluate
from gate.errors import UsageError
from gate.policy.data_checks import QUALITY_RULES
from gate.policy.loader import load_policy
from gate.results import Status


def check(tmp_path: Path, rules: str, frame: pd.DataFrame, **ctx):
    body = f"version: 1\nchecks:\n  - {{id: q, type: data_quality, {rules}}}\n"
    spec = load_policy(write_policy(tmp_path / "p.yaml", body)).checks[0]
    return evaluate(spec, CheckContext(profile(frame), **ctx))


def faults(result, rule: str) -> list[str]:
    (entry,) = [r for r in result.rules if r["rule"] == rule]
    return [c["column"] for c in entry["columns"]]


def test_every_policy_rule_has_an_evaluator():
    assert set(RULES) == set(QUALITY_RULES)


def test_model_kinds_are_expected_kinds(tmp_path: Path):
    data = pd.DataFrame({"age": ["old", "young"], "income": [1.0, 2.0]})
    kinds = {"age": "numeric", "income": "numeric", "zip": "categorical"}
    result = check(tmp_path, "columns: model", data, model_features=tuple(kinds), model_kinds=kinds)
    assert faults(result, "columns") == ["age", "zip"]
    assert "categorical, expected numeric" in result.message and "zip (missing)" in result.message


def test_columns_model_without_a_model_is_a_usage_error(tmp_path: Path):
    with pytest.raises(UsageError, match="columns: model"):
        check(tmp_path, "columns: model", pd.DataFrame({"a": [1]}))


@pytest.mark.parametrize(
    ("values", "allowed", "bad"),
    [
        ([0, 1, 1, 0], "[0, 1]", []),  # integers match their text
        ([1, 2, 3], "[1.0, 2.0, 3.0]", []),  # YAML floats that are integral match too
        ([1.0, np.inf], "[1]", ["age"]),  # an infinite value is a value, and not allowed
        ([0.0, 1.0, 2.0], "[0, 1]", ["age"]),  # a float 2.0 is the value 2
        ([True, False], "[true, false]", []),
        (["a", "b", "c"], "[a, b]", ["age"]),
    ],
)
def test_allowed_values_compare_as_data(tmp_path: Path, values, allowed, bad):
    result = check(tmp_path, f"allowed: {{age: {allowed}}}", pd.DataFrame({"age": values}))
    assert faults(result, "allowed") == bad


@pytest.mark.parametrize(
    ("values", "constant"),
    [
        ([1.0, 1.0, np.nan], True),  # missing values do not make a second value
        ([np.inf, np.inf], True),
        ([np.nan, np.nan], True),  # no values at all
        ([1.0, np.inf], False),
        (["a", "a"], True),
        (["a", "b"], False),
    ],
)
def test_constant_columns(tmp_path: Path, values, constant):
    result = check(tmp_path, "constant: false", pd.DataFrame({"c": values}))
    assert faults(result, "constant") == (["c"] if constant else [])


def test_ranges_see_infinities_and_skip_empty_columns(tmp_path: Path):
    data = pd.DataFrame({"a": [1.0, np.inf], "b": [np.nan, np.nan], "c": ["x", "y"]})
    result = check(tmp_path, "ranges: {a: {max: 10}, b: {min: 0}, c: {min: 0}}", data)
    assert faults(result, "ranges") == ["a", "c"]
    assert "categorical, not numeric" in result.message


def test_rules_needing_the_hashes_or_the_label_fail_closed(tmp_path: Path):
    data = pd.DataFrame({"a": [1, 2]})
    result = check(tmp_path, "max_duplicate_share: 0, min_class_share: 0.1", data)
    assert result.status is Status.ERROR
    assert "max_duplicate_share" in result.message and "min_class_share" in result.message


def test_unseen_categories_past_the_cap_are_an_error_not_a_silent_zero(tmp_path: Path):
    from gate.engine.columns import profile_column

    body = "version: 1\nchecks:\n  - {id: q, type: data_quality, max_unseen_share: 0}\n"
    spec = load_policy(write_policy(tmp_path / "p.yaml", body)).checks[0]
    many = pd.DataFrame({"c": [f"v{i}" for i in range(60)]})
    capped = profile(many)
    capped.columns["c"] = profile_column("c", many["c"], cap=10)
    result = evaluate(spec, CheckContext(profile(many.head(5)), reference=capped))
    assert result.status is Status.ERROR and "'c'" in result.message
    assert "categories" in result.message
