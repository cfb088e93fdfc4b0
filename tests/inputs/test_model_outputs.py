"""What a model gives back is checked before it is counted: the task it serves, its positive
class, the sign of its decision values, and the shape and kind of its outputs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import auc, roc_curve
from sklearn.svm import SVC, LinearSVC

from gate import evaluate
from gate.errors import GateError, InputError

FEATURES = ["income", "debt"]


def _frame(n: int = 300, labels: tuple[object, object] = ("bad", "good")) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"income": rng.normal(size=n), "debt": rng.normal(size=n)})
    frame["sex"] = rng.choice(["f", "m"], n)
    good = frame["income"] - 0.5 * frame["debt"] + rng.normal(scale=0.7, size=n) > 0
    frame["label"] = np.where(good, labels[1], labels[0])
    return frame


def _policy(positive: object = 1, metric: str = "roc_auc", **data: object) -> dict:
    binding = {"label": "label", "positive_label": positive, "sensitive": ["sex"], **data}
    check = {"id": "perf", "type": "performance", "metric": metric}
    check["min" if metric != "mae" else "max"] = 0.0 if metric != "mae" else 1e9
    return {"version": 1, "data": binding, "checks": [check]}


def _value(policy: dict, frame: pd.DataFrame, model: object, **kw: object) -> float:
    return evaluate(policy, frame, model=model, **kw).to_json()["checks"][0]["value"]


@pytest.mark.parametrize("make", [LinearSVC, lambda: SVC(random_state=0)])
@pytest.mark.parametrize("positive", ["bad", "good"])
def test_decision_values_score_the_positive_label_whichever_class_it_is(make, positive):
    frame = _frame()
    model = make().fit(frame[FEATURES], frame["label"])
    decision = model.decision_function(frame[FEATURES])  # the score of classes_[1]
    score = decision if positive == model.classes_[1] else -decision
    fpr, tpr, _ = roc_curve(frame["label"], score, pos_label=positive)
    got = _value(_policy(positive), frame, model)
    assert got == pytest.approx(auc(fpr, tpr), abs=1e-9)
    assert got > 0.8  # an inverted score would be below 0.2


@pytest.mark.parametrize(
    "make", [LinearSVC, LogisticRegression, lambda: _PredictOnly(LogisticRegression())]
)
def test_a_positive_label_that_is_not_a_class_of_the_model_is_refused(make):
    frame = _frame()
    model = make().fit(frame[FEATURES], frame["label"])
    with pytest.raises(InputError) as err:
        evaluate(_policy("yes", metric="accuracy"), frame, model=model)
    message = str(err.value)
    assert "positive_label 'yes'" in message and "bad, good" in message
    assert message.startswith("model <in-memory ")


def test_a_classifier_under_regression_is_refused_naming_model_and_task():
    frame = _frame(labels=(0, 1))
    model = LogisticRegression().fit(frame[FEATURES], frame["label"])
    with pytest.raises(InputError, match=r"LogisticRegression> is a classifier .*regression"):
        evaluate(_policy(metric="mae", task="regression"), frame, model=model)


def test_a_regressor_under_binary_classification_is_refused():
    frame = _frame(labels=(0, 1))
    model = LinearRegression().fit(frame[FEATURES], frame["label"])
    with pytest.raises(InputError, match=r"LinearRegression> is a regressor.*binary_class"):
        evaluate(_policy(), frame, model=model)


def test_a_multiclass_classifier_under_binary_classification_is_refused():
    frame = _frame(labels=(0, 1))
    three = np.where(frame["income"] > 0.5, 2, frame["label"])
    model = LogisticRegression().fit(frame[FEATURES], three)
    with pytest.raises(InputError, match=r"classifier of 3 classes \(classes 0, 1, 2\)"):
        evaluate(_policy(), frame, model=model)


def test_a_baseline_of_the_wrong_kind_is_named_as_the_baseline():
    frame = _frame(labels=(0, 1))
    model = LogisticRegression().fit(frame[FEATURES], frame["label"])
    other = LinearRegression().fit(frame[FEATURES], frame["label"])
    with pytest.raises(InputError, match=r"^baseline model <in-memory LinearRegression>"):
        evaluate(_policy(), frame, model=model, baseline=other)


class _Wrong:
    """A fitted model whose outputs are broken in one way."""

    def __init__(self, how: str, inner: object) -> None:
        self.how, self.inner = how, inner
        self.feature_names_in_ = np.array(FEATURES, dtype=object)
        self.classes_ = inner.classes_

    def _out(self, values: np.ndarray) -> np.ndarray:
        if self.how == "short":
            return values[:-1]
        if self.how == "long":
            return np.concatenate([values, values[:1]])
        if self.how == "matrix":
            return np.stack([values, values, values], axis=1)
        if self.how == "text":
            return np.array([f"v{v}" for v in values], dtype=object)
        return values

    def predict(self, X):
        return self._out(self.inner.predict(X))

    def predict_proba(self, X):
        probabilities = self.inner.predict_proba(X)
        if self.how == "matrix":
            return probabilities[:, :1]
        if self.how == "text":
            return probabilities.astype(str)
        if self.how == "long":
            return np.concatenate([probabilities, probabilities[:1]])
        return probabilities[:-1] if self.how == "short" else probabilities


@pytest.mark.parametrize("how", ["short", "long", "matrix", "text"])
def test_outputs_of_the_wrong_shape_or_kind_name_the_model(how):
    frame = _frame(labels=(0, 1))
    model = _Wrong(how, LogisticRegression().fit(frame[FEATURES], frame["label"]))
    with pytest.raises(InputError) as err:
        evaluate(_policy(metric="accuracy"), frame, model=model)
    assert str(err.value).startswith("model <in-memory _Wrong>")
    assert ("shape" in str(err.value)) or ("non-numeric" in str(err.value))


class _Regressor:
    def __init__(self, how: str) -> None:
        self.how = how
        self.feature_names_in_ = np.array(FEATURES, dtype=object)

    def predict(self, X):
        n = len(X)
        return {"short": np.zeros(n - 1), "text": np.array(["a"] * n), "2d": np.zeros((n, 2))}[
            self.how
        ]


@pytest.mark.parametrize("how", ["short", "text", "2d"])
def test_a_regression_model_with_bad_outputs_names_the_model(how):
    frame = _frame(labels=(0.0, 1.0))
    with pytest.raises(InputError, match=r"^model <in-memory _Regressor>: predict\(\)"):
        evaluate(_policy(metric="mae", task="regression"), frame, model=_Regressor(how))


class _PredictOnly:
    """A classifier without scores: predict() only (optionally without classes_)."""

    def __init__(self, inner: object, classes: bool = True, say: dict | None = None) -> None:
        self.inner, self.classes, self.say = inner, classes, say or {}
        self.feature_names_in_ = np.array(FEATURES, dtype=object)

    def fit(self, X, y):
        self.inner.fit(X, y)
        if self.classes:
            self.classes_ = self.inner.classes_
        return self

    def predict(self, X):
        predicted = self.inner.predict(X)
        return np.array([self.say.get(p, p) for p in predicted], dtype=object)


def test_predicted_labels_that_are_no_value_of_the_label_fail_closed():
    frame = _frame(labels=(0, 1))
    model = _PredictOnly(LogisticRegression(), classes=False, say={0: "no", 1: "yes"})
    model.fit(frame[FEATURES], frame["label"])
    with pytest.raises(InputError, match=r"predicted 'no', 'yes'|predicted 'yes', 'no'"):
        evaluate(_policy(metric="accuracy"), frame, model=model)


def test_predicted_labels_compare_by_value_and_text():
    frame = _frame(labels=(0, 1))
    model = _PredictOnly(LogisticRegression(), classes=False, say={0: 0.0, 1: "1"})
    model.fit(frame[FEATURES], frame["label"])
    inner = model.inner.predict(frame[FEATURES])
    expected = float((inner == frame["label"]).mean())
    assert _value(_policy(metric="accuracy"), frame, model) == pytest.approx(expected)


def test_a_batch_showing_one_label_value_accepts_the_other_class():
    frame = _frame(labels=(0, 1)).sort_values("label", ignore_index=True)
    model = _PredictOnly(LogisticRegression(), classes=False).fit(frame[FEATURES], frame["label"])
    inner = model.inner.predict(frame[FEATURES])
    got = _value(_policy(metric="accuracy"), frame, model, batch_rows=50)
    assert got == pytest.approx(float((inner == frame["label"]).mean()))


def test_an_unfitted_estimator_is_said_to_be_not_fitted():
    frame = _frame(labels=(0, 1))
    with pytest.raises(InputError, match=r"model <in-memory LogisticRegression> .*is not fitted"):
        evaluate(_policy(), frame, model=LogisticRegression())
    fitted = LogisticRegression().fit(frame[FEATURES], frame["label"])
    with pytest.raises(InputError, match=r"^baseline model <in-memory SVC> .*is not fitted"):
        evaluate(_policy(), frame, model=fitted, baseline=SVC())


def test_a_model_without_input_names_points_at_the_features_option():
    frame = _frame(labels=(0, 1))
    model = LogisticRegression().fit(frame[FEATURES].to_numpy(), frame["label"])
    with pytest.raises(InputError) as err:
        evaluate(_policy(), frame, model=model)
    assert "--features" in str(err.value) and "features=" in str(err.value)


def test_a_model_fitted_on_an_array_gets_an_array_without_a_warning():
    frame = _frame(labels=(0, 1))
    model = LogisticRegression().fit(frame[FEATURES].to_numpy(), frame["label"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _value(_policy(), frame, model, features=FEATURES)
    fpr, tpr, _ = roc_curve(frame["label"], model.predict_proba(frame[FEATURES].to_numpy())[:, 1])
    assert got == pytest.approx(auc(fpr, tpr), abs=1e-9)


def test_every_model_error_is_a_gate_error():
    assert issubclass(InputError, GateError)


def test_a_prediction_column_of_other_values_than_the_label_fails_closed():
    frame = _frame(labels=(0, 1))
    frame["pred"] = np.where(frame["income"] > 0, "yes", "no")
    policy = _policy(metric="accuracy", prediction="pred")
    with pytest.raises(InputError, match=r"prediction column 'pred' has '(yes|no)', '(yes|no)'"):
        evaluate(policy, frame)
    frame["pred"] = np.where(frame["income"] > 0, 1.0, 0.0)  # the same values, as floats
    expected = float(((frame["income"] > 0).astype(int) == frame["label"]).mean())
    assert _value(policy, frame, None) == pytest.approx(expected)


def test_an_outcome_free_prediction_column_takes_the_other_value_as_negative():
    frame = _frame(labels=(0, 1)).drop(columns="label")
    frame["pred"] = np.where(frame["income"] > 0, "yes", "no")
    policy = {
        "version": 1,
        "data": {"prediction": "pred", "positive_label": "yes", "sensitive": ["sex"]},
        "checks": [
            {
                "id": "s",
                "type": "fairness",
                "metric": "selection_rate",
                "aggregate": "ratio",
                "min": 0.0,
            }
        ],
    }
    groups = evaluate(policy, frame).to_json()["checks"][0]["groups"]
    rates = frame.assign(s=frame["pred"] == "yes").groupby("sex")["s"].mean()
    assert {g["group"]["sex"]: g["value"] for g in groups} == pytest.approx(rates.to_dict())


@pytest.mark.parametrize("threshold", [0.0, 0.5, 5.0])
def test_a_decision_function_model_labels_by_its_own_predict_whatever_the_threshold(threshold):
    frame = _frame()
    model = LinearSVC().fit(frame[FEATURES], frame["label"])
    expected = float((model.predict(frame[FEATURES]) == frame["label"]).mean())
    policy = _policy("bad", metric="accuracy", threshold=threshold)
    assert _value(policy, frame, model) == pytest.approx(expected)
    proba = LogisticRegression().fit(frame[FEATURES], frame["label"])  # probabilities: it counts
    bad = proba.predict_proba(frame[FEATURES])[:, 0] >= threshold
    thresholded = float((np.where(bad, "bad", "good") == frame["label"]).mean())
    assert _value(policy, frame, proba) == pytest.approx(thresholded)
