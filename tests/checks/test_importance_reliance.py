"""Importance judged on reliance (review13 #1, #2, #5, #23, #17, #29): the label-free change of
the model's output when an input is shuffled, encoded attributes shuffled jointly, unranked
never "within the top k", a probe that changes nothing never evidence, rank correlation over the
inputs that matter."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from gate import evaluate
from gate.checks.importance import check_seed, draw_rows
from gate.engine.importance import row_change, shuffles
from tests.helpers import run_cli

PROBA_AUC = make_scorer(roc_auc_score, response_method="predict_proba")
X5 = ["x1", "x2", "x3", "x4", "x5"]


def biased(n: int, bias: float, seed: int) -> pd.DataFrame:
    """review13 #1 (/tmp/r13/imp1/make.py): labels biased by sex with `bias`; 0: none."""
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({x: rng.normal(size=n) for x in X5})
    d["sex"] = rng.integers(0, 2, n)
    logit = d.x1 + 0.8 * d.x2 + 0.5 * d.x3 + 0.3 * d.x4 + 0.2 * d.x5 + bias * (d.sex - 0.5)
    d["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return d


def policy(**check: object) -> dict:
    base = {"id": "imp", "type": "importance", "protected": ["sex"], "sample_rows": 1500}
    return {"version": 1, "data": {"label": "y"}, "checks": [{**base, **check}]}


def result(pol: dict, frame: pd.DataFrame, model: object, **kw: object) -> dict:
    return evaluate(pol, frame, model=model, resamples=200, **kw).to_json()["checks"][0]


@pytest.fixture(scope="module")
def leaning():
    """A model that learned sex from biased labels, evaluated where labels do not reward it."""
    inputs = [*X5, "sex"]
    model = LogisticRegression(max_iter=1000).fit(
        biased(8000, 3.0, 1)[inputs], biased(8000, 3.0, 1).y
    )
    return model, biased(3000, 0.0, 2), inputs


def test_a_model_leaning_on_sex_fails_although_the_labels_do_not_reward_it(leaning):
    model, frame, _ = leaning
    judged = result(policy(max_rank=3), frame, model)
    assert judged["status"] == "fail", judged["message"]
    assert "sex (protected) ranks 1 of 6 inputs" in judged["message"]
    sex = next(f for f in judged["features"] if f["feature"] == "sex")
    assert sex["reliance"] > 0.2 and sex["metric_drop"] < 0.01  # useless to the label
    # the metric drop, kept as a measure, cannot see it: that is why it is not the default
    useful = result(policy(max_rank=3, measure="metric"), frame, model)
    assert useful["status"] != "fail"
    assert useful["sample"]["measure"] == "metric" and judged["sample"]["measure"] == "reliance"


def test_reliance_is_the_mean_score_change_under_the_same_shuffles(leaning):
    """Held to a direct computation: one model call per shuffle, |score change| averaged."""
    model, frame, inputs = leaning
    judged = result(policy(max_rank=3, repeats=2), frame, model, seed=3)
    seed = check_seed(3, "imp")
    rows = draw_rows(frame, 1500, seed)
    before = model.predict_proba(rows[inputs])[:, 1]
    orders = shuffles(len(rows), len(inputs), 2, seed)
    for f, name in enumerate(inputs):
        changes, probed = [], []
        for order in orders[f]:
            moved = rows[inputs].copy()
            moved[name] = rows[name].to_numpy()[order]
            changes.append(np.abs(model.predict_proba(moved)[:, 1] - before).sum())
            probed.append((moved[name] != rows[name]).sum())
        got = next(x for x in judged["features"] if x["feature"] == name)
        # sex (protected): the mean over the rows its shuffles changed; the others: all rows
        want = np.sum(changes) / (np.sum(probed) if name == "sex" else len(rows) * 2)
        assert got["importance"] == pytest.approx(want, rel=1e-11, abs=1e-15)
        assert got["reliance"] == got["importance"]


def test_row_change_counts_decisions_values_and_class_probabilities():
    assert row_change(np.array([1, 0, 1]), np.array([[1, 1, 0]]), True).tolist() == [[0, 1, 1]]
    assert row_change(np.array([0.2, 0.5]), np.array([0.5, 0.5]), False) == pytest.approx(
        [0.3, 0.0]
    )
    probs = np.array([[0.2, 0.3, 0.5]])
    assert row_change(probs, np.array([[0.6, 0.3, 0.1]]), False) == pytest.approx([0.4])


def test_an_attribute_unused_passes_any_max_rank_and_its_point_rank_is_null():
    """#5: unranked is below every k, also k >= inputs + 1."""
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"x1": rng.normal(size=2000), "x2": rng.normal(size=2000)})
    d["sex"] = rng.integers(0, 2, 2000)
    d["y"] = (d.x1 + d.x2 + rng.normal(size=2000) > 0).astype(int)
    model = LogisticRegression().fit(d[["x1", "x2", "sex"]], d.y)
    model.coef_[0, 2] = 0.0  # the model ignores sex
    for k in (2, 3, 5, 50):
        judged = result(policy(max_rank=k), d, model)
        assert judged["status"] == "pass", (k, judged["message"])
        assert (
            "sex (protected) is unranked (importance not above 0) among 3 inputs"
            in (judged["message"])
        )
        assert judged["value"] == 4.0 and judged["ci"] == [4.0, 4.0]  # unranked, as rank_ci
        sex = next(f for f in judged["features"] if f["feature"] == "sex")
        assert sex["rank"] is None and sex["share"] == 0.0 and sex["rank_ci"] == [4, 4]


def test_an_attribute_with_one_value_on_the_rows_is_inconclusive_not_a_pass(leaning):
    """#23: shuffling a constant changes nothing; that is no evidence of no reliance."""
    model, frame, _ = leaning
    one = frame[frame.sex == 1]
    judged = result(policy(max_rank=3, max_share=0.01), one, model)
    assert judged["status"] == "inconclusive", judged["message"]
    assert "sex (protected) takes a single value on the sampled rows" in judged["message"]


def onehot(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(1, 4)})
    d["sex"] = np.where(rng.integers(0, 2, n) == 1, "M", "F")
    d["sex_M"], d["sex_F"] = (d.sex == "M").astype(int), (d.sex == "F").astype(int)
    d["y"] = (d.x1 + 0.5 * d.x2 + 2 * d.sex_M + rng.normal(size=n) > 1).astype(int)
    return d


def test_dummies_without_data_encoded_are_an_error_naming_them():
    """#2: never "not an input (importance 0)" while sex_M / sex_F are inputs."""
    d = onehot(1500, 0)
    inputs = ["x1", "x2", "x3", "sex_M", "sex_F"]
    model = LogisticRegression().fit(d[inputs], d.y)
    judged = result(policy(max_rank=2), d, model)
    assert judged["status"] == "error"
    assert "'sex' is not a model input, but the model takes sex_M, sex_F" in judged["message"]
    assert "data.encoded: {sex: [sex_M, sex_F]}" in judged["message"]
    partial = policy(max_rank=2)
    partial["data"]["encoded"] = {"sex": ["sex_M", "sex_X"]}
    refused = result(partial, d, model)
    assert refused["status"] == "error" and "lists sex_X" in refused["message"]


def test_encoded_columns_are_shuffled_jointly_as_scikit_learn_shuffles_the_attribute():
    """The group's metric drop equals scikit-learn's importance of `sex` for the same model
    fed from `sex` (the dummies made inside): one row order for both columns."""
    d = onehot(1500, 1)
    inputs = ["x1", "x2", "x3", "sex_M", "sex_F"]
    model = LogisticRegression().fit(d[inputs], d.y)
    pol = policy(max_rank=2, repeats=3)
    pol["data"]["encoded"] = {"sex": ["sex_M", "sex_F"]}
    judged = result(pol, d, model, seed=4)
    assert judged["status"] == "fail", judged["message"]  # sex ranks 1 of 4 logical inputs
    assert "sex (protected) ranks 1 of 4 inputs" in judged["message"]
    assert judged["sample"]["encoded"] == {"sex": ["sex_M", "sex_F"]}
    names = [f["feature"] for f in judged["features"]]
    assert sorted(names) == ["sex", "x1", "x2", "x3"]

    def dummies(X):
        X = X.copy()
        X["sex_M"], X["sex_F"] = (X.sex == "M").astype(int), (X.sex == "F").astype(int)
        return X[inputs]

    same = make_pipeline(FunctionTransformer(dummies), model)
    seed = check_seed(4, "imp")
    rows = draw_rows(d, 1500, seed)
    logical = ["x1", "x2", "x3", "sex"]
    theirs = permutation_importance(
        same, rows[logical], rows.y, scoring=PROBA_AUC, n_repeats=3, random_state=seed
    )
    ours = {f["feature"]: f["metric_drop"] for f in judged["features"]}
    per = {f["feature"]: f.get("changed_share", 1.0) for f in judged["features"]}
    sex = rows["sex"].to_numpy()  # per changed row: the rows whose group the shuffles changed
    moved = [(sex[o] != sex).mean() for o in shuffles(len(rows), 4, 3, seed)[3]]
    assert per["sex"] == pytest.approx(np.mean(moved), rel=1e-11)
    for name, want in zip(logical, theirs.importances_mean, strict=True):
        assert ours[name] == pytest.approx(want / per[name], rel=1e-11, abs=1e-15)


def test_encoded_shap_is_the_sum_of_the_columns_values():
    shap = pytest.importorskip("shap")
    from sklearn.ensemble import GradientBoostingClassifier

    d = onehot(800, 2)
    inputs = ["x1", "x2", "x3", "sex_M", "sex_F"]
    model = GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0)
    model.fit(d[inputs], d.y)
    pol = policy(max_rank=1, method="shap", sample_rows=400)
    pol["data"]["encoded"] = {"sex": ["sex_M", "sex_F"]}
    judged = result(pol, d, model)
    rows = draw_rows(d, 400, check_seed(0, "imp"))
    values = shap.TreeExplainer(model).shap_values(rows[inputs])
    p = rows["sex"].value_counts(normalize=True).to_numpy()
    want = np.abs(values[:, 3] + values[:, 4]).mean() / (1 - (p * p).sum())  # per changed row
    sex = next(f for f in judged["features"] if f["feature"] == "sex")
    assert sex["importance"] == pytest.approx(want, rel=1e-11)


def test_a_reversed_top_order_fails_min_rank_correlation_whatever_the_unused_inputs():
    """#17 (/tmp/r13/imp2/rho.py): 15 unused inputs tied at 0 no longer carry Spearman."""
    rng = np.random.default_rng(0)
    d = pd.DataFrame(rng.normal(size=(3000, 20)), columns=[f"f{i}" for i in range(20)])
    d["y"] = (d.f0 + d.f1 + d.f2 + d.f3 + d.f4 + rng.normal(size=3000) > 0).astype(int)
    cand = LogisticRegression().fit(d.drop(columns="y"), d.y)
    base = copy.deepcopy(cand)
    cand.coef_[0] = np.r_[[2.0, 1.0, 0.5, 0.25, 0.125], np.zeros(15)]
    base.coef_[0] = np.r_[[0.125, 0.25, 0.5, 1.0, 2.0], np.zeros(15)]
    pol = {
        "version": 1,
        "data": {"label": "y"},
        "checks": [{"id": "imp", "type": "importance", "baseline": {"min_rank_correlation": 0.8}}],
    }
    reversed_ = result(pol, d, cand, baseline=base)
    assert reversed_["status"] == "fail", reversed_["message"]
    assert "over the 5 inputs holding 95% of either model's importance -1" in reversed_["message"]
    assert reversed_["metric"] == "rank_correlation" and reversed_["value"] == -1.0
    same = result(pol, d, cand, baseline=copy.deepcopy(cand))
    assert same["status"] == "pass" and same["value"] == 1.0


def test_a_probability_metric_on_decision_values_is_an_input_error(tmp_path):
    """#29: exit 2 naming the metric and the model, not an internal error."""
    d = biased(600, 0.0, 5)
    model = LinearSVC().fit(d[[*X5, "sex"]], d.y)
    sio.dump(model, tmp_path / "m.skops")
    d.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "p.yaml").write_text(
        "version: 1\ndata: {label: y}\nchecks:\n"
        "  - {id: i1, type: importance, protected: [sex], max_rank: 1, metric: log_loss}\n"
    )
    args = ["--policy", "p.yaml", "--model", "m.skops", "--data", "d.csv", "--output-dir", "o"]
    out = run_cli("check", *args, cwd=tmp_path)
    assert out.code == 2, out.stderr
    assert "metric log_loss needs probabilities in [0, 1], and m.skops gives scores" in out.stderr
    assert not (tmp_path / "o" / "report.json").exists()


@pytest.mark.parametrize("task", ["regression", "multiclass_classification"])
def test_reliance_of_regression_and_multiclass_outputs_is_their_direct_change(task):
    """Regression: mean |prediction change|; multiclass: mean largest change of any class
    probability; both under the check's own shuffles, held to direct model calls."""
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(7)
    d = pd.DataFrame({"x1": rng.normal(size=900), "sex": rng.integers(0, 2, 900)})
    signal = d.x1 + 1.5 * d.sex + rng.normal(scale=0.5, size=900)
    if task == "regression":
        d["y"] = signal
        model = LinearRegression().fit(d[["x1", "sex"]], d.y)
    else:
        d["y"] = np.digitize(signal, [0.3, 1.2]).astype(str)
        model = LogisticRegression(max_iter=500).fit(d[["x1", "sex"]], d.y)
    pol = policy(max_rank=1, repeats=2, sample_rows=900)
    pol["data"]["task"] = task
    judged = result(pol, d, model)
    seed = check_seed(0, "imp")
    rows = draw_rows(d, 900, seed)
    out = model.predict if task == "regression" else model.predict_proba
    before = out(rows[["x1", "sex"]])
    for f, name in enumerate(["x1", "sex"]):
        changes = []
        for order in shuffles(len(rows), 2, 2, seed)[f]:
            moved = rows[["x1", "sex"]].copy()
            moved[name] = rows[name].to_numpy()[order]
            delta = np.abs(out(moved) - before)
            delta = delta if delta.ndim == 1 else delta.max(axis=1)
            # sex (protected): the mean over the rows its shuffles changed
            changes.append(delta[moved[name] != rows[name]] if name == "sex" else delta)
        got = next(x for x in judged["features"] if x["feature"] == name)
        want = np.concatenate(changes).mean()
        assert got["reliance"] == pytest.approx(want, rel=1e-9, abs=1e-12)


class Decisions:
    """A classifier that gives decisions only (no predict_proba, no decision_function)."""

    def __init__(self, model: LogisticRegression) -> None:
        self.model, self.classes_ = model, model.classes_
        self.feature_names_in_ = model.feature_names_in_

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict(X)


def test_reliance_of_a_model_without_scores_is_the_share_of_decisions_changed(leaning):
    fitted, frame, inputs = leaning
    model = Decisions(fitted)
    judged = result(policy(max_rank=3, repeats=2, metric="accuracy"), frame, model)
    seed = check_seed(0, "imp")
    rows = draw_rows(frame, 1500, seed)
    before = model.predict(rows[inputs])
    sex = inputs.index("sex")
    changed = []
    for order in shuffles(len(rows), len(inputs), 2, seed)[sex]:
        moved = rows[inputs].copy()
        moved["sex"] = rows["sex"].to_numpy()[order]
        probed = moved["sex"] != rows["sex"]  # the mean over the rows the shuffle changed
        changed.append((model.predict(moved) != before)[probed])
    got = next(x for x in judged["features"] if x["feature"] == "sex")
    assert got["reliance"] == pytest.approx(np.concatenate(changed).mean(), rel=1e-11)
    assert judged["status"] == "fail", judged["message"]
