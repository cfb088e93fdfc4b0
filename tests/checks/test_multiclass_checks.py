"""Multiclass checks through gate.evaluate: averaged and per-class metrics equal scikit-learn's,
per-class fairness equals fairlearn's MetricFrame on one-vs-rest labels, predictions-only runs
bind a prediction column and per-class probability columns, and what multiclass does not
support is refused naming the key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate
from sklearn import metrics as skm
from sklearn.linear_model import LinearRegression, LogisticRegression

import gate
from gate.errors import InputError, PolicyError

CLASSES = ("bird", "cat", "dog")


def data(n: int = 900, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = np.where(x.a + rng.normal(0, 0.5, n) > 0.6, "dog", np.where(x.b > 0, "cat", "bird"))
    return x.assign(
        y=y, sex=rng.choice(["F", "M", "X"], n, p=[0.5, 0.4, 0.1]), w=rng.uniform(0.2, 3, n)
    )


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def model(frame):
    return LogisticRegression().fit(frame[["a", "b"]], frame["y"])


def policy(*checks: dict, **data_keys) -> dict:
    binding = {"label": "y", "task": "multiclass_classification", "sensitive": ["sex"]}
    return {"version": 1, "data": binding | data_keys, "checks": list(checks)}


def perf(cid: str, metric: str, **keys) -> dict:
    return {"id": cid, "type": "performance", "metric": metric, "min": 0.0} | keys


@pytest.mark.parametrize("weighted", [False, True])
def test_model_metrics_equal_scikit_learn(frame, model, weighted):
    checks = [
        perf(f"{m}-{a}", m, average=a)
        for m in ("precision", "recall", "f1")
        for a in ("macro", "weighted", "micro")
    ]
    checks += [perf("acc", "accuracy"), perf("bacc", "balanced_accuracy")]
    checks += [perf("auc-m", "roc_auc"), perf("auc-w", "roc_auc", average="weighted")]
    checks += [{"id": "ll", "type": "performance", "metric": "log_loss", "max": 5}]
    checks += [perf("recall-dog", "recall", **{"class": "dog"})]
    extra = {"weight": "w"} if weighted else {}
    result = gate.evaluate(policy(*checks, **extra), frame, model=model, batch_rows=250)
    X, y = frame[["a", "b"]], frame["y"]
    w = frame["w"].to_numpy() if weighted else None
    pred, proba = model.predict(X), model.predict_proba(X)
    expected = {
        f"{m}-{a}": getattr(skm, f"{m}_score")(y, pred, average=a, sample_weight=w)
        for m in ("precision", "recall", "f1")
        for a in ("macro", "weighted", "micro")
    }
    expected |= {
        "acc": skm.accuracy_score(y, pred, sample_weight=w),
        "bacc": skm.balanced_accuracy_score(y, pred, sample_weight=w),
        "auc-m": skm.roc_auc_score(y, proba, multi_class="ovr", sample_weight=w),
        "auc-w": skm.roc_auc_score(
            y, proba, multi_class="ovr", average="weighted", sample_weight=w
        ),
        "ll": skm.log_loss(y, proba, sample_weight=w),
        "recall-dog": skm.recall_score(y == "dog", pred == "dog", sample_weight=w),
    }
    for cid, value in expected.items():
        check = result.check(cid)
        assert check.value == pytest.approx(value, rel=1e-12), cid
    assert result.check("f1-weighted").average == "weighted"
    assert result.check("acc").average is None
    assert result.check("recall-dog").of_class == "dog"
    assert result.check("f1-macro").message.startswith("f1 (macro) ")
    assert result.check("recall-dog").message.startswith("recall (class dog) ")


def test_label_metrics_have_bootstrap_intervals_around_the_value(frame, model):
    checks = [perf("f1", "f1", confidence=0.9), perf("acc", "accuracy", confidence=0.9)]
    checks += [
        {"id": "ll", "type": "performance", "metric": "log_loss", "max": 5, "confidence": 0.9}
    ]
    result = gate.evaluate(policy(*checks), frame, model=model, resamples=300)
    for cid in ("f1", "acc", "ll"):
        check = result.check(cid)
        low, high = check.ci
        assert low < check.value < high and high - low < 0.2, cid


@pytest.mark.parametrize("metric", [selection_rate, true_positive_rate])
@pytest.mark.parametrize("weighted", [False, True])
def test_per_class_fairness_equals_fairlearn_on_one_vs_rest_labels(frame, model, metric, weighted):
    name = metric.__name__
    checks = [
        {
            "id": f"{c}",
            "type": "fairness",
            "metric": name,
            "class": c,
            "aggregate": "difference",
            "max": 1.0,
        }
        for c in CLASSES
    ]
    extra = {"weight": "w"} if weighted else {}
    result = gate.evaluate(policy(*checks, **extra), frame, model=model)
    pred = model.predict(frame[["a", "b"]])
    w = frame["w"].to_numpy() if weighted else None
    for c in CLASSES:
        mf = MetricFrame(
            metrics=metric,
            y_true=(frame["y"] == c).astype(int),
            y_pred=(pred == c).astype(int),
            sensitive_features=frame["sex"],
            sample_params={"sample_weight": w} if weighted else None,
        )
        check = result.check(c)
        got = {g["group"]["sex"]: g["value"] for g in check.groups}
        assert got == pytest.approx(mf.by_group.to_dict(), rel=1e-12), c
        assert check.value == pytest.approx(mf.difference(), rel=1e-12)
        assert check.of_class == c and f"of class {c}" in check.message


def test_predictions_only_with_probability_columns_and_a_prediction_column(frame, model):
    X = frame[["a", "b"]]
    proba = model.predict_proba(X)
    columns = {c: f"p_{c}" for c in CLASSES}
    rows = frame.assign(**{f"p_{c}": proba[:, k] for k, c in enumerate(CLASSES)})
    checks = (perf("auc", "roc_auc"), perf("f1", "f1"), perf("acc", "accuracy"))
    argmax = gate.evaluate(policy(*checks, scores=columns), rows)
    pred = model.predict(X)
    assert argmax.check("auc").value == pytest.approx(
        skm.roc_auc_score(frame["y"], proba, multi_class="ovr"), rel=1e-12
    )
    assert argmax.check("f1").value == pytest.approx(
        skm.f1_score(frame["y"], pred, average="macro"), rel=1e-12
    )
    # a prediction column (here: every row "cat") wins over the arg-max
    given = gate.evaluate(policy(*checks, scores=columns, prediction="p"), rows.assign(p="cat"))
    assert given.check("acc").value == pytest.approx((frame["y"] == "cat").mean())
    labels_only = gate.evaluate(policy(perf("f1", "f1"), prediction="p"), rows.assign(p=pred))
    assert labels_only.check("f1").value == pytest.approx(argmax.check("f1").value, rel=1e-12)


def test_a_score_metric_without_probabilities_is_an_error_naming_what_to_bind(frame, model):
    rows = frame.assign(p=model.predict(frame[["a", "b"]]))
    result = gate.evaluate(policy(perf("auc", "roc_auc"), prediction="p"), rows)
    assert result.check("auc").status.value == "error"
    assert "data.scores" in result.check("auc").message


def test_a_label_value_the_model_does_not_know_is_an_input_error_naming_both(frame, model):
    rows = frame.copy()
    rows.loc[5, "y"] = "emu"
    with pytest.raises(InputError, match=r"label column 'y' has 'emu'.*bird, cat, dog"):
        gate.evaluate(policy(perf("f1", "f1")), rows, model=model)


def test_a_class_the_model_knows_but_the_label_lacks_is_scored_as_scikit_learn_does(frame, model):
    """The model knows "bird"; the label has no bird: scikit-learn's log_loss with the model's
    classes, and macro f1 over the classes in the label or the predictions."""
    rows = frame[frame["y"] != "bird"].reset_index(drop=True)
    checks = (
        perf("f1", "f1"),
        {"id": "ll", "type": "performance", "metric": "log_loss", "max": 9},
        perf("auc", "roc_auc"),
    )
    result = gate.evaluate(policy(*checks), rows, model=model)
    X = rows[["a", "b"]]
    pred = model.predict(X)
    assert result.check("f1").value == pytest.approx(
        skm.f1_score(rows["y"], pred, average="macro"), rel=1e-12
    )
    ll = skm.log_loss(rows["y"], model.predict_proba(X), labels=list(CLASSES))
    assert result.check("ll").value == pytest.approx(ll, rel=1e-12)
    assert result.check("auc").status.value == "error"
    assert "class bird has no examples" in result.check("auc").message


def test_a_class_the_model_does_not_have_is_an_input_error_naming_its_classes(frame, model):
    """review13 #13: the model's classes are known before the pass (exit 2, not a check
    error); so are the data.scores classes of a predictions-only run."""
    with pytest.raises(InputError) as caught:
        gate.evaluate(policy(perf("r", "recall", **{"class": "emu"})), frame, model=model)
    assert str(caught.value) == (
        "<policy dict> checks[0]: check 'r' class: 'emu' is not one of the classes of model "
        "<in-memory LogisticRegression> (bird, cat, dog)"
    )
    proba = model.predict_proba(frame[["a", "b"]])
    rows = frame.assign(**{f"p_{c}": proba[:, k] for k, c in enumerate(CLASSES)})
    columns = {c: f"p_{c}" for c in CLASSES}
    with pytest.raises(InputError, match=r"'emu' is not one of the classes of data\.scores"):
        gate.evaluate(policy(perf("r", "recall", **{"class": "emu"}), scores=columns), rows)


def test_a_class_the_model_knows_but_no_row_has_is_an_error_for_its_check(frame):
    """A class known to the predictions' source but in neither the label nor the predictions
    (a prediction column alone fixes no classes) stays the check's error."""
    rows = frame.assign(pred=frame["y"])
    binding = {"prediction": "pred"}
    result = gate.evaluate(policy(perf("r", "recall", **{"class": "emu"}), **binding), rows)
    assert result.check("r").status.value == "error"
    assert "'emu' occurs neither" in result.check("r").message


def test_a_regressor_is_refused_under_multiclass(frame):
    regressor = LinearRegression().fit(frame[["a", "b"]], frame["w"])
    with pytest.raises(InputError, match=r"regressor.*multiclass_classification"):
        gate.evaluate(policy(perf("f1", "f1")), frame, model=regressor)


@pytest.mark.parametrize(
    ("checks", "data_keys", "message"),
    [
        ([perf("f1", "f1")], {"threshold": 0.3}, "data.threshold does not apply"),
        ([perf("f1", "f1")], {"positive_label": "cat"}, "data.positive_label does not apply"),
        ([perf("f1", "f1")], {"score": "s"}, "data.score does not apply"),
        ([perf("a", "roc_auc", average="micro")], {}, "roc_auc takes average macro | weighted"),
        ([perf("a", "accuracy", average="macro")], {}, "accuracy takes no 'average'"),
        ([perf("a", "roc_auc", confidence=0.9)], {}, "roc_auc has no interval"),
        ([perf("a", "selection_rate")], {}, "selection_rate of a multiclass model needs 'class"),
        ([perf("a", "f1", average="macro", **{"class": "cat"})], {}, "not both"),
        (
            [
                {
                    "id": "s",
                    "type": "fairness",
                    "metric": "selection_rate",
                    "aggregate": "ratio",
                    "min": 0.8,
                }
            ],
            {},
            "rate of one class: name it",
        ),
        (
            [perf("a", "f1") | {"baseline": {"max_drop": 0.1, "confidence": 0.9}}],
            {},
            "no paired comparison",
        ),
    ],
)
def test_what_multiclass_does_not_support_is_a_policy_error_naming_the_key(
    frame, model, checks, data_keys, message
):
    with pytest.raises(PolicyError, match=message):
        gate.evaluate(policy(*checks, **data_keys), frame, model=model)


def test_multiclass_keys_need_the_multiclass_task(frame):
    doc = policy(perf("f1", "f1", average="macro"))
    doc["data"]["task"] = "binary_classification"
    with pytest.raises(PolicyError, match=r"'average' needs data\.task: multiclass"):
        gate.evaluate(doc, frame)


def test_a_baseline_model_is_compared_on_point_values(frame, model):
    worse = LogisticRegression(C=1e-4).fit(frame[["a"]], frame["y"])
    check = perf("f1", "f1") | {"baseline": {"max_drop": 0.01}}
    result = gate.evaluate(policy(check), frame, model=worse, baseline=model)
    f1 = result.check("f1")
    assert f1.status.value == "fail"
    base = skm.f1_score(frame["y"], model.predict(frame[["a", "b"]]), average="macro")
    assert f1.baseline.value == pytest.approx(base, rel=1e-12)


def test_flags_a_multiclass_run_has_no_use_for_are_usage_errors(frame, model):
    from gate.errors import UsageError

    with pytest.raises(UsageError, match="--threshold does not apply to multiclass"):
        gate.evaluate(policy(perf("f1", "f1")), frame, model=model, threshold=0.3)


def test_prediction_drift_compares_the_predicted_classes(frame, model):
    """The candidate's outputs profiled as a column are its predicted class names."""
    drift = {"id": "drift", "type": "drift", "columns": ["a"], "outputs": True}
    shifted = data(seed=5).assign(a=lambda d: d["a"] + 2)
    result = gate.evaluate(policy(drift), shifted, model=model, reference=frame)
    columns = {c["column"]: c for c in result.check("drift").columns}
    assert "prediction" in columns and columns["prediction"]["drifted"]
    same = gate.evaluate(policy(drift), data(seed=6), model=model, reference=frame)
    assert not {c["column"]: c for c in same.check("drift").columns}["prediction"]["drifted"]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("zipmap", [True, False])
def test_an_onnx_multiclass_model_gives_its_classes_and_probabilities(frame, tmp_path, zipmap):
    from skl2onnx import to_onnx

    X = frame[["a", "b"]].to_numpy(np.float32)
    fitted = LogisticRegression().fit(X, frame["y"])
    graph = to_onnx(fitted, X[:1], options={id(fitted): {"zipmap": zipmap}}, target_opset=17)
    path = tmp_path / "model.onnx"
    path.write_bytes(graph.SerializeToString())
    checks = (perf("f1", "f1"), perf("auc", "roc_auc"))
    rows = frame.assign(a=frame["a"].astype(np.float32), b=frame["b"].astype(np.float32))
    result = gate.evaluate(policy(*checks), rows, model=str(path), features=["a", "b"])
    pred, proba = fitted.predict(X), fitted.predict_proba(X)
    f1 = skm.f1_score(frame["y"], pred, average="macro")
    assert result.check("f1").value == pytest.approx(f1, abs=2e-3)
    auc = skm.roc_auc_score(frame["y"], proba, multi_class="ovr")
    assert result.check("auc").value == pytest.approx(auc, abs=1e-4)


def test_probability_columns_that_do_not_sum_to_one_are_refused_naming_the_rows(frame, model):
    """Two of three classes bound: the label's third class is unknown to the columns; three
    columns that are not probabilities of the same rows do not sum to 1."""
    proba = model.predict_proba(frame[["a", "b"]])
    rows = frame.assign(**{f"p_{c}": proba[:, k] for k, c in enumerate(CLASSES)})
    rows.loc[3, "p_cat"] += 0.5
    columns = {c: f"p_{c}" for c in CLASSES}
    said = r"do not sum to 1 within 0\.015 \(0\.005 per class, at most 0\.05: rounding to 2 "
    with pytest.raises(InputError, match=said + r"decimals\) in row 4\b"):
        gate.evaluate(policy(perf("f1", "f1"), scores=columns), rows)
    two = {c: f"p_{c}" for c in CLASSES[1:]}
    with pytest.raises(InputError, match=r"label column 'y' has 'bird'.*data\.scores"):
        gate.evaluate(policy(perf("f1", "f1"), scores=two), rows.assign(p_cat=1 - rows["p_dog"]))


def test_the_multiclass_keys_take_pack_parameters_and_validate_against_the_schema():
    import json as json_

    from helpers import ROOT
    from jsonschema import Draft202012Validator

    from gate.policy.loader import analyse_policy

    doc = policy(
        perf("f1", "f1", average="${avg}"),
        perf("r", "recall", **{"class": "${cls}"}),
        scores={"cat": "${column}", "dog": "p_dog", "bird": "p_bird"},
    )
    del doc["data"]["sensitive"]
    doc["parameters"] = {
        "avg": {"default": "weighted"},
        "cls": {"default": "cat"},
        "column": {"default": "p_cat"},
    }
    schema = json_.loads((ROOT / "gate/schemas/policy.schema.json").read_text())
    assert not list(Draft202012Validator(schema).iter_errors(doc))
    loaded, problems = analyse_policy("p.yaml", raw=json_.dumps(doc).encode())
    assert problems == []
    assert [(c.average, c.of_class) for c in loaded.checks] == [("weighted", None), (None, "cat")]
    assert dict(loaded.data.scores) == {"cat": "p_cat", "dog": "p_dog", "bird": "p_bird"}


def test_probabilities_rounded_to_two_decimals_are_renormalised_as_scikit_learn_does(frame, model):
    """review13 #12: columns rounded to 2 decimals sum to 1 within 0.005 per class; the rows
    are renormalised, so log_loss equals scikit-learn's (which renormalises) and roc_auc its
    value on the renormalised rows."""
    proba = model.predict_proba(frame[["a", "b"]]).round(2)
    assert np.abs(proba.sum(axis=1) - 1).max() > 1e-3  # refused before
    rows = frame.assign(**{f"p_{c}": proba[:, k] for k, c in enumerate(CLASSES)})
    columns = {c: f"p_{c}" for c in CLASSES}
    checks = (perf("ll", "log_loss", max=5), perf("auc", "roc_auc"))
    result = gate.evaluate(policy(*checks, scores=columns), rows)
    renormalised = proba / proba.sum(axis=1, keepdims=True)
    loss = skm.log_loss(frame["y"], renormalised, labels=list(CLASSES))
    assert result.check("ll").value == pytest.approx(loss, rel=1e-12)
    auc = skm.roc_auc_score(frame["y"], renormalised, multi_class="ovr", labels=list(CLASSES))
    assert result.check("auc").value == pytest.approx(auc, abs=1e-12)


def test_a_model_trained_on_float_labels_is_gated_on_integer_labels(frame):
    """review13 #28: classes_ 1.0, 2.0, 10.0 and a label column of 1, 2, 10 (or 1.0, written
    as floats) name the same classes; binary: positive_label 1 is the model's class 1.0."""
    codes = frame["y"].map({"bird": 1, "cat": 2, "dog": 10})
    fitted = LogisticRegression().fit(frame[["a", "b"]], codes.astype(float))
    pred = fitted.predict(frame[["a", "b"]])
    f1 = skm.f1_score(codes, pred.astype(int), average="macro")
    for labels in (codes, codes.astype(float)):
        result = gate.evaluate(policy(perf("f1", "f1")), frame.assign(y=labels), model=fitted)
        assert result.check("f1").value == pytest.approx(f1, abs=1e-12)
    yb = (codes == 10).astype(int)
    binary = LogisticRegression().fit(frame[["a", "b"]], yb.astype(float))
    checks = [perf("auc", "roc_auc")]
    found = gate.evaluate(
        {"version": 1, "data": {"label": "y", "positive_label": 1}, "checks": checks},
        frame.assign(y=yb),
        model=binary,
    )
    auc = skm.roc_auc_score(yb, binary.predict_proba(frame[["a", "b"]])[:, 1])
    assert found.check("auc").value == pytest.approx(auc, abs=1e-12)


def test_a_prediction_column_that_never_predicts_a_label_class_is_not_an_error(frame):
    """review13 #11: with data.prediction alone, a label value never predicted is a class
    absent from the predictions (scikit-learn's unique_labels), not an unknown label."""
    rows = frame.assign(pred=frame["y"].replace({"dog": "cat"}))
    result = gate.evaluate(policy(perf("f1", "f1"), prediction="pred"), rows)
    f1 = skm.f1_score(rows["y"], rows["pred"], average="macro")
    assert result.check("f1").value == pytest.approx(f1, abs=1e-12)
