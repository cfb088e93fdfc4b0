"""type: importance on models built here: a model leaning on a protected attribute fails and
names it, the same model without it passes, a planted proxy fails through `proxies:`, the
importances equal scikit-learn's permutation_importance on the same rows and seed, SHAP equals
shap's TreeExplainer, and the baseline conditions judge their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer, roc_auc_score

from gate import evaluate
from gate.checks.importance import check_seed, draw_rows
from gate.engine.importance import shuffles
from gate.errors import InputError

FEATURES = ["x1", "x2", "x3"]
REPORTED = 1e-11  # report.json keeps 12 significant digits (the engine's own test: exact)
# the gate scores a classifier by its predict_proba (as every check reads it); scikit-learn's
# "roc_auc" scorer prefers decision_function, whose distinct values expit can merge into ties
PROBA_AUC = make_scorer(roc_auc_score, response_method="predict_proba")


@pytest.fixture(autouse=True)
def one_thread():
    """One OpenMP thread: HistGradientBoosting's threads spin on a loaded test machine, and
    these models are small (speed is the benchmark's business, not the tests')."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def credit(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    """A label that depends on x1, x2 and sex; zip is a proxy of sex (sex determines it)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=FEATURES)
    frame["sex"] = rng.integers(0, 2, n)
    frame["zip"] = frame["sex"] * 10 + rng.integers(0, 3, n)
    logit = frame["x1"] - 0.7 * frame["x2"] + 4 * frame["sex"] - 2
    frame["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def fit(frame: pd.DataFrame, columns: list[str]) -> HistGradientBoostingClassifier:
    model = HistGradientBoostingClassifier(max_iter=15, random_state=0)
    return model.fit(frame[columns], frame["y"])


def check(**options: object) -> dict:
    base = {"id": "reliance", "type": "importance", "max_rank": 2, "sample_rows": 600}
    return {
        "version": 1,
        "data": {"label": "y", "sensitive": ["sex"]},
        "checks": [{**base, **options}],
    }


def run(policy: dict, frame: pd.DataFrame, model: object, **kw: object) -> dict:
    report = evaluate(policy, frame, model=model, resamples=100, **kw).to_json()
    return next(c for c in report["checks"] if c["id"] == "reliance")


def test_a_model_using_the_protected_attribute_fails_and_names_it():
    frame = credit()
    result = run(check(), frame, fit(frame, [*FEATURES, "sex"]))
    assert result["status"] == "fail"
    assert "sex (protected) ranks 1 of 4 inputs" in result["message"]
    sex = next(f for f in result["features"] if f["feature"] == "sex")
    assert sex["protected"] and sex["input"] and sex["rank"] == 1
    assert result["value"] == 1.0 and result["threshold"] == {"max_rank": 2}


def test_the_same_model_without_it_passes_and_says_not_an_input():
    frame = credit()
    result = run(check(max_share=0.05), frame, fit(frame, FEATURES))
    assert result["status"] == "pass", result["message"]
    assert "sex (protected): not a model input (importance 0)" in result["message"]
    sex = next(f for f in result["features"] if f["feature"] == "sex")
    assert sex == {
        "feature": "sex",
        "importance": 0.0,
        "ci": [0.0, 0.0],
        "share": 0.0,
        "share_ci": [0.0, 0.0],
        "rank": None,
        "rank_ci": None,
        "protected": True,
        "proxy": False,
        "input": False,
    }
    assert [f["feature"] for f in result["features"]][:3] == ["x1", "x2", "x3"]


def test_a_planted_proxy_fails_through_the_proxy_list():
    frame = credit()
    model = fit(frame, [*FEATURES, "zip"])
    without = run(check(), frame, model)
    assert without["status"] == "pass"  # sex itself is no input
    result = run(check(proxies=["zip"], max_share=0.1), frame, model)
    assert result["status"] == "fail"
    assert "zip (proxy) ranks 1 of 4 inputs" in result["message"]
    assert "zip (proxy) has" in result["message"] and "above max_share 0.1" in result["message"]
    zip_row = next(f for f in result["features"] if f["feature"] == "zip")
    assert zip_row["proxy"] and not zip_row["protected"]


def test_importances_equal_scikit_learns_on_the_same_rows_and_seed():
    frame = credit(1200)
    model = fit(frame, [*FEATURES, "sex"])
    result = run(check(sample_rows=500, repeats=3), frame, model, seed=5)
    seed = check_seed(5, "reliance")
    assert result["sample"] == {
        "rows": 500,
        "of": 1200,
        "seed": seed,
        "method": "permutation",
        "resamples": 100,
        "metric": "roc_auc",
        "repeats": 3,
        "measure": "reliance",
    }
    rows = draw_rows(frame, 500, seed)
    inputs = [*FEATURES, "sex"]
    theirs = permutation_importance(
        model, rows[inputs], rows["y"], scoring=PROBA_AUC, n_repeats=3, random_state=seed
    )
    ours = {f["feature"]: f["metric_drop"] for f in result["features"]}  # shown beside reliance
    # the protected attribute's is per changed row: scikit-learn's over the share changed
    per = {f["feature"]: f.get("changed_share", 1.0) for f in result["features"]}
    sex = rows["sex"].to_numpy()
    moved = [(sex[o] != sex).mean() for o in shuffles(500, len(inputs), 3, seed)[len(FEATURES)]]
    assert per["sex"] == pytest.approx(np.mean(moved), rel=1e-11)  # its shuffles' changed rows
    assert all(per[f] == 1.0 for f in FEATURES)
    for name, want in zip(inputs, theirs.importances_mean, strict=True):
        assert ours[name] == pytest.approx(want / per[name], rel=1e-9, abs=0)


def test_regression_defaults_to_r2_and_equals_scikit_learn():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(600, 3)), columns=FEATURES)
    frame["sex"] = rng.integers(0, 2, 600)
    frame["y"] = 3 * frame["x1"] + frame["sex"] + rng.normal(size=600)
    model = HistGradientBoostingRegressor(max_iter=20).fit(frame[[*FEATURES, "sex"]], frame["y"])
    policy = check(max_rank=1)
    policy["data"]["task"] = "regression"
    result = run(policy, frame, model)
    assert result["status"] == "pass" and result["sample"]["metric"] == "r2"
    assert result["metric"] == "rank"  # the value is a rank (#6)
    rows = draw_rows(frame, 600, check_seed(0, "reliance"))
    theirs = permutation_importance(
        model,
        rows[[*FEATURES, "sex"]],
        rows["y"],
        scoring="r2",
        n_repeats=5,
        random_state=check_seed(0, "reliance"),
    )
    rows_of = {f["feature"]: f for f in result["features"]}
    ours = [rows_of[n]["metric_drop"] for n in [*FEATURES, "sex"]]
    per = [rows_of[n].get("changed_share", 1.0) for n in [*FEATURES, "sex"]]  # sex: per changed
    assert per[:-1] == [1.0] * len(FEATURES) and 0.4 < per[-1] < 0.6
    np.testing.assert_allclose(ours, theirs.importances_mean / per, atol=0, rtol=REPORTED)


def test_shap_equals_tree_explainer_and_judges_the_same_way():
    import shap

    frame = credit(800)
    model = fit(frame, [*FEATURES, "sex"])
    result = run(check(method="shap", sample_rows=300), frame, model)
    assert result["status"] == "fail" and result["metric"] == "rank"
    assert result["sample"]["method"] == "shap" and "measure" not in result["sample"]
    rows = draw_rows(frame, 300, check_seed(0, "reliance"))
    values = shap.TreeExplainer(model).shap_values(rows[[*FEATURES, "sex"]])
    want = dict(zip([*FEATURES, "sex"], np.abs(values).mean(axis=0), strict=True))
    p = rows["sex"].value_counts(normalize=True).to_numpy()
    want["sex"] /= 1 - (p * p).sum()  # per changed row: over the share a shuffle changes
    for f in result["features"]:
        assert f["importance"] == pytest.approx(want[f["feature"]], rel=REPORTED, abs=0)


def test_shap_on_a_model_it_cannot_explain_is_an_error_pointing_at_permutation():
    frame = credit(400)
    model = LogisticRegression().fit(frame[FEATURES], frame["y"])
    result = run(check(method="shap"), frame, model)
    assert result["status"] == "error"
    assert "use method: permutation" in result["message"]


def ranked(n: int = 1000) -> tuple[pd.DataFrame, list[str]]:
    """Six inputs whose weights fall a to f (label y) or rise a to f (label z)."""
    rng = np.random.default_rng(3)
    names = list("abcdef")
    frame = pd.DataFrame(rng.normal(size=(n, 6)), columns=names).assign(sex=0)
    weights = np.array([3.0, 2.2, 1.6, 1.1, 0.7, 0.4])
    frame["y"] = (frame[names] @ weights + rng.normal(size=n) > 0).astype(int)
    frame["z"] = (frame[names] @ weights[::-1] + rng.normal(size=n) > 0).astype(int)
    return frame, names


def test_baseline_conditions_pass_on_the_same_model_and_fail_on_another():
    frame, names = ranked()
    model = fit(frame, names)
    same = check(baseline={"min_rank_correlation": 0.9, "max_share_change": 0.05})
    del same["checks"][0]["max_rank"]
    result = run(same, frame, model, baseline=model)
    assert result["status"] == "pass", result["message"]
    assert result["value"] == 1.0 and result["ci"] == [1.0, 1.0]
    assert all(f["baseline"]["share"] == f["share"] for f in result["features"] if f["input"])
    reversed_model = HistGradientBoostingClassifier(max_iter=15, random_state=0)
    reversed_model.fit(frame[names], frame["z"])  # leans on f most, a least
    moved = run(same, frame, model, baseline=reversed_model)
    assert moved["status"] == "fail"
    assert "beyond max_share_change 0.05" in moved["message"]
    assert "below min_rank_correlation 0.9" in moved["message"]


def test_no_baseline_model_errors_unless_when_missing_skip():
    frame = credit(600)
    model = fit(frame, FEATURES)
    policy = check(baseline={"min_rank_correlation": 0.5})
    assert run(policy, frame, model)["status"] == "error"
    policy["checks"][0]["baseline"]["when_missing"] = "skip"
    result = run(policy, frame, model)
    assert result["status"] == "pass" and "comparison skipped" in result["message"]


def test_a_predictions_only_run_cannot_be_probed():
    frame = credit(300).assign(score=0.5)
    report = evaluate(check(), frame, score="score", resamples=50).to_json()
    result = report["checks"][0]
    assert result["status"] == "error" and "--model" in result["message"]


def test_a_named_column_neither_input_nor_data_is_an_input_error_naming_it():
    """review13 #10: exit 2 before the pass, as an unknown sensitive column is."""
    frame = credit(300)
    with pytest.raises(InputError, match="'proxies' names column 'postcode', which"):
        run(check(proxies=["postcode"]), frame, fit(frame, FEATURES))


def test_a_rank_the_noise_cannot_settle_is_inconclusive():
    """age and x2 weigh the same: whether age is second or third depends on the rows."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(rng.normal(size=(1000, 4)), columns=[*FEATURES, "age"])
    logit = 3 * frame["x1"] + frame["x2"] + frame["age"]
    frame["y"] = (rng.uniform(size=1000) < 1 / (1 + np.exp(-logit))).astype(int)
    model = fit(frame, [*FEATURES, "age"])
    policy = check()
    policy["data"]["sensitive"] = ["age"]
    result = run(policy, frame, model)
    assert result["status"] == "inconclusive", result["message"]
    age = next(f for f in result["features"] if f["feature"] == "age")
    assert age["rank_ci"][0] <= 2 < age["rank_ci"][1]
    assert "straddles the top 2" in result["message"]


def test_onnx_models_take_permutation_and_refuse_shap(tmp_path):
    from skl2onnx import to_onnx
    from sklearn.ensemble import RandomForestClassifier

    frame = credit(600)
    inputs = [*FEATURES, "sex"]
    forest = RandomForestClassifier(20, max_depth=4, random_state=0).fit(frame[inputs], frame.y)
    onx = to_onnx(forest, frame[inputs].to_numpy(np.float32)[:1], target_opset=17)
    (tmp_path / "m.onnx").write_bytes(onx.SerializeToString())
    model = tmp_path / "m.onnx"
    permuted = run(check(), frame, model, features=inputs)
    assert permuted["status"] == "fail" and "sex (protected) ranks 1" in permuted["message"]
    refused = run(check(method="shap"), frame, model, features=inputs)
    assert refused["status"] == "error"
    assert "(onnx) is not a tree model shap can read" in refused["message"]
    assert refused["message"].endswith("use method: permutation")


def test_every_outcome_reads_back_as_a_consistent_report(tmp_path):
    """comment / a re-rendered report re-judge each status from what report.json states."""
    import json

    from gate.report.from_json import load_report

    frame = credit(600)
    model = fit(frame, FEATURES)
    skip = check(baseline={"max_share_change": 0.1, "when_missing": "skip"})
    del skip["checks"][0]["max_rank"]
    cases = {
        "pass": (check(max_share=0.1), model),  # sex is no input: unranked, share 0
        "skipped": (skip, model),
        "fail": (check(), fit(frame, [*FEATURES, "sex"])),
    }
    for status, (policy, m) in cases.items():
        report = evaluate(policy, frame, model=m, resamples=50).to_json()
        result = report["checks"][0]
        assert result["status"] == status, result["message"]
        if status == "pass":
            assert result["value"] == 4.0 and result["ci"] == [4.0, 4.0]  # unranked: inputs + 1
        path = tmp_path / f"{status}.json"
        path.write_text(json.dumps(report))
        assert load_report(path).decision.exit_code == (status == "fail")


def test_a_baseline_taking_other_inputs_is_compared_over_both_models_inputs():
    """#19: the baseline's own inputs count (importance 0 in the model that lacks one), so a
    share that moves to an input the candidate dropped is seen."""
    frame = credit(800)
    candidate = fit(frame, FEATURES)
    older = fit(frame, ["x1", "x2", "zip"])  # zip: no candidate input, not sensitive, not named
    policy = check(baseline={"max_share_change": 0.9})
    result = run(policy, frame, candidate, baseline=older)
    assert result["status"] == "pass", result["message"]
    rows = {f["feature"]: f for f in result["features"]}
    assert rows["x3"]["baseline"] == {"importance": 0.0, "share": 0.0, "rank": None}
    assert rows["x3"]["input"] and not rows["zip"]["input"]  # zip: the baseline's only
    assert rows["zip"]["importance"] == 0.0 and rows["zip"]["rank"] is None
    assert rows["zip"]["baseline"]["share"] > 0.3  # zip carries the older model (sex's proxy)
    total = sum(f["baseline"]["share"] for f in result["features"] if "baseline" in f)
    assert total == pytest.approx(1.0)
    strict = run(check(baseline={"max_share_change": 0.1}), frame, candidate, baseline=older)
    assert strict["status"] == "fail" and "zip" in strict["message"]


def test_a_metric_undefined_on_the_rows_is_an_error_not_a_broken_report():
    frame = credit(400)
    frame["y"] = 0
    frame.loc[:3, "y"] = 1
    result = run(check(metric="precision"), frame, fit(frame, FEATURES))
    assert result["status"] == "error"  # the model predicts no positive at all
    assert "precision is undefined on the 400 sampled rows" in result["message"]
    from gate.checks.base import CheckUnavailable
    from gate.checks.importance import _defined
    from gate.checks.importance_summary import Measured

    draws = np.array([[0.1, np.nan], [0.2, np.nan], [0.1, 0.3]])  # b: undefined on 2 of 3
    for m in (Measured(np.array([0.1, np.nan]), draws[2:]), Measured(np.array([0.1, 0.2]), draws)):
        with pytest.raises(CheckUnavailable, match="precision is undefined with b shuffled"):
            _defined(m, ("a", "b"), "precision", "check")


def test_weighted_rows_weigh_in_as_scikit_learns_sample_weight():
    frame = credit(600).assign(w=np.random.default_rng(5).uniform(0.2, 3.0, 600))
    inputs = [*FEATURES, "sex"]
    model = fit(frame, inputs)
    policy = check()
    policy["data"]["weight"] = "w"
    result = run(policy, frame, model)
    seed = check_seed(0, "reliance")
    rows = draw_rows(frame, 600, seed)
    theirs = permutation_importance(
        model, rows[inputs], rows["y"], scoring=PROBA_AUC, n_repeats=5, random_state=seed,
        sample_weight=rows["w"],
    )  # fmt: skip
    ours = {f["feature"]: f["metric_drop"] for f in result["features"]}  # shown beside reliance
    # the protected attribute's is per changed row: scikit-learn's over the share changed
    per = {f["feature"]: f.get("changed_share", 1.0) for f in result["features"]}
    sex, w = rows["sex"].to_numpy(), rows["w"].to_numpy()  # the weighted share changed
    orders = shuffles(600, len(inputs), 5, seed)[len(FEATURES)]
    moved = [w @ (sex[o] != sex) / w.sum() for o in orders]
    assert per["sex"] == pytest.approx(np.mean(moved), rel=1e-11)
    assert all(per[f] == 1.0 for f in FEATURES)
    for name, want in zip(inputs, theirs.importances_mean, strict=True):
        assert ours[name] == pytest.approx(want / per[name], rel=1e-9, abs=0)
