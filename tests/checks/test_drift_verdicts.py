"""Drift verdicts case by case: interval above / below / straddling, p-values, missing rates,
and how column verdicts add up to the check's status."""

from __future__ import annotations

import pytest

from gate.checks.drift_verdicts import (
    beyond,
    by_p_value,
    either,
    outputs_verdict,
    outside,
    share_verdict,
    worst,
)


@pytest.mark.parametrize(
    ("value", "ci", "expected"),
    [
        (0.3, (0.2, 0.4), True),  # the whole interval above 0.1
        (0.05, (0.01, 0.09), False),  # the whole interval below
        (0.05, (0.01, 0.1), False),  # at the threshold is not beyond it
        (0.08, (0.02, 0.3), None),  # straddles: inconclusive, not a pass
        (0.15, None, True),  # no interval: the point value
        (0.1, None, False),
        (None, None, None),  # nothing to judge
    ],
)
def test_effect_size_is_judged_on_the_interval(value, ci, expected):
    assert beyond(value, ci, 0.1) is expected


@pytest.mark.parametrize(
    ("change", "ci", "expected"),
    [
        (0.2, (0.18, 0.22), True),
        (-0.2, (-0.22, -0.18), True),  # a falling missing rate drifts too
        (0.01, (-0.02, 0.04), False),
        (0.04, (0.01, 0.07), None),
        (0.06, None, True),
        (0.05, None, False),
    ],
)
def test_missing_change_is_judged_both_ways(change, ci, expected):
    assert outside(change, ci, 0.05) is expected


def test_p_values_reject_below_alpha_only():
    assert by_p_value(0.049, 0.05) is True
    assert by_p_value(0.05, 0.05) is False
    assert by_p_value(None, 0.05) is None
    assert by_p_value(0.05, 0.05, inclusive=True) is True  # Evidently's K-S rule: p <= alpha


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(True, False, True), (False, True, True), (None, True, True), (None, False, None),
     (False, None, None), (False, False, False)],
)  # fmt: skip
def test_a_column_drifts_when_values_or_missing_rate_do(a, b, expected):
    assert either(a, b) is expected


@pytest.mark.parametrize(
    ("verdicts", "limit", "expected"),
    [
        ([False] * 10, 0.0, ("pass", 0.0)),
        ([True] + [False] * 9, 0.0, ("fail", 0.1)),
        ([None] + [False] * 9, 0.0, ("inconclusive", 0.0)),  # could be drifted: not a pass
        ([True, True, True] + [False] * 7, 0.3, ("pass", 0.3)),  # at the limit passes
        ([True, True, True, None] + [False] * 6, 0.3, ("inconclusive", 0.3)),
        ([True] * 4 + [False] * 6, 0.3, ("fail", 0.4)),
        ([], 0.0, ("pass", 0.0)),
    ],
)
def test_the_share_of_drifted_columns_decides(verdicts, limit, expected):
    assert share_verdict(verdicts, limit) == expected


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [([], "pass"), ([False, False], "pass"), ([False, None], "inconclusive"),
     ([True, False], "fail"), ([None, True], "fail")],
)  # fmt: skip
def test_any_drifted_model_output_fails(outputs, expected):
    assert outputs_verdict(outputs) == expected


def test_the_worst_status_wins():
    assert worst("pass", "inconclusive") == "inconclusive"
    assert worst("fail", "inconclusive", "pass") == "fail"
    assert worst("pass") == "pass"
