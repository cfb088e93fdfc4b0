"""'Did you mean' fits where the word stands: the check's type and its bound's direction."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.errors import PolicyError
from gate.policy.loader import load_policy
from gate.policy.suggest import fitting_metrics


def messages(tmp: Path, check: str) -> list[str]:
    (tmp / "p.yaml").write_text(f"version: 1\nchecks:\n  - {check}\n")
    with pytest.raises(PolicyError) as info:
        load_policy(tmp / "p.yaml")
    return [m for _, m in info.value.problems]


@pytest.mark.parametrize(
    ("bound", "suggested"),
    [
        ("max: 0.1", "demographic_parity_difference"),
        ("min: 0.8", "demographic_parity_ratio"),
        ("aggregate: difference, max: 0.1", "demographic_parity_difference"),
        ("aggregate: ratio, min: 0.8", "demographic_parity_ratio"),
    ],
)
def test_a_named_metric_is_suggested_for_the_bounds_direction(
    tmp_path: Path, bound: str, suggested: str
):
    found = messages(tmp_path, f"{{id: f, type: fairness, metric: demographic_parity, {bound}}}")
    assert found == [
        f"check 'f': 'demographic_parity' is not a group metric or a fairness metric; "
        f"did you mean '{suggested}'?"
    ]


def test_a_performance_check_is_never_offered_a_fairness_metric(tmp_path: Path):
    found = messages(
        tmp_path, "{id: p, type: performance, metric: equalized_odds_diference, max: 0.1}"
    )
    assert found == ["check 'p': 'equalized_odds_diference' is not a performance metric"]


def test_a_fairness_check_is_never_offered_a_performance_only_metric(tmp_path: Path):
    found = messages(
        tmp_path, "{id: f, type: fairness, metric: roc_aucc, aggregate: ratio, min: 0.8}"
    )
    assert found == ["check 'f': 'roc_aucc' is not a group metric or a fairness metric"]


def test_a_shared_metric_is_offered_to_both_types(tmp_path: Path):
    for kind, extra in (("performance", ""), ("fairness", ", aggregate: ratio")):
        found = messages(
            tmp_path, f"{{id: c, type: {kind}, metric: selection_rte{extra}, min: 0.5}}"
        )
        assert found[0].endswith("did you mean 'selection_rate'?"), found


def test_fitting_metrics_keeps_both_directions_when_the_bound_says_neither():
    names = ["a_ratio", "a_difference", "selection_rate"]
    assert fitting_metrics({}, names) == names
    assert fitting_metrics({"min": 0.1, "max": 0.9}, names) == names
    assert fitting_metrics({"max": 0.1}, names) == ["a_difference", "selection_rate"]
    assert fitting_metrics({"min": 0.8}, names) == ["a_ratio", "selection_rate"]
