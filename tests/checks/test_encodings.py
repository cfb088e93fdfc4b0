"""gate.checks.encodings and the behaviour checks that use it (review13b #1, #4): a protected
attribute the model reads through inputs that encode it — one-hot dummies in any spelling, an
indicator, a per-group constant — is never "not a model input" / `skipped`; the importance and
the counterfactual checks are an error naming the inputs and the data.encoded to declare, and
pass judgement once it is declared. Inputs merely correlated with the attribute, and an id-like
attribute, are not taken for an encoding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from gate import evaluate
from gate.checks.encodings import encoding_inputs

SPELLINGS = {  # how a frame of dummies of sex is named, by the tool that made it
    "underscore": ("sex_M", "sex_F"),
    "scikit-learn ColumnTransformer": ("cat__sex_M", "cat__sex_F"),
    "capitalised": ("Sex_M", "Sex_F"),
    "dot": ("sex.M", "sex.F"),
    "no separator (values only)": ("sexM", "sexF"),
    "indicators (values only)": ("is_male", "is_female"),
}


def frame(n: int = 3000, seed: int = 0, dummies: tuple[str, str] = ("sex_M", "sex_F")):
    rng = np.random.default_rng(seed)
    out = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(4)})
    out["sex"] = rng.choice(["F", "M"], n)
    out[dummies[0]] = (out.sex == "M").astype(int)
    out[dummies[1]] = (out.sex == "F").astype(int)
    logit = out.x0 + 0.5 * out.x1 + 2.5 * out[dummies[0]] - 1.2
    out["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return out


def fitted(data: pd.DataFrame, inputs: list[str]) -> LogisticRegression:
    return LogisticRegression(max_iter=500).fit(data[inputs], data.y)


def checks(**data_keys) -> dict:
    return {
        "version": 1,
        "data": {"label": "y", "sensitive": ["sex"], **data_keys},
        "checks": [
            {"id": "imp", "type": "importance", "protected": ["sex"], "max_rank": 3},
            {"id": "cf", "type": "robustness", "counterfactual": ["sex"], "max_flip_rate": 0.01},
        ],
    }


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_unit_each_spelling_of_dummies_is_found(spelling):
    dummies = SPELLINGS[spelling]
    data = frame(500, dummies=dummies)
    assert encoding_inputs("sex", ["x0", "x1", *dummies], data) == list(dummies)


def test_unit_correlated_inputs_and_id_like_attributes_are_not_encodings():
    data = frame(2000)
    rng = np.random.default_rng(1)
    data["leaky"] = data.sex_M * 2.0 + rng.normal(scale=0.1, size=len(data))  # a proxy, not exact
    data["rare"] = 0
    data.loc[data.index[:3], "rare"] = 1  # varies, but within a group: no encoding
    assert encoding_inputs("sex", ["x0", "leaky", "rare"], data) == []
    data["person"] = np.arange(len(data))  # every group one row: nothing can be shown
    assert encoding_inputs("person", ["x0", "x1"], data) == []
    assert encoding_inputs("sex", ["sex_M"], data.drop(columns="sex")) == ["sex_M"]  # by name


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_a_model_reading_sex_through_its_dummies_is_not_approved(spelling):
    dummies = SPELLINGS[spelling]
    data = frame(dummies=dummies)
    inputs = ["x0", "x1", "x2", "x3", dummies[0]]
    report = evaluate(checks(features=inputs), data, model=fitted(data, inputs), resamples=100)
    imp, cf = report.check("imp"), report.check("cf")
    assert imp.status.value == "error" and cf.status.value == "error", (imp.message, cf.message)
    assert f"data.encoded: {{sex: [{dummies[0]}]}}" in imp.message
    assert f"{dummies[0]} encode it" in cf.message
    assert report.decision == "block"
    declared = checks(features=inputs, encoded={"sex": [dummies[0]]})
    judged = evaluate(declared, data, model=fitted(data, inputs), resamples=100)
    assert judged.check("imp").status.value == "fail", judged.check("imp").message
    assert judged.check("cf").status.value == "fail", judged.check("cf").message


def test_an_attribute_taken_beside_its_encoding_is_refused_too():
    data = frame()
    inputs = ["x0", "x1", "sex_M", "is_male"]
    data["is_male"] = data.sex_M
    data = data.assign(sex_M=(data.sex == "M").astype(int))
    model = fitted(data, inputs)
    report = evaluate(checks(features=inputs, encoded={"sex": ["sex_M"]}), data, model=model)
    assert report.check("imp").status.value == "error"
    assert "is_male" in report.check("imp").message
    assert "is_male" in report.check("cf").message


def test_a_protected_attribute_inside_a_group_named_otherwise_is_an_error():
    data = frame()
    inputs = ["x0", "x1", "sex_M"]
    model = fitted(data, inputs)
    policy = checks(features=inputs, encoded={"foo": ["sex_M", "x1"]})
    policy["checks"][0]["protected"] = ["sex_M"]
    result = evaluate(policy, data, model=model, resamples=100).check("imp")
    assert result.status.value == "error"
    assert "'sex_M' is one of the columns data.encoded groups as 'foo'" in result.message


def test_a_model_that_does_not_read_sex_at_all_still_passes():
    data = frame()
    inputs = ["x0", "x1", "x2"]
    report = evaluate(checks(features=inputs), data, model=fitted(data, inputs), resamples=100)
    assert report.check("imp").status.value == "pass", report.check("imp").message
    assert report.check("cf").status.value == "skipped", report.check("cf").message


@pytest.mark.parametrize("candidate_takes_raw", [True, False])
def test_models_taking_an_attribute_differently_are_not_compared_by_importance(
    candidate_takes_raw,
):
    """review13b #16: a baseline on sex's dummies against a candidate on the raw column measured
    the candidate by shuffling dummies it never reads ("unranked" -> approved)."""
    data = frame()
    data["sex"] = (data.sex == "M").astype(int)
    raw, dummies = ["x0", "x1", "sex"], ["x0", "x1", "sex_M", "sex_F"]
    first, second = (raw, dummies) if candidate_takes_raw else (dummies, raw)
    policy = {
        "version": 1,
        "data": {"label": "y", "encoded": {"sex": ["sex_M", "sex_F"]}},
        "checks": [
            {
                "id": "imp",
                "type": "importance",
                "protected": ["sex"],
                "max_rank": 3,
                "baseline": {"min_rank_correlation": 0.5},
            }
        ],
    }
    report = evaluate(
        policy, data, model=fitted(data, first), baseline=fitted(data, second), resamples=50
    )
    result = report.check("imp")
    assert result.status.value == "error", result.message
    raw_side = "candidate" if candidate_takes_raw else "baseline model"
    assert f"the column sex for the {raw_side}" in result.message
    assert "the columns sex_M, sex_F (data.encoded)" in result.message
