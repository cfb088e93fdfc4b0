"""A robustness probe that changed nothing is never evidence (review13 #8, #9, #2, #14, #16):
every probe counts the rows it actually changed and its flip rate is of those rows; a swap value
that matches no row, a proxy that is not a column or not an input, an attribute the model takes
one-hot encoded, a single-valued or high-cardinality attribute, and a probe that makes the model
raise are each the check's error naming the value or column, never a pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from gate import evaluate
from gate.errors import InputError


class Rule(ClassifierMixin, BaseEstimator):
    """A classifier whose score is a fixed rule of named columns (no training noise): x, plus
    `bonus` where column `on` holds `value`; raises on negative `amount` when asked."""

    def __init__(self, on: str = "", value: object = None, bonus: float = 0.4) -> None:
        self.on, self.value, self.bonus = on, value, bonus

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(list(X.columns))
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X):
        if "amount" in X and (X["amount"].to_numpy(float) < 0).any():
            raise ValueError("Input contains negative values")
        s = 1 / (1 + np.exp(-X["x"].to_numpy(float)))
        if self.on:
            s = s + self.bonus * (X[self.on].to_numpy() == self.value)
        s = np.clip(s, 0, 1)
        return np.c_[1 - s, s]

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def data(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = pd.DataFrame({"x": rng.normal(size=n)})
    out["marital"] = rng.choice(["Married", "Civil partnership", "Single"], n)
    out["plan"] = rng.choice([1.0, 2.0, 3.0], n)
    out.loc[::40, "plan"] = np.nan  # pandas holds it as float: 1.0, 2.0
    out["sex"] = rng.choice(["F", "M"], n)
    out["y"] = rng.integers(0, 2, n)
    return out


def run(frame: pd.DataFrame, model, inputs: list[str], **keys):
    policy = {
        "version": 1,
        "data": {"label": "y", "features": inputs},
        "checks": [{"id": "rb", "type": "robustness", "max_flip_rate": 0.01, **keys}],
    }
    return evaluate(policy, frame, model=model.fit(frame[inputs], frame["y"])).check("rb")


@pytest.mark.parametrize(
    ("swap", "absent"),
    [
        (["married", "civil_partnership"], "'married', 'civil_partnership' occur in none"),
        (["Married", "Divorced"], "'Divorced' occurs in none"),  # one present: nothing moves
        (["Married", "Single", "Widowed"], "'Widowed' occurs in none"),  # a rest would move
    ],
)
def test_a_swap_value_that_matches_no_row_is_an_error_naming_it(swap, absent):
    frame = data()
    result = run(frame, Rule("marital", "Married"), ["x", "marital"], noise="none",
                 features={"marital": {"swap": swap}})  # fmt: skip
    assert result.status == "error", result.message
    assert f"swap of 'marital': {absent} of the 2000 probed rows" in result.message
    assert "'Civil partnership', 'Married', 'Single'" in result.message


def test_a_numeric_swap_matches_numbers_and_the_flip_rate_is_of_the_rows_changed():
    frame = data()
    model = Rule("plan", 1.0)
    result = run(frame, model, ["x", "plan"], noise="none", features={"plan": {"swap": [1, 2]}})
    (entry,) = result.perturbations
    holds = frame["plan"].isin([1.0, 2.0])
    assert entry["changed"] == int(holds.sum()) < entry["rows"] == len(frame)
    base = model.predict(frame[["x", "plan"]])
    moved = model.predict(frame[["x"]].assign(plan=frame["plan"].map({1.0: 2.0, 2.0: 1.0})))
    flips = int(((base != moved) & holds.to_numpy()).sum())  # 1 <-> 2 is the only other value
    assert entry["flips"] == flips > 0
    assert entry["flip_rate"] == pytest.approx(flips / entry["changed"])
    assert result.status == "fail"


def test_declared_noise_that_moves_no_row_is_an_error_and_default_noise_is_skipped():
    frame = data().assign(zero=0.0)
    declared = run(frame, Rule(), ["x", "zero"], features={"zero": {"noise": {"relative": 0.1}}})
    assert declared.status == "error"
    assert "noise of 'zero' changed none of the 2000 probed rows (it holds the single value" in (
        declared.message
    )
    default = run(frame, Rule(), ["x", "zero"], max_flip_rate=0.5)
    kinds = {(p["probe"], p["feature"]): p["status"] for p in default.perturbations}
    assert kinds == {("noise", "x"): "pass", ("noise", "zero"): "skipped"}
    assert default.status == "pass" and "noise of 'zero' skipped" in default.message
    nothing = run(frame[["zero", "y"]].assign(x=1.0), Rule(), ["x", "zero"])
    assert nothing.status == "error" and nothing.message.startswith("nothing to probe")


def test_a_proxy_that_is_not_a_column_or_not_an_input_is_an_error_naming_it():
    frame = data()
    frame["title"] = np.where(frame["sex"] == "M", "Mr", "Ms")
    model = Rule("title", "Mr")
    inputs = ["x", "sex", "title"]
    # a column the data lacks is bad input, as in every check type (exit 2 before the pass)
    with pytest.raises(InputError, match=r"'proxies' names column 'titel'.*did you mean 'title'"):
        run(frame, model, inputs, counterfactual=["sex"], proxies={"sex": ["titel"]})
    unused = run(frame, model, ["x", "sex"], counterfactual=["sex"], proxies={"sex": ["title"]})
    assert unused.status == "error"
    assert "proxies of 'sex': title not a model input" in unused.message
    right = run(frame, model, inputs, counterfactual=["sex"], proxies={"sex": ["title"]})
    assert right.status == "fail" and right.perturbations[0]["proxies"] == ["title"]
    # the model takes the proxy only: probed through it, not skipped
    through = run(frame, model, ["x", "title"], counterfactual=["sex"], proxies={"sex": ["title"]})
    assert through.status == "fail", through.message


@pytest.mark.parametrize("encoded", [["sex_M", "sex_F"], ["sex=M"]])
def test_an_attribute_the_model_takes_encoded_is_an_error_suggesting_data_encoded(encoded):
    frame = data()
    for name in encoded:
        frame[name] = (frame["sex"] == name[-1]).astype(int)
    result = run(frame, Rule(encoded[0], 1), ["x", *encoded], counterfactual=["sex"])
    assert result.status == "error"
    assert f"{', '.join(encoded)} encode it" in result.message
    assert f"data.encoded: {{sex: [{', '.join(encoded)}]}}" in result.message


def test_an_attribute_not_taken_at_all_is_skipped_and_one_absent_everywhere_is_an_error():
    frame = data()
    skipped = run(frame, Rule(), ["x"], counterfactual=["sex"])
    assert skipped.status == "skipped" and "does not take 'sex' as an input" in skipped.message
    with pytest.raises(InputError, match="'counterfactual' names column 'sexx'"):
        run(frame, Rule(), ["x"], counterfactual=["sexx"])


def test_a_single_valued_or_high_cardinality_attribute_is_an_error():
    frame = data()
    one = run(frame.assign(sex="F"), Rule("sex", "M"), ["x", "sex"], counterfactual=["sex"])
    assert one.status == "error" and "'sex' takes 1 value(s) on the 2000 probed rows" in (
        one.message
    )
    ages = frame.assign(age=np.round(np.random.default_rng(1).uniform(18, 90, len(frame)), 2))
    many = run(ages, Rule("age", 30.0), ["x", "age"], counterfactual=["age"])
    assert many.status == "error" and "distinct values on the probed rows (at most 20)" in (
        many.message
    )
    assert many.sample is None  # refused before a single copy was made


def test_a_probe_that_makes_the_model_raise_is_the_checks_error_naming_it():
    frame = data().assign(amount=lambda f: np.random.default_rng(2).exponential(2, len(f)))
    policy = {
        "version": 1,
        "data": {"label": "y", "features": ["x", "amount"]},
        "checks": [
            {"id": "rb", "type": "robustness", "max_flip_rate": 0.5,
             "features": {"amount": {"noise": {"absolute": 5}}}},
            {"id": "ok", "type": "performance", "metric": "accuracy", "min": 0.0},
        ],
    }  # fmt: skip
    model = Rule().fit(frame[["x", "amount"]], frame["y"])
    report = evaluate(policy, frame, model=model)
    result = report.check("rb")
    assert result.status == "error"
    assert "the model raised on the noise probe of 'amount'" in result.message
    assert "Input contains negative values" in result.message and "range: [min, max]" in (
        result.message
    )
    assert report.check("ok").status == "pass"  # the other checks' results are kept
    policy["checks"][0]["features"]["amount"]["range"] = [0, 1000]
    kept = evaluate(policy, frame, model=model).check("rb")
    assert kept.status == "pass", kept.message


def test_an_attribute_declared_in_data_encoded_sets_its_columns_together_exactly():
    """data.encoded: setting sex sets sex_M / sex_F consistently (from a row holding the new
    value); each group's flip rate is the share of its rows whose decision changes when its
    dummies are swapped, computed here with the model directly."""
    frame = data()
    for name in ("sex_M", "sex_F"):
        frame[name] = (frame["sex"] == name[-1]).astype(int)
    inputs = ["x", "sex_M", "sex_F"]
    model = Rule("sex_M", 1).fit(frame[inputs], frame["y"])
    policy = {
        "version": 1,
        "data": {"label": "y", "features": inputs, "encoded": {"sex": ["sex_M", "sex_F"]}},
        "checks": [{"id": "rb", "type": "robustness", "max_flip_rate": 0.01,
                    "counterfactual": ["sex"]}],
    }  # fmt: skip
    result = evaluate(policy, frame, model=model).check("rb")
    swapped = frame[inputs].assign(sex_M=frame["sex_F"], sex_F=frame["sex_M"])
    changed = model.predict(frame[inputs]) != model.predict(swapped)
    assert result.status == "fail"
    assert result.perturbations[0]["proxies"] == ["sex_M", "sex_F"]
    for group in result.groups:
        rows = (frame["sex"] == group["group"]["sex"]).to_numpy()
        assert group["n"] == rows.sum()
        assert group["value"] == pytest.approx(changed[rows].mean(), abs=1e-15)
