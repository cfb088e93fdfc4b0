"""Counterfactual probes: a model that uses sex directly, on a small case whose flips are known
by hand, reports each group's flip rate exactly; proxies move with the attribute; a model that
does not take the attribute is skipped with the reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

from gate import evaluate
from gate.engine.counterfactual import counterfactual_probe, group_flips


def rule(favoured: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The decision the model learns: x >= 2, or x >= 0 for the favoured rows."""
    return ((x >= 2) | (favoured & (x >= 0))).astype(int)


def rule_model(features: tuple[str, ...] = ("sex", "x"), on: str = "sex"):
    """A tree that reproduces `rule` exactly, favouring sex M (on="sex") or title b (on=
    "title"): trained on every (sex, title, x) of the grid."""
    grid = pd.DataFrame(
        [(s, t, x) for s in "FM" for t in "ab" for x in range(-3, 4)],
        columns=["sex", "title", "x"],
    )
    favoured = (grid[on] == {"sex": "M", "title": "b"}[on]).to_numpy()
    encode = ColumnTransformer(
        [("cat", OneHotEncoder(), [c for c in features if c != "x"])], remainder="passthrough"
    )
    model = make_pipeline(encode, DecisionTreeClassifier(random_state=0))
    return model.fit(grid[list(features)], rule(favoured, grid["x"].to_numpy()))


# F rows flip at x = 0 and 1 (2 of 4); M rows flip at x = 0 and 1 (2 of 6)
SMALL = pd.DataFrame(
    {
        "sex": ["F"] * 4 + ["M"] * 6,
        "x": [-1, 0, 1, 2, 0, 3, -2, -3, 2, 1],
        "y": [0, 1, 0, 1, 1, 1, 0, 0, 1, 1],
    }
)
POLICY = {
    "version": 1,
    "data": {"label": "y", "sensitive": ["sex"]},
    "checks": [
        {
            "id": "cf",
            "type": "robustness",
            "counterfactual": ["sex"],  # DESIGN.md's example: only the counterfactual
            "max_flip_rate": 0.01,
        }
    ],
}


def test_the_flip_rate_per_group_is_exact_on_a_hand_computed_case():
    model = rule_model()
    expected = rule((SMALL["sex"] == "M").to_numpy(), SMALL["x"].to_numpy())
    assert (model.predict(SMALL[["sex", "x"]]) == expected).all()
    result = evaluate(POLICY, SMALL, model=model).check("cf")
    groups = {g["group"]["sex"]: (g["n"], g["value"]) for g in result.groups}
    assert groups == {"F": (4, 2 / 4), "M": (6, 2 / 6)}
    (entry,) = result.perturbations
    assert entry["probe"] == "counterfactual" and entry["values"] == ["F", "M"]
    assert entry["flips"] == 4 and entry["rows"] == 10
    assert [(g["value"], g["flips"]) for g in entry["groups"]] == [("F", 2), ("M", 2)]
    assert result.status == "fail"
    assert "sex=F (counterfactual) 0.5" in result.message


def test_a_model_without_the_attribute_is_skipped_with_the_reason():
    model = make_pipeline(LogisticRegression()).fit(SMALL[["x"]], SMALL["y"])
    result = evaluate(POLICY, SMALL, model=model).check("cf")
    assert result.status == "skipped"
    assert "does not take 'sex' as an input" in result.message
    assert "importance or proxy_features" in result.message


def test_with_noise_left_the_counterfactual_part_alone_is_skipped():
    data = SMALL.assign(x=SMALL["x"] + 0.25)  # not whole: the small noise is not rounded away
    model = make_pipeline(LogisticRegression()).fit(data[["x"]], data["y"])
    policy = {**POLICY, "checks": [{**POLICY["checks"][0], "noise": {"std": 0.05}}]}
    result = evaluate(policy, data, model=model).check("cf")
    probes = {(p["probe"], p["feature"]): p["status"] for p in result.perturbations}
    # 10 rows cannot show a flip rate within 0.01: no flip, yet honestly inconclusive
    assert probes == {("noise", "x"): "inconclusive", ("counterfactual", "sex"): "skipped"}
    assert result.status == "inconclusive"
    assert "counterfactual of 'sex' skipped" in result.message


@pytest.mark.parametrize("dtype", ["object", "string", "category"])
def test_proxies_move_with_the_attribute_as_they_do_in_the_data(dtype):
    sex = pd.Series(["F", "F", "M", "M", None], dtype=dtype)
    rows = pd.DataFrame({"sex": sex, "title": ["Ms", "Ms", "Mr", "Mr", "?"]})
    probe = counterfactual_probe(rows, "sex", ("title",), seed=[0])
    to_f, to_m = probe.make(0), probe.make(1)
    assert to_m["sex"].tolist()[:4] == ["M"] * 4 and to_m["title"].tolist()[:4] == ["Mr"] * 4
    assert to_f["title"].tolist()[:4] == ["Ms"] * 4
    assert to_f["sex"].isna().tolist() == [False] * 4 + [True]  # a missing one is never probed
    assert to_f["title"][4] == "?"
    groups, missing = group_flips(rows["sex"], np.ones((2, 5), dtype=bool))
    assert [(g.value, g.n, g.flips) for g in groups] == [("F", 2, 2), ("M", 2, 2)]
    assert missing == 1


def test_a_model_relying_on_a_proxy_flips_only_when_the_proxy_moves_with_the_attribute():
    frame = SMALL.assign(title=np.where(SMALL["sex"] == "M", "b", "a"))
    model = rule_model(("sex", "title", "x"), on="title")  # takes sex, relies on its proxy
    alone = evaluate(POLICY, frame, model=model).check("cf")
    # title is a function of sex on these rows: setting sex alone would leave what the model
    # reads of it unchanged (0 flips), so it is an error naming title (review13b #1)
    assert alone.status.value == "error" and "title encode it" in alone.message, alone.message
    with_proxy = {**POLICY["checks"][0], "proxies": {"sex": ["title"]}}
    result = evaluate({**POLICY, "checks": [with_proxy]}, frame, model=model).check("cf")
    assert result.perturbations[0]["proxies"] == ["title"]
    assert {g["group"]["sex"]: g["value"] for g in result.groups} == {"F": 0.5, "M": 2 / 6}


def test_group_flips_counts_a_row_once_whichever_value_flips_it():
    own = pd.Series(["a", "b", "c", None])
    changed = np.array([[0, 1, 1, 0], [1, 0, 0, 0], [1, 1, 0, 0]], dtype=bool)
    groups, missing = group_flips(own, changed)
    assert [(g.value, g.n, g.flips) for g in groups] == [("a", 1, 1), ("b", 1, 1), ("c", 1, 1)]
    assert missing == 1


@pytest.mark.parametrize("seed", [0, 1])
def test_counterfactual_copies_are_the_same_on_a_rerun(seed):
    rows = pd.DataFrame({"sex": ["F", "M"] * 5, "title": list("abcdefghij")})
    one = counterfactual_probe(rows, "sex", ("title",), [seed]).make(1)
    two = counterfactual_probe(rows, "sex", ("title",), [seed]).make(1)
    pd.testing.assert_frame_equal(one, two)
