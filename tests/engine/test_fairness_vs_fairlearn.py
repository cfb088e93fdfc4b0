"""Property-based: every group metric and disparity equals fairlearn's MetricFrame (1e-9),
on random data with NaN sensitive values, single-row groups and sample weights."""

from __future__ import annotations

import warnings

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.engine import fairness, fairness_groups
from gate.engine.groups import MISSING
from gate.engine.metrics import Task


def _zero(fn):
    return lambda y, p, sample_weight=None: fn(y, p, sample_weight=sample_weight, zero_division=0.0)


FAIRLEARN = {
    "selection_rate": flm.selection_rate,
    "true_positive_rate": flm.true_positive_rate,
    "false_positive_rate": flm.false_positive_rate,
    "false_negative_rate": flm.false_negative_rate,
    "true_negative_rate": flm.true_negative_rate,
    "precision": _zero(skm.precision_score),
    "recall": _zero(skm.recall_score),
    "f1": _zero(skm.f1_score),
    "accuracy": skm.accuracy_score,
}
REGRESSION = {
    "mean_prediction": flm.mean_prediction,
    "mae": skm.mean_absolute_error,
    "mse": skm.mean_squared_error,
}
NAMED = {
    "demographic_parity_difference": flm.demographic_parity_difference,
    "demographic_parity_ratio": flm.demographic_parity_ratio,
    "equalized_odds_difference": flm.equalized_odds_difference,
    "equalized_odds_ratio": flm.equalized_odds_ratio,
    "equal_opportunity_difference": flm.equal_opportunity_difference,
    "equal_opportunity_ratio": flm.equal_opportunity_ratio,
}


@st.composite
def binary_data(draw, regression: bool = False):
    n = draw(st.integers(2, 60))
    a = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
    b = draw(st.lists(st.sampled_from(["x", "y"]), min_size=n, max_size=n))
    if regression:
        y = np.array(draw(st.lists(st.floats(-5, 5), min_size=n, max_size=n)))
        pred = np.array(draw(st.lists(st.floats(-5, 5), min_size=n, max_size=n)))
    else:
        y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
        pred = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    weighted = draw(st.booleans())
    w = np.array(draw(st.lists(st.floats(0.01, 5), min_size=n, max_size=n))) if weighted else None
    return pd.DataFrame({"a": a, "b": b}), y, pred, w


def reference_frame(fn, frame, features, y, pred, w):
    sensitive = frame[list(features)].fillna(MISSING)
    params = {} if w is None else {"sample_weight": w}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return flm.MetricFrame(
            metrics=fn, y_true=y, y_pred=pred, sensitive_features=sensitive, sample_params=params
        )


def ours(frame, y, pred, w, components, kind, method, features, task=Task.BINARY, agg="worst_case"):
    spec = fairness.Spec(
        tuple(components), kind, method, tuple(features), intersectional=True, agg=agg
    )
    return fairness.evaluate(frame, task, y, pred, w, spec)


def assert_close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(binary_data(), st.sampled_from(sorted(FAIRLEARN)), st.sampled_from(["a", "ab"]))
def test_group_values_and_aggregates_equal_metricframe(data, name, feats):
    frame, y, pred, w = data
    features = list(feats)
    mf = reference_frame(FAIRLEARN[name], frame, features, y, pred, w)
    if len(mf.by_group) < 2:
        return
    for kind in ("difference", "ratio"):
        for method in ("between_groups", "to_overall"):
            result = ours(frame, y, pred, w, [name], kind, method, features)
            expected = getattr(mf, kind)(method=method)
            assert_close(result.value, expected)
    by_group = mf.by_group.to_dict()
    for g in result.groups:
        key = tuple(g.group[f] for f in features)
        assert_close(g.values[name], by_group[key if len(key) > 1 else key[0]])
        assert g.n == int((frame[features].fillna(MISSING).apply(tuple, axis=1) == key).sum())


@SETTINGS
@given(
    binary_data(),
    st.sampled_from(sorted(NAMED)),
    st.sampled_from(["between_groups", "to_overall"]),
    st.sampled_from(["worst_case", "mean"]),
)
def test_named_fairness_metrics_equal_fairlearns(data, name, method, agg):
    from gate.engine.group_metrics import NAMED_DISPARITIES

    frame, y, pred, w = data
    sensitive = frame[["a"]].fillna(MISSING)
    if sensitive["a"].nunique() < 2:
        return
    named = NAMED_DISPARITIES[name]
    kwargs = {"agg": agg} if name.startswith("equalized_odds") else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = NAMED[name](
            y, pred, sensitive_features=sensitive, method=method, sample_weight=w, **kwargs
        )
    result = ours(frame, y, pred, w, named.components, named.aggregate, method, ["a"], agg=agg)
    assert_close(result.value, expected)


@SETTINGS
@given(binary_data(regression=True), st.sampled_from(sorted(REGRESSION)))
def test_regression_group_metrics_equal_metricframe(data, name):
    frame, y, pred, w = data
    mf = reference_frame(REGRESSION[name], frame, ["b"], y, pred, w)
    if len(mf.by_group) < 2:
        return
    for kind in ("difference", "ratio"):
        result = ours(
            frame, y, pred, w, [name], kind, "between_groups", ["b"], task=Task.REGRESSION
        )
        assert_close(result.value, getattr(mf, kind)())


@SETTINGS
@given(binary_data(), st.integers(0, 60))
def test_merged_partial_statistics_equal_the_whole(data, cut):
    from gate.engine.groups import group_rows
    from gate.engine.stats import confusion_stats

    frame, y, pred, w = data
    grouping = group_rows(frame, ["a", "b"])
    k = min(cut, len(y))
    codes, size = grouping.codes, grouping.size

    def part(s):
        return confusion_stats(codes[s], size, y[s], pred[s], None if w is None else w[s])

    whole, merged = part(slice(None)), part(slice(0, k)) + part(slice(k, None))
    for field in ("tp", "fp", "fn", "tn", "n"):
        assert_close(getattr(merged, field), getattr(whole, field))


def test_missing_sensitive_values_are_a_reported_group():
    frame = pd.DataFrame({"a": ["x", None, "y", None]})
    result = ours(
        frame,
        np.array([1, 0, 1, 0]),
        np.array([1, 1, 0, 0]),
        None,
        ["selection_rate"],
        "difference",
        "between_groups",
        ["a"],
    )
    assert [g.group["a"] for g in result.groups] == ["x", "y", MISSING]
    assert [g.n for g in result.groups] == [1, 1, 2]


def test_reference_group_absent_is_an_error():
    frame = pd.DataFrame({"a": ["x", "y"]})
    spec = fairness.Spec(
        ("selection_rate",), "ratio", "to_reference", ("a",), reference=(("a", "z"),)
    )
    with pytest.raises(fairness_groups.DisparityError, match="reference group"):
        fairness.evaluate(frame, Task.BINARY, np.array([1, 0]), np.array([1, 0]), None, spec)
