"""`type: importance` on a multiclass model: permutation importance with a multiclass metric
equals scikit-learn's `permutation_importance` with the matching scorer (same rows, same seed),
its bootstrap equals the metric on the resampled rows, SHAP sums mean |SHAP| over the classes,
and the protected-attribute conditions fail / pass as for binary models."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT
from jsonschema import Draft202012Validator
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression

from gate import evaluate
from gate.engine.importance import permutation
from gate.engine.importance_bootstrap import permutation_draws
from gate.engine.importance_classes import ClassMetric
from gate.engine.resample import row_count_chunks

CLASSES = np.array(["A", "B", "C"])
REPORT_SCHEMA = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())


@pytest.fixture(autouse=True)
def one_thread():
    """One OpenMP thread: small models, a shared test machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def grades(n: int, seed: int) -> pd.DataFrame:
    """Three grades from `a` and `b`; `sex` is drawn apart from them; `c` is noise."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f: rng.normal(size=n) for f in ("a", "b", "c")})
    frame["sex"] = rng.integers(0, 2, n)
    value = frame.a + 0.5 * frame.b + rng.normal(scale=0.5, size=n)
    frame["grade"] = CLASSES[np.digitize(value, [-0.5, 0.5])]
    return frame


SCORERS = {  # our metric -> scikit-learn's scorer
    ("accuracy", None): "accuracy",
    ("balanced_accuracy", None): "balanced_accuracy",
    ("f1", "macro"): "f1_macro",
    ("recall", "weighted"): "recall_weighted",
    ("precision", "micro"): "precision_micro",
    ("log_loss", None): "neg_log_loss",
    ("roc_auc", "macro"): "roc_auc_ovr",
    ("roc_auc", "weighted"): "roc_auc_ovr_weighted",
}


@pytest.mark.parametrize(("name", "average"), list(SCORERS))
def test_multiclass_importances_equal_scikit_learns(name, average):
    frame = grades(300, 0)
    X = frame[["a", "b", "c"]]
    model = HistGradientBoostingClassifier(max_iter=15, random_state=0).fit(X, frame.grade)
    metric = ClassMetric(name, 3, average)
    y = np.searchsorted(model.classes_, frame.grade)

    def predict(rows: pd.DataFrame) -> np.ndarray:
        if name in ("log_loss", "roc_auc"):
            return model.predict_proba(rows)
        return np.searchsorted(model.classes_, model.predict(rows))

    ours = permutation(predict, X, y, None, metric, 4, 7)
    theirs = permutation_importance(
        model, X, frame.grade, scoring=SCORERS[name, average], n_repeats=4, random_state=7
    )
    np.testing.assert_allclose(ours.importances, theirs.importances, rtol=0, atol=1e-12)
    assert (ours.mean > 0).any()


@pytest.mark.parametrize(("name", "average"), list(SCORERS))
def test_the_bootstrap_is_the_metric_on_the_resampled_rows(name, average):
    rng = np.random.default_rng(1)
    n, k = 120, 3
    y = rng.integers(0, k, n)
    probabilities = rng.dirichlet(np.ones(k), size=(2, n))
    labels = probabilities.argmax(axis=2)
    outputs = probabilities if name in ("log_loss", "roc_auc") else labels
    weight = rng.uniform(0.5, 2.0, n)
    metric = ClassMetric(name, k, average)
    draws = metric.resampled(y, weight, outputs, 5, 3)
    counts = next(iter(row_count_chunks(n, 5, 3)))
    for r in range(5):
        rows = np.repeat(np.arange(n), counts[r])
        for j in range(2):
            expected = metric(y[rows], outputs[j][rows], weight[rows])
            assert draws[r, j] == pytest.approx(expected, abs=1e-12)


def test_permutation_draws_take_multiclass_probabilities():
    frame = grades(200, 2)
    X = frame[["a", "b", "c"]]
    model = LogisticRegression().fit(X, frame.grade)
    y = np.searchsorted(model.classes_, frame.grade)
    metric = ClassMetric("log_loss", 3)
    permuted = permutation(model.predict_proba, X, y, None, metric, 3, 0)
    assert permuted.shuffled.shape == (3, 3, 200, 3)
    draws = permutation_draws(permuted, metric, y, None, 50, 0)
    assert draws.shape == (50, 3)
    assert np.median(draws[:, 0]) > np.median(draws[:, 2])  # a matters, c does not


def policy(check: dict, sensitive: list[str] | None = None) -> dict:
    data = {"label": "grade", "task": "multiclass_classification", "sensitive": ["sex"]}
    base = {"id": "imp", "type": "importance", "method": "permutation", "max_rank": 2}
    return {"version": 1, "data": data, "checks": [base | check]}


def leaning_on_sex(n: int, seed: int) -> pd.DataFrame:
    """Grades driven by sex as strongly as by `a`."""
    frame = grades(n, seed)
    value = frame.a + 1.5 * (2 * frame.sex - 1) + np.random.default_rng(seed).normal(0, 0.3, n)
    frame["grade"] = CLASSES[np.digitize(value, [-0.7, 0.7])]
    return frame


METRIC_KEYS = [{}, {"metric": "f1", "average": "weighted"}, {"metric": "accuracy"}]


@pytest.mark.parametrize("metric", METRIC_KEYS)
def test_a_model_trained_on_the_protected_attribute_fails_naming_it(metric):
    train, frame = leaning_on_sex(1500, 3), leaning_on_sex(1500, 4)
    inputs = ["a", "b", "c", "sex"]
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(
        train[inputs], train.grade
    )
    result = evaluate(policy(metric), frame, model=model).check("imp")
    assert result.status.value == "fail", result.message
    assert "sex" in result.message
    assert result.metric == "rank"  # the value is sex's rank (#6)
    assert result.sample["metric"] == (metric.get("metric") or "log_loss")
    assert result.sample["measure"] == "reliance"
    ranked = {f["feature"]: f for f in result.features}
    assert ranked["sex"]["rank"] <= 2


def test_the_same_model_without_the_attribute_passes():
    train, frame = leaning_on_sex(1500, 3), leaning_on_sex(1500, 4)
    inputs = ["a", "b", "c"]
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(
        train[inputs], train.grade
    )
    result = evaluate(policy({}), frame, model=model).check("imp")
    assert result.status.value == "pass", result.message


def test_shap_sums_the_mean_absolute_values_over_the_classes():
    pytest.importorskip("shap")
    import shap

    train, frame = leaning_on_sex(600, 5), leaning_on_sex(400, 6)
    inputs = ["a", "b", "c", "sex"]
    model = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0)
    model.fit(train[inputs], train.grade)
    result = evaluate(policy({"method": "shap"}), frame, model=model).check("imp")
    assert result.status.value == "fail", result.message
    values = np.asarray(shap.TreeExplainer(model).shap_values(frame[inputs]))  # (n, p, K)
    expected = np.abs(values).mean(axis=0).sum(axis=1)
    p = frame["sex"].value_counts(normalize=True).to_numpy()
    expected[-1] /= 1 - (p * p).sum()  # sex (protected): per changed row (importance_changed)
    got = {f["feature"]: f["importance"] for f in result.features}
    np.testing.assert_allclose([got[f] for f in inputs], expected, rtol=1e-12, atol=0)


def test_the_checks_importances_equal_scikit_learns_on_its_rows_and_seed():
    """Through the whole check: the rows it samples and its seed, scikit-learn's value."""
    from gate.checks.importance import check_seed, draw_rows

    frame = leaning_on_sex(900, 7)
    inputs = ["a", "b", "c", "sex"]
    model = LogisticRegression().fit(frame[inputs], frame.grade)
    check = {"metric": "f1", "average": "weighted", "sample_rows": 400, "repeats": 3}
    report = evaluate(policy(check), frame, model=model, seed=5, resamples=100).to_json()
    result = report["checks"][0]
    seed = check_seed(5, "imp")
    assert (result["sample"]["metric"], result["average"]) == ("f1", "weighted")
    assert result["sample"]["rows"] == 400 and result["sample"]["seed"] == seed
    rows = draw_rows(frame, 400, seed)
    theirs = permutation_importance(
        model, rows[inputs], rows.grade, scoring="f1_weighted", n_repeats=3, random_state=seed
    )
    ours = {f["feature"]: f["metric_drop"] for f in result["features"]}  # shown beside
    # sex (protected) is per changed row: scikit-learn's over the share its shuffles changed
    per = {f["feature"]: f.get("changed_share", 1.0) for f in result["features"]}
    assert 0.4 < per["sex"] < 0.6 and all(per[f] == 1.0 for f in ("a", "b", "c"))
    for name, want in zip(inputs, theirs.importances_mean, strict=True):
        assert ours[name] == pytest.approx(want / per[name], rel=1e-11, abs=1e-15)
    Draft202012Validator(REPORT_SCHEMA).validate(report)


@pytest.mark.parametrize(
    ("check", "says", "data"),
    [
        ({"metric": "selection_rate"}, "selection_rate is not a multiclass metric", "multi"),
        ({"metric": "accuracy", "average": "macro"}, "accuracy takes no 'average'", "multi"),
        ({"metric": "roc_auc", "average": "micro"}, "roc_auc takes average macro", "multi"),
        ({"method": "shap", "average": "macro"}, "'average' applies to method", "multi"),
        ({"metric": "f1", "average": "macro"}, "'average' needs data.task", "binary"),
    ],
)
def test_what_a_multiclass_importance_cannot_take_is_refused_at_its_key(check, says, data):
    from gate.errors import PolicyError

    given = policy(check)
    if data == "binary":
        given["data"] = {"label": "y", "sensitive": ["sex"]}
    with pytest.raises(PolicyError) as caught:
        evaluate(given, grades(50, 0))
    assert says in str(caught.value)


def test_a_planted_dependence_on_a_proxy_fails_through_the_proxy_list():
    """The model never sees sex, only `zip`, which follows sex in 95% of rows."""
    train, frame = leaning_on_sex(1500, 3), leaning_on_sex(1500, 4)
    for f, seed in ((train, 8), (frame, 9)):
        flip = np.random.default_rng(seed).uniform(size=len(f)) < 0.05
        f["zip"] = np.where(flip, 1 - f.sex, f.sex)
    inputs = ["a", "b", "c", "zip"]
    model = LogisticRegression().fit(train[inputs], train.grade)
    result = evaluate(policy({"proxies": ["zip"]}), frame, model=model).check("imp")
    assert result.status.value == "fail", result.message
    assert "zip (proxy)" in result.message


def test_a_baseline_with_other_classes_is_an_error_naming_both():
    frame = grades(600, 10)
    inputs = ["a", "b", "c", "sex"]
    candidate = LogisticRegression().fit(frame[inputs], frame.grade)
    two = frame.grade.replace({"C": "B"})
    baseline = LogisticRegression().fit(frame[inputs], two)
    check = {"max_rank": None, "baseline": {"min_rank_correlation": 0.5}}
    given = policy(check)
    given["checks"][0] = {k: v for k, v in given["checks"][0].items() if v is not None}
    result = evaluate(given, frame, model=candidate, baseline=baseline).check("imp")
    assert result.status.value == "error"
    assert "the baseline model's classes (A, B) are not the candidate's (A, B, C)" in (
        result.message
    )


LABEL_AVERAGES = [
    (name, average)
    for name in ("precision", "recall", "f1")
    for average in ("macro", "weighted", "micro")
] + [("balanced_accuracy", None), ("accuracy", None)]


@pytest.mark.parametrize(("name", "average"), LABEL_AVERAGES)
@pytest.mark.parametrize("weighted", [False, True])
def test_per_class_counts_give_scikit_learns_label_metrics_at_many_classes(name, average, weighted):
    """review13b #11: K counts per class (not a K x K confusion) on every resample; a class
    never true, one never predicted by an output, one in neither: scikit-learn's value."""
    rng = np.random.default_rng(2)
    n, k = 300, 12
    y = rng.integers(0, k - 3, n)  # classes 10 and 11 never true, 9 in three rows only
    y[:3] = 9
    outputs = np.stack([np.where(rng.uniform(size=n) < 0.5, y, rng.integers(0, k - 1, n))
                        for _ in range(9)])  # fmt: skip
    outputs[3][outputs[3] == 4] = 5  # 4 never predicted there
    weight = rng.uniform(0.2, 3.0, n) if weighted else None
    metric = ClassMetric(name, k, average)
    draws = metric.resampled(y, weight, outputs, 7, 5)
    counts = np.concatenate(list(row_count_chunks(n, 7, 5)))
    for r in range(7):  # the metric on the resampled rows (a row drawn twice counts twice)
        rows = np.repeat(np.arange(n), counts[r])
        w = None if weight is None else weight[rows]
        for j, out in enumerate(outputs):
            assert draws[r, j] == pytest.approx(metric(y[rows], out[rows], w), abs=1e-12), (r, j)
