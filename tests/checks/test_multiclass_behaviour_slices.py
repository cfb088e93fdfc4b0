"""`type: slices` on a multiclass model (gate.evaluate on frames and models built here): a
row is right when its class is predicted (accuracy), or a slice is judged on one class against
the rest (`class:`); the planted weak slice is found with scikit-learn's value, data without
one reports none at the FDR level, and what makes no sense for multiclass is refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT
from jsonschema import Draft202012Validator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, recall_score

from gate import evaluate
from gate.errors import PolicyError

REPORT_SCHEMA = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())
CLASSES = np.array(["A", "B", "C"])
FEATURES = ["x1", "x2", "sex", "region"]


def grades(n: int, seed: int, weak: float = 0.5, base: float = 0.92) -> pd.DataFrame:
    """Three credit grades; the prediction is right with probability `base`, `weak` in the
    slice sex=F & region=N (a wrong prediction is one of the two other grades)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "sex": rng.choice(["F", "M"], n),
            "region": rng.choice(["N", "S", "E", "W"], n),
        }
    )
    y = rng.integers(0, 3, n)
    inside = ((frame.sex == "F") & (frame.region == "N")).to_numpy()
    right = rng.uniform(size=n) < np.where(inside, weak, base)
    frame["grade"] = CLASSES[y]
    frame["pred"] = CLASSES[np.where(right, y, (y + rng.integers(1, 3, n)) % 3)]
    return frame


def policy(check: dict, **data) -> dict:
    binding = {"label": "grade", "prediction": "pred", "features": FEATURES} | data
    binding = {k: v for k, v in binding.items() if v is not None}
    binding["task"] = "multiclass_classification"
    base = {"id": "slices", "type": "slices", "metric": "accuracy", "min": 0.8}
    return {"version": 1, "data": binding, "checks": [base | check]}


def test_a_planted_weak_slice_of_a_multiclass_prediction_column_is_found():
    frame = grades(6000, 0)
    result = evaluate(policy({}), frame)
    check = result.check("slices")
    assert check.status.value == "fail", check.message
    worst = check.slices[0]
    assert worst["slice"] == {"sex": "F", "region": "N"}
    inside = frame[(frame.sex == "F") & (frame.region == "N")]
    assert worst["value"] == pytest.approx(accuracy_score(inside.grade, inside.pred), abs=1e-12)
    assert worst["n"] == len(inside)
    Draft202012Validator(REPORT_SCHEMA).validate(result.to_json())


def test_no_weak_slice_passes():
    check = evaluate(policy({}), grades(6000, 1, weak=0.92)).check("slices")
    assert check.status.value == "pass", check.message
    assert check.slices == ()


def test_the_model_is_called_and_its_classes_bound_as_the_pass_binds_them():
    """A real 3-class model; the labels of one slice are shuffled among the grades, so the
    model is right there only by chance: found, with the model's own accuracy there."""
    train, frame = grades(3000, 2), grades(4000, 3)
    for f in (train, frame):
        f["grade"] = CLASSES[np.digitize(f.x1 + 0.3 * f.x2, [-0.5, 0.5])]
    rng = np.random.default_rng(4)
    inside = ((frame.sex == "F") & (frame.region == "N")).to_numpy()
    frame.loc[inside, "grade"] = rng.choice(CLASSES, inside.sum())
    model = LogisticRegression().fit(train[["x1", "x2"]], train.grade)
    data = {"prediction": None, "features": None}
    check = {"features": ["sex", "region", "x1"]}
    result = evaluate(policy(check, **data), frame, model=model).check("slices")
    assert result.status.value == "fail", result.message
    worst = result.slices[0]
    assert worst["slice"] == {"sex": "F", "region": "N"}
    expected = accuracy_score(frame.grade[inside], model.predict(frame[["x1", "x2"]][inside]))
    assert worst["value"] == pytest.approx(expected, abs=1e-12)


def test_a_class_metric_judges_that_class_against_the_rest():
    """Grade C is missed in the slice (predicted A), the others are right everywhere: the
    recall of C finds it with scikit-learn's binary recall there; the recall of A does not."""
    frame = grades(6000, 5, weak=0.92)
    inside = ((frame.sex == "F") & (frame.region == "N")).to_numpy()
    missed = inside & (frame.grade == "C").to_numpy()
    missed &= np.random.default_rng(6).uniform(size=len(frame)) < 0.6
    frame.loc[missed, "pred"] = "A"
    check = {"metric": "recall", "class": "C", "min": 0.75}
    result = evaluate(policy(check), frame)
    c = result.check("slices")
    assert c.status.value == "fail", c.message
    assert c.slices[0]["slice"] == {"sex": "F", "region": "N"}
    rows = frame[inside]
    expected = recall_score(rows.grade == "C", rows.pred == "C")
    assert c.slices[0]["value"] == pytest.approx(expected, abs=1e-12)
    assert c.slices[0]["support"] == int((rows.grade == "C").sum())
    assert "recall (class C) below min 0.75" in c.message
    assert result.to_json()["checks"][0]["class"] == "C"
    Draft202012Validator(REPORT_SCHEMA).validate(result.to_json())
    other = evaluate(policy(check | {"class": "A"}), frame).check("slices")
    assert other.status.value == "pass", other.message


def test_probability_columns_alone_predict_the_most_probable_class():
    frame = grades(6000, 7)
    probs = np.full((len(frame), 3), 0.2)
    probs[np.arange(len(frame)), np.searchsorted(CLASSES, frame.pred)] = 0.6
    scores = {c: f"p_{c}" for c in CLASSES}
    for i, c in enumerate(CLASSES):
        frame[f"p_{c}"] = probs[:, i]
    by_scores = evaluate(policy({}, prediction=None, scores=scores), frame.drop(columns="pred"))
    by_column = evaluate(policy({}), frame)
    assert by_scores.check("slices").slices == by_column.check("slices").slices
    assert by_scores.check("slices").slices[0]["slice"] == {"sex": "F", "region": "N"}


def test_no_weak_slice_is_reported_in_more_than_fdr_of_null_data_sets():
    """Every slice's accuracy exactly at the bound (the least favourable null): over 100
    seeded data sets through the whole check, at most FDR 0.05 of them report any slice."""
    repeats, hits = 100, 0
    for seed in range(repeats):
        frame = grades(1500, 100 + seed, weak=0.8, base=0.8)
        check = {"features": ["x1", "sex", "region"], "min_size": 50, "bins": 4}
        found = evaluate(policy(check), frame).check("slices")
        assert found.sample["slices_tested"] > 30
        hits += bool(found.slices)
    assert hits / repeats <= 0.05


@pytest.mark.parametrize(
    ("check", "says"),
    [
        ({"metric": "recall"}, "recall of a multiclass model is a share of one class's rows"),
        ({"metric": "mae", "max": 0.3}, "mae is a regression error"),
    ],
)
def test_metrics_a_multiclass_slice_cannot_take_are_refused_at_their_key(check, says):
    with pytest.raises(PolicyError) as caught:
        evaluate(policy(check), grades(500, 8))
    assert says in str(caught.value)
    assert "metric" in str(caught.value)


def test_class_needs_the_multiclass_task():
    binary = {"version": 1, "data": {"label": "y", "prediction": "p", "features": ["x1"]}}
    binary["checks"] = [{"id": "s", "type": "slices", "metric": "recall", "class": 1, "min": 0.5}]
    with pytest.raises(PolicyError, match=r"'class' needs data\.task: multiclass_classification"):
        evaluate(binary, pd.DataFrame({"x1": [1.0, 2.0], "y": [0, 1], "p": [0, 1]}))


def test_a_class_no_row_has_is_an_error_naming_it():
    check = evaluate(policy({"metric": "recall", "class": "Z"}), grades(800, 9)).check("slices")
    assert check.status.value == "error"
    assert "class 'Z' (class:) occurs neither in the label 'grade'" in check.message
