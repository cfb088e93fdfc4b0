"""Perturbed values stay valid (review13 #3, #4): a column whose present values are all whole
is an integer column even when pandas holds it as float (a CSV integer column with an empty
cell), so its noise is rounded and its missing values kept; a `range:` never moves a value the
data holds outside it further out (nor pulls it in past the noise)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gate import evaluate
from gate.engine.robustness_probes import grid, is_whole, noised


@pytest.mark.parametrize(
    ("values", "whole"),
    [
        ([0.0, 1.0, np.nan, 3.0], True),
        (pd.array([1, None, 3], dtype="Int64"), True),
        ([1, 2, 3], True),
        ([0.5, 1.0, np.nan], False),
        ([np.nan, np.nan], False),
        ([True, False], False),
    ],
)
def test_an_integer_column_is_one_whose_present_values_are_whole(values, whole):
    assert is_whole(pd.Series(values)) is whole


def test_integer_valued_floats_with_gaps_get_whole_noise_and_keep_their_gaps():
    column = pd.Series(np.tile([0.0, 1.0, 2.0, 3.0, np.nan], 200))
    moved = pd.Series(noised(column, np.random.default_rng(0), ("absolute", 1.5), (0, 10)))
    assert moved.dtype == np.float64
    assert moved.isna().equals(column.isna())
    present = moved.dropna()
    assert (present == np.rint(present)).all() and present.between(0, 10).all()
    assert (present != column.dropna()).any()
    assert set(grid(column, None)) <= {0.0, 1.0, 2.0, 3.0}  # monotonic grid: whole too


def test_floats_that_are_not_whole_are_not_rounded():
    column = pd.Series([0.5, 1.25, 2.0, np.nan] * 50)
    moved = noised(column, np.random.default_rng(0), ("absolute", 0.3), None)
    assert (moved[~np.isnan(moved)] % 1 != 0).any()


def test_a_range_never_moves_a_value_outside_it_further_out():
    rng = np.random.default_rng(0)
    own = pd.Series(rng.normal(50, 10, 2000))
    moved = noised(own, np.random.default_rng(1), ("relative", 0.05), (60, 70))
    x = own.to_numpy()
    assert (moved >= np.minimum(60, x)).all() and (moved <= np.maximum(70, x)).all()
    below = x < 60
    assert (np.abs(moved - x)[below] <= 0.05 * np.abs(x[below]) + 1e-12).all()  # noise-sized
    assert (moved[below] >= x[below]).all()  # never pushed further below
    inside = (x >= 60) & (x <= 70)
    assert ((moved[inside] >= 60) & (moved[inside] <= 70)).all()


def test_the_report_says_which_columns_were_treated_as_integer():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"income": rng.normal(50, 10, 600), "children": rng.integers(0, 4, 600)})
    frame["children"] = frame["children"].astype(float)
    frame.loc[::50, "children"] = np.nan  # as a CSV integer column with empty cells arrives
    frame["y"] = (frame["income"] + 5 * frame["children"].fillna(0) > 55).astype(int)
    model = HistGradientBoostingClassifier(max_iter=20).fit(
        frame[["income", "children"]], frame["y"]
    )
    features = {"children": {"noise": {"absolute": 1.5}, "range": [0, 10]}}
    policy = {
        "version": 1,
        "data": {"label": "y"},
        "checks": [{"id": "rb", "type": "robustness", "max_flip_rate": 0.9, "features": features,
                    "noise": {"std": 0.05}}],
    }  # fmt: skip
    result = evaluate(policy, frame, model=model).check("rb")
    integer = {p["feature"]: p.get("integer") for p in result.perturbations if p["feature"] != "*"}
    assert integer == {"income": False, "children": True}, result.perturbations
