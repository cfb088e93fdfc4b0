"""type: robustness on models built here: monotonicity (a planted non-monotonic dependence
fails, a monotone model passes), the declared constraints (immutable inputs never change,
ranges hold, integers stay whole), flip-rate verdicts on exact intervals, and the errors."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from statsmodels.stats.proportion import proportion_confint

from gate import evaluate
from gate.engine.robustness_stats import clopper_pearson
from gate.errors import GateError
from gate.report.consistency import status_problem


def frame(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = pd.DataFrame(
        {
            "income": rng.normal(50, 10, n),
            "debt": rng.normal(0, 1, n),
            "age": rng.integers(18, 80, n),
            "birth_year": rng.integers(1940, 2000, n),
        }
    )
    out["y"] = (out["income"] - 50 + 5 * out["debt"] + rng.normal(0, 5, n) > 0).astype(int)
    return out


INPUTS = ["income", "debt", "age", "birth_year"]


def check(data: pd.DataFrame, model, **keys):
    policy = {
        "version": 1,
        "data": {"label": "y"},
        "checks": [{"id": "rb", "type": "robustness", **keys}],
    }
    return evaluate(policy, data, model=model).check("rb")


def test_a_planted_non_monotonic_dependence_fails_the_monotonicity_condition():
    data = frame(1000)
    data["y"] = (np.abs(data["income"] - 50) < 8).astype(int)  # a bump: up, then down
    bump = make_pipeline(StandardScaler(), PolynomialFeatures(2), LogisticRegression())
    bump.fit(data[INPUTS], data["y"])
    result = check(data, bump, features={"income": {"monotonic": "increasing"}}, noise="none")
    (probe,) = result.perturbations
    assert probe["probe"] == "monotonic" and probe["violations"] > 0.9 * probe["rows"]
    assert result.status == "fail"
    assert "monotonicity violations above max_monotonic_violations 0: income (increasing)" in (
        result.message
    )


def test_a_monotone_model_passes_and_the_opposite_direction_fails():
    data = frame()
    model = LogisticRegression(max_iter=1000).fit(data[INPUTS], data["y"])
    assert model.coef_[0][0] > 0  # income raises the score
    up = check(data, model, features={"income": {"monotonic": "increasing"}}, noise="none")
    assert up.status == "pass", up.message
    assert up.perturbations[0]["violations"] == 0
    assert (up.metric, up.value, up.threshold) == (
        "violation_rate",
        0.0,
        {"max_monotonic_violations": 0.0},
    )
    assert status_problem(up, dt.date(2026, 1, 1)) is None  # a report read back agrees
    down = check(data, model, features={"income": {"monotonic": "decreasing"}}, noise="none")
    assert down.status == "fail"


class Recorder(LogisticRegression):
    """A logistic regression that keeps every frame it is asked to score."""

    seen: ClassVar[list[pd.DataFrame]] = []

    def predict_proba(self, X):
        Recorder.seen.append(X.copy())
        return super().predict_proba(X)


def test_immutable_inputs_never_change_ranges_hold_and_integers_stay_whole():
    data = frame(800)
    model = Recorder(max_iter=1000).fit(data[INPUTS], data["y"])
    Recorder.seen = []
    features = {
        "birth_year": {"immutable": True},
        "age": {"noise": {"absolute": 30}, "range": [18, 80], "monotonic": "increasing"},
        "income": {"noise": {"relative": 0.5}, "range": [40, 60]},
    }
    result = check(data, model, features=features, noise={"std": 0.05}, max_flip_rate=0.5)
    (probed,) = [f for f in Recorder.seen if len(f) == result.sample["probed"]]  # one call
    copies = len(probed) // len(data)
    assert (probed["birth_year"].to_numpy() == np.tile(data["birth_year"], copies)).all()
    assert probed["age"].between(18, 80).all() and probed["age"].dtype.kind == "i"
    own = np.tile(data["income"], copies)
    moved = probed["income"].to_numpy() != own
    lo, hi = np.minimum(40, own), np.maximum(60, own)  # an original outside is not moved out
    assert moved.any() and ((probed["income"] >= lo) & (probed["income"] <= hi)).all()
    kinds = {(p["probe"], p["feature"]) for p in result.perturbations}
    assert ("noise", "birth_year") not in kinds and ("monotonic", "age") in kinds
    assert {("noise", "income"), ("noise", "age"), ("noise", "debt"), ("noise", "*")} <= kinds


def test_flip_rates_are_judged_on_exact_intervals_simultaneous_over_the_probes():
    data = frame(2000)
    model = LogisticRegression(max_iter=1000).fit(data[INPUTS], data["y"])
    result = check(data, model, noise={"std": 0.5}, max_flip_rate=0.5, confidence=0.9)
    noise = [p for p in result.perturbations if p["probe"] == "noise"]
    assert len(noise) == 5  # four inputs and all at once
    for p in noise:
        level = 1 - 0.1 / 5
        expected = proportion_confint(p["flips"], p["rows"], alpha=1 - level, method="beta")
        assert p["ci"] == pytest.approx(list(expected), abs=1e-12)
        assert p["confidence"] == pytest.approx(level)
    assert result.status == "pass"
    tight = check(data, model, noise={"std": 0.5}, max_flip_rate=0.001)
    assert tight.status == "fail" and "flip rate above max_flip_rate 0.001" in tight.message


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (7, 12345)])
def test_clopper_pearson_is_statsmodels_beta_interval(k, n):
    expected = proportion_confint(k, n, alpha=0.05, method="beta")
    assert clopper_pearson(k, n, 0.95) == pytest.approx(expected, abs=1e-12)


def test_the_largest_score_change_is_reported_and_judged_as_it_is():
    data = frame(500)
    model = LogisticRegression(max_iter=1000).fit(data[INPUTS], data["y"])
    base = model.predict_proba(data[INPUTS])[:, 1]
    result = check(data, model, noise="none", features={"income": {"noise": {"absolute": 5}}},
                   max_score_change=0.0)  # fmt: skip
    (probe,) = result.perturbations
    assert 0 < probe["max_score_change"] <= np.max(np.maximum(base, 1 - base))
    assert result.status == "fail" and probe["score_status"] == "fail"
    loose = check(data, model, noise="none", features={"income": {"noise": {"absolute": 5}}},
                  max_score_change=1.0)  # fmt: skip
    assert loose.status == "pass" and "judged as it is" in loose.message


def test_a_feature_the_model_does_not_take_is_an_error_naming_it():
    data = frame(300)
    model = LogisticRegression().fit(data[["income", "debt"]], data["y"])
    result = check(data, model, features={"age": {"noise": {"absolute": 1}}}, max_flip_rate=0.1)
    assert result.status == "error"
    assert "'features' names age, which the model does not take" in result.message


def test_noise_on_a_categorical_input_is_an_error_naming_it():
    data = frame(300).assign(job=lambda f: np.where(f["debt"] > 0, "a", "b"))
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    encode = make_column_transformer((OneHotEncoder(), ["job"]), remainder="passthrough")
    model = make_pipeline(encode, LogisticRegression()).fit(data[["job", "income"]], data["y"])
    result = check(data, model, features={"job": {"noise": {"relative": 0.1}}}, max_flip_rate=0.1)
    assert result.status == "error" and "noise on 'job', which is not numeric" in result.message
    swap = check(data, model, features={"job": {"swap": ["a", "b"]}}, max_flip_rate=1.0)
    entry = next(p for p in swap.perturbations if p["feature"] == "job")
    assert entry["flips"] > 0 and swap.status == "pass"


def test_a_predictions_only_run_is_an_error():
    data = frame(300).assign(score=0.5)
    policy = {
        "version": 1,
        "data": {"label": "y", "score": "score", "features": INPUTS},
        "checks": [{"id": "rb", "type": "robustness", "max_flip_rate": 0.1}],
    }
    result = evaluate(policy, data).check("rb")
    assert result.status == "error" and "--model" in result.message


def test_regression_counts_a_changed_decision_beyond_the_tolerance():
    data = frame(500)
    model = LinearRegression().fit(data[INPUTS], data["income"] * 2)
    policy = {
        "version": 1,
        "data": {"label": "y", "task": "regression"},
        "checks": [{"id": "rb", "type": "robustness", "max_flip_rate": 0.5}],
    }
    refused = evaluate(policy, data, model=model).check("rb")
    assert refused.status == "error" and "'tolerance'" in refused.message
    policy["checks"][0] |= {"tolerance": 1e9, "max_score_change": 1e9}
    result = evaluate(policy, data, model=model).check("rb")
    assert result.status == "pass" and all(p.get("flips") == 0 for p in result.perturbations)


def test_sample_rows_bounds_the_rows_probed_and_a_rerun_is_identical():
    data = frame(3000)
    model = LogisticRegression(max_iter=1000).fit(data[INPUTS], data["y"])
    one = check(data, model, sample_rows=500, repeats=2, max_flip_rate=0.5)
    two = check(data, model, sample_rows=500, repeats=2, max_flip_rate=0.5)
    assert one.sample == {"rows": 500, "of": 3000, "seed": 0, "repeats": 2, "probed": 500 * 11}
    assert one.perturbations == two.perturbations


def test_the_api_refuses_a_policy_error_before_running():
    with pytest.raises(GateError, match="range of 'age' has min 80 above max 18"):
        check(frame(50), None, features={"age": {"range": [80, 18]}}, max_flip_rate=0.1)


def test_nullable_integers_move_and_stay_whole_with_gaps_kept():
    from gate.engine.robustness_probes import noised

    column = pd.Series([20, None, 40, 60], dtype="Int64")
    moved = pd.Series(noised(column, np.random.default_rng(0), ("absolute", 5.0), (18, 59)))
    assert moved.dtype == "Int64" and moved.isna().tolist() == [False, True, False, False]
    assert moved.dropna().between(18, 59).all() and (moved.dropna() != column.dropna()).any()


def test_a_predictions_only_run_without_feature_names_still_says_what_is_missing():
    data = frame(300).assign(score=0.5)
    policy = {
        "version": 1,
        "data": {"label": "y", "score": "score"},
        "checks": [{"id": "rb", "type": "robustness", "max_flip_rate": 0.1}],
    }
    result = evaluate(policy, data).check("rb")
    assert result.status == "error" and "none was given (--model)" in result.message


def test_a_swap_moves_only_the_listed_values_and_always_to_another_of_them():
    from gate.engine.robustness_probes import swapped

    column = pd.Series(["married", "single", "partner", "widowed", None] * 40)
    moved = swapped(column, np.random.default_rng(1), ("married", "partner", "divorced"))
    listed = column.isin(["married", "partner"]).to_numpy()
    assert (moved[~listed].fillna("-") == column[~listed].fillna("-")).all()
    assert (moved[listed] != column[listed]).all()  # divorced is absent: married <-> partner
    assert set(moved[listed]) == {"married", "partner"}
