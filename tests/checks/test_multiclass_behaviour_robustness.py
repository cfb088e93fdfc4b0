"""`type: robustness` on a multiclass model: a decision flips when the predicted class changes,
the largest score change is the largest change of any class's probability, monotonicity is
judged on the probability of the check's `class:` (required, naming the key), and the
counterfactual flip rate per group is the share of its rows whose predicted class changes
(hand-computed on a small case)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

from gate import evaluate
from gate.engine.robustness_stats import copies, flips_and_change
from gate.errors import InputError, PolicyError


def grade_rule(sex: np.ndarray, x: np.ndarray) -> np.ndarray:
    """M: A from x >= 0, else B. F: A from x >= 2, B from x >= -1, else C."""
    male = np.where(x >= 0, "A", "B")
    female = np.where(x >= 2, "A", np.where(x >= -1, "B", "C"))
    return np.where(sex == "M", male, female)


def rule_model():
    """A tree reproducing grade_rule exactly, trained on every (sex, x) of the grid."""
    grid = pd.DataFrame([(s, x) for s in "FM" for x in range(-3, 4)], columns=["sex", "x"])
    encode = ColumnTransformer([("cat", OneHotEncoder(), ["sex"])], remainder="passthrough")
    model = make_pipeline(encode, DecisionTreeClassifier(random_state=0))
    return model.fit(grid, grade_rule(grid.sex.to_numpy(), grid.x.to_numpy()))


def policy(check: dict, sensitive: tuple[str, ...] = ()) -> dict:
    data = {"label": "grade", "task": "multiclass_classification", "sensitive": list(sensitive)}
    return {"version": 1, "data": data, "checks": [{"id": "rb", "type": "robustness"} | check]}


def test_the_counterfactual_flip_rate_per_group_is_exact_on_a_small_case():
    # the other sex changes the class at x = -3, -2 (B / C), 0 and 1 (A / B), not at -1, 2, 3:
    # F rows at -3, -1, 0, 2 flip 2 of 4; M rows at -2, -1, 1, 2, 3, 3 flip 2 of 6
    rows = pd.DataFrame(
        {"sex": list("FFFF") + list("MMMMMM"), "x": [-3, -1, 0, 2, -2, -1, 1, 2, 3, 3]}
    )
    rows["grade"] = grade_rule(rows.sex.to_numpy(), rows.x.to_numpy())
    check = {"counterfactual": ["sex"], "max_flip_rate": 0.1, "noise": "none"}
    result = evaluate(policy(check, ("sex",)), rows, model=rule_model()).check("rb")
    groups = {g["group"]["sex"]: (g["n"], g["value"]) for g in result.groups}
    assert groups == {"F": (4, 0.5), "M": (6, 2 / 6)}
    assert result.status.value in ("fail", "inconclusive"), result.message
    entry = next(p for p in result.perturbations if p["probe"] == "counterfactual")
    assert entry["flips"] == 4
    # the largest change of any class probability: the tree's probabilities are 0 / 1
    assert entry["max_score_change"] == 1.0


def test_flips_are_changed_classes_and_the_change_is_of_any_class_probability():
    base_labels = np.array([0, 1, 2])
    base_scores = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7]])
    labels = np.array([[0, 2, 2], [0, 1, 2]])  # row 1 changes class in the first copy
    scores = np.array(
        [
            [[0.55, 0.35, 0.1], [0.2, 0.35, 0.45], [0.1, 0.2, 0.7]],
            [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.05, 0.85]],
        ]
    )
    flipped, biggest = flips_and_change(base_labels, base_scores, labels, scores, False, None)
    assert flipped.tolist() == [False, True, False]
    assert biggest == pytest.approx(0.15, abs=1e-15)  # class 1 and 2 of row 1, class 1 of row 2
    stacked = np.concatenate([base_scores, *scores])
    assert copies(stacked, 3).shape == (3, 3, 3)


def people(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"income": rng.uniform(0, 100, n), "debt": rng.normal(size=n)})
    frame["grade"] = np.where(frame.income > 60, "A", np.where(frame.income > 30, "B", "C"))
    return frame


class Bumped:
    """A 3-class model whose probability of A rises with income, and of B peaks at 50 (a
    planted non-monotonic dependence)."""

    classes_: ClassVar = np.array(["A", "B", "C"])
    feature_names_in_: ClassVar = np.array(["income", "debt"])

    def predict_proba(self, X):
        income = np.asarray(X["income"], dtype=float)
        a = income / 200
        b = 0.4 * np.exp(-(((income - 50) / 15) ** 2))
        return np.column_stack([a, b, 1 - a - b])

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def test_monotonicity_is_judged_on_the_probability_of_the_named_class():
    frame = people(400, 0)
    features = {"income": {"monotonic": "increasing"}}
    up = evaluate(policy({"features": features, "class": "A"}), frame, model=Bumped())
    assert up.check("rb").status.value == "pass", up.check("rb").message
    bump = evaluate(policy({"features": features, "class": "B"}), frame, model=Bumped())
    result = bump.check("rb")
    assert result.status.value == "fail", result.message
    probe = next(p for p in result.perturbations if p["probe"] == "monotonic")
    assert probe["violations"] > 0.5 * probe["rows"]
    assert "income (increasing)" in result.message


def test_noise_on_a_real_model_counts_changed_classes():
    frame = people(600, 1)
    model = LogisticRegression(max_iter=500).fit(frame[["income", "debt"]], frame.grade)
    check = {"features": {"income": {"noise": {"absolute": 5}}}, "max_flip_rate": 0.5}
    result = evaluate(policy(check), frame, model=model).check("rb")
    entry = next(p for p in result.perturbations if p["feature"] == "income")
    assert 0 < entry["flips"] < entry["rows"]
    assert 0 < entry["max_score_change"] <= 1
    ignored = {"features": {"debt": {"noise": {"absolute": 0.0001}}}, "max_flip_rate": 0.5}
    quiet = evaluate(policy(ignored), frame, model=model).check("rb")
    assert next(p for p in quiet.perturbations if p["feature"] == "debt")["flips"] == 0


@pytest.mark.parametrize(
    ("check", "says", "where"),
    [
        (
            {"features": {"income": {"monotonic": "increasing"}}},
            "monotonic income on a multiclass model needs 'class: <label>'",
            "monotonic",
        ),
        ({"class": "A", "max_flip_rate": 0.1}, "no feature is monotonic", "class"),
    ],
)
def test_what_a_multiclass_robustness_check_needs_is_asked_for_at_its_key(check, says, where):
    with pytest.raises(PolicyError) as caught:
        evaluate(policy(check), people(50, 2), model=Bumped())
    assert says in str(caught.value)
    assert where in str(caught.value)


def test_class_on_a_binary_robustness_check_is_refused():
    given = policy({"class": "A", "features": {"income": {"monotonic": "increasing"}}})
    given["data"] = {"label": "y"}
    with pytest.raises(PolicyError, match="'class' needs data"):
        evaluate(given, people(50, 2).assign(y=1), model=Bumped())


def test_a_class_the_model_does_not_have_is_an_error_naming_it():
    features = {"income": {"monotonic": "increasing"}}
    # known before the data is read: bad input (exit 2), as in every check type
    with pytest.raises(
        InputError, match=r"class: 'Z' is not one of the classes of model .*\(A, B, C\)"
    ):
        evaluate(policy({"features": features, "class": "Z"}), people(100, 3), model=Bumped())


def test_monotonicity_on_a_model_with_labels_only_says_it_judged_decisions():
    """review13b #13: a LinearSVC gives no probabilities; the predicted class is judged (a
    coarser test), and the entry and the message say so."""
    from sklearn.svm import LinearSVC

    frame = people(400, 3)
    svc = LinearSVC().fit(frame[["income", "debt"]], frame.grade)
    check = {"features": {"income": {"monotonic": "increasing"}}, "class": "A"}
    result = evaluate(policy(check), frame, model=svc).check("rb")
    probe = next(p for p in result.perturbations if p["probe"] == "monotonic")
    assert probe["judged_on"] == "decision"
    assert "judged on decisions: the model gives labels only" in result.message
    scored = evaluate(policy(check), frame, model=Bumped()).check("rb")
    probe = next(p for p in scored.perturbations if p["probe"] == "monotonic")
    assert probe["judged_on"] == "class_probability"
    assert "judged on decisions" not in scored.message
