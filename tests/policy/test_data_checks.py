"""The drift and data_quality keys: typed options, defaults, and every refusal named."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_policy

from gate.errors import PolicyError
from gate.policy.loader import load_policy
from gate.policy.model import DriftOptions, QualityOptions


def problems(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    return [f"{loc}: {msg}" for loc, msg in info.value.problems]


def test_drift_defaults_are_the_documented_ones(tmp_path: Path):
    path = write_policy(tmp_path / "p.yaml", "version: 1\nchecks:\n  - {id: d, type: drift}\n")
    spec = load_policy(path).checks[0]
    assert spec.drift == DriftOptions()
    assert spec.max == 0.1 and spec.confidence == 0.95
    assert spec.threshold == {"max": 0.1}


def test_drift_options_are_typed(tmp_path: Path):
    path = write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        checks:
          - id: d
            type: drift
            columns: [age, sex]
            method: {numeric: ks, sex: chi2}
            verdict: p_value
            p_value: 0.01
            correction: bonferroni
            max: 0.2
            max_drifted_share: 0.3
            max_missing_change: 0.1
            outputs: false
            by_group: false
        """,
    )
    spec = load_policy(path).checks[0]
    assert spec.drift == DriftOptions(
        columns=("age", "sex"),
        method="auto",
        methods=(("numeric", "ks"), ("sex", "chi2")),
        verdict="p_value",
        p_value=0.01,
        correction="bonferroni",
        max_drifted_share=0.3,
        max_missing_change=0.1,
        outputs=False,
        by_group=False,
    )
    assert spec.max == 0.2 and spec.confidence is None  # p-values: no interval is judged


def test_quality_options_are_typed(tmp_path: Path):
    path = write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        checks:
          - id: q
            type: data_quality
            max_missing_share: {income: 0.1}
            columns: {age: numeric, sex: categorical}
            ranges: {age: {min: 18}}
            allowed: {sex: [F, M], flag: [true, 1, 2.0, 0.5]}
            constant: false
            max_duplicate_share: 0.01
            min_rows: 100
            min_class_share: 0.05
        """,
    )
    q = load_policy(path).checks[0].quality
    assert q == QualityOptions(
        missing_per_column=(("income", 0.1),),
        expected=(("age", "numeric"), ("sex", "categorical")),
        ranges=(("age", 18, None),),
        allowed=(("sex", ("F", "M")), ("flag", ("true", "1", "2", "0.5"))),
        constant=False,
        max_duplicate_share=0.01,
        min_rows=100,
        min_class_share=0.05,
    )


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("{id: d, type: drift, method: to_overall}", "a fairness method, not a drift one"),
        ("{id: d, type: drift, method: wassertein}", "method"),
        ("{id: d, type: drift, method: {age: kss}}", "age"),
        ("{id: d, type: drift, columns: model}", "drift 'columns' is 'all' or a list"),
        ("{id: d, type: drift, verdict: p_value, confidence: 0.9}", "effect_size only"),
        ("{id: d, type: drift, engine: evidently}", "add 'verdict: p_value'"),
        ("{id: d, type: drift, max_drifted_share: 1.5}", "max_drifted_share"),
        ("{id: d, type: drift, metric: roc_auc}", "'metric' does not apply to drift checks"),
        ("{id: d, type: drift, correction: holm}", "correction"),
        ("{id: q, type: data_quality}", "give at least one rule"),
        (
            "{id: d, type: drift, method: {categorical: wasserstein}}",
            "wasserstein compares numbers",
        ),
        ("{id: q, type: data_quality, columns: all}", "lists the expected columns"),
        ("{id: q, type: data_quality, ranges: {age: {min: 5, max: 1}}}", "min 5 above max 1"),
        ("{id: q, type: data_quality, ranges: {age: {low: 5}}}", "low"),
        ("{id: q, type: data_quality, max_missing_share: 2}", "max_missing_share"),
        ("{id: q, type: data_quality, max_drifted_share: 0.1}", "does not apply"),
        ("{id: q, type: data_quality, columns: {age: number}}", "age"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, check: str, expected: str):
    (tmp_path / "p.yaml").write_text(f"version: 1\nchecks:\n  - {check}\n")
    found = problems(tmp_path / "p.yaml")
    assert any(expected in p for p in found), found
    assert all(p.startswith(str(tmp_path / "p.yaml")) for p in found)
