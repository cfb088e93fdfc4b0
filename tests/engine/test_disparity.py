"""Aggregates of per-group values, worked by hand: difference and ratio, between groups, to
the overall value and to a reference, for one sample and for resamples (leading axis)."""

from __future__ import annotations

import numpy as np
import pytest

from gate.engine.disparity import aggregate, per_group

NAN = np.nan
VALUES = np.array([0.6, 0.3, 0.45])


@pytest.mark.parametrize(
    ("kind", "method", "expected"),
    [
        ("difference", "between_groups", 0.3),  # 0.6 - 0.3
        ("ratio", "between_groups", 0.5),  # 0.3 / 0.6
        ("difference", "to_overall", 0.2),  # |0.3 - 0.5|
        ("ratio", "to_overall", 0.6),  # min(0.5/0.6, 0.3/0.5, 0.45/0.5)
        ("difference", "to_reference", 0.3),  # reference 0.6
        ("ratio", "to_reference", 0.5),
    ],
)
def test_one_sample(kind: str, method: str, expected: float):
    value = aggregate(VALUES, kind, method, overall=np.float64(0.5), reference=np.float64(0.6))
    assert float(value) == pytest.approx(expected, abs=1e-12)


def test_per_group_gaps_are_symmetric_ratios_and_absolute_differences():
    np.testing.assert_allclose(per_group(VALUES, "difference", 0.5), [0.1, 0.2, 0.05])
    np.testing.assert_allclose(per_group(VALUES, "ratio", 0.5), [0.5 / 0.6, 0.6, 0.9])
    np.testing.assert_allclose(per_group(np.array([0.0, 0.5]), "ratio", 0.5), [0.0, 1.0])


def test_resamples_each_use_their_own_anchor():
    values = np.array([[0.6, 0.3], [0.2, 0.4], [0.5, 0.5]])
    overall = np.array([0.5, 0.4, 0.25])
    np.testing.assert_allclose(
        per_group(values, "difference", overall), [[0.1, 0.2], [0.2, 0], [0.25, 0.25]]
    )
    np.testing.assert_allclose(
        aggregate(values, "ratio", "to_overall", overall=overall), [0.6, 0.5, 0.5]
    )
    np.testing.assert_allclose(aggregate(values, "difference", "between_groups"), [0.3, 0.2, 0.0])
    np.testing.assert_allclose(aggregate(values, "ratio", "between_groups"), [0.5, 0.5, 1.0])


def test_an_anchor_already_shaped_like_the_values_is_used_as_is():
    values = np.array([[0.6, 0.3]])
    anchor = np.array([[0.6, 0.6]])
    np.testing.assert_allclose(per_group(values, "ratio", anchor), [[1.0, 0.5]])


def test_undefined_groups_are_skipped_and_all_undefined_is_nan():
    """NaN group values are passed over as fairlearn's MetricFrame does; none left: NaN."""
    assert float(aggregate(np.array([0.6, NAN, 0.3]), "ratio", "between_groups")) == 0.5
    assert float(aggregate(np.array([0.6, NAN, 0.3]), "difference", "between_groups")) == (
        pytest.approx(0.3)
    )
    assert np.isnan(aggregate(np.array([NAN, NAN]), "difference", "between_groups"))
    assert np.isnan(aggregate(np.array([NAN, NAN]), "ratio", "to_overall", overall=0.5))


def test_a_ratio_with_a_zero_denominator_is_undefined_or_zero():
    """0 / 0 is NaN (undefined: an error in the check); x / 0 is a gap of 0, the worst."""
    assert np.isnan(aggregate(np.array([0.0, 0.0]), "ratio", "between_groups"))
    assert float(aggregate(np.array([0.0, 0.4]), "ratio", "between_groups")) == 0.0
    assert float(aggregate(np.array([0.0, 0.4]), "ratio", "to_reference", reference=0.4)) == 0.0
    assert np.isnan(aggregate(np.array([0.0, 0.0]), "ratio", "to_overall", overall=0.0))


def test_differences_to_an_anchor_are_per_resample():
    values = np.array([[0.6, 0.3], [0.2, 0.4]])
    np.testing.assert_allclose(
        aggregate(values, "difference", "to_overall", overall=np.array([0.5, 0.4])), [0.2, 0.2]
    )
    np.testing.assert_allclose(
        aggregate(values, "difference", "to_reference", reference=np.array([0.6, 0.2])),
        [0.3, 0.2],
    )


def test_undefined_values_raise_no_warnings():
    """0 / 0 and all-NaN slices are answers here (NaN), not warnings for the terminal."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("between_groups", "to_overall", "to_reference"):
            for kind in ("difference", "ratio"):
                aggregate(
                    np.array([[NAN, NAN], [0.0, 0.0]]), kind, method, np.zeros(2), np.zeros(2)
                )
        per_group(np.array([0.0, 0.3]), "ratio", 0.0)
