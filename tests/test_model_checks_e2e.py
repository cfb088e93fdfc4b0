"""Through the CLI, what users meet when a model does not fit the policy or returns something
unusable, and when the data's columns cannot be told apart: exit 2 naming the model, the label,
the file or the column, never a traceback (exit 3) or a silent evaluation."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from helpers import run_check, run_cli, write_policy
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import auc, roc_curve
from sklearn.svm import LinearSVC

from tests import broken_models

POLICY = """\
version: 1
data: {label: label, positive_label: %(positive)s, sensitive: [sex]%(extra)s}
checks:
  - {id: perf, type: performance, metric: %(metric)s, %(bound)s}
"""


def _data(tmp_path: Path, labels=(0, 1)) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 400
    frame = pd.DataFrame({"income": rng.normal(size=n), "debt": rng.normal(size=n)})
    frame["sex"] = rng.choice(["f", "m"], n)
    good = frame["income"] - 0.5 * frame["debt"] + rng.normal(scale=0.7, size=n) > 0
    frame["label"] = np.where(good, labels[1], labels[0])
    frame.to_csv(tmp_path / "d.csv", index=False)
    return frame


def _gate(tmp_path: Path, model: Path, *flags: str, metric="roc_auc", positive="1", extra=""):
    bound = "max: 1000000000.0" if metric == "mae" else "min: 0.0"
    values = {"positive": positive, "extra": extra, "metric": metric, "bound": bound}
    write_policy(tmp_path / "p.yaml", POLICY % values)
    return run_cli(
        "check",
        "--policy",
        tmp_path / "p.yaml",
        "--data",
        tmp_path / "d.csv",
        "--model",
        model,
        "--output-dir",
        tmp_path / "o",
        *flags,
    )


def _skops(tmp_path: Path, estimator: object, name: str = "m.skops") -> Path:
    sio.dump(estimator, tmp_path / name)
    return tmp_path / name


def _refused(result, *parts: str) -> None:
    assert result.code == 2, (result.code, result.stderr)
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in result.stderr, result.stderr


@pytest.mark.parametrize("positive", ["bad", "good"])
def test_a_decision_function_model_is_scored_for_the_positive_label(tmp_path, positive):
    frame = _data(tmp_path, labels=("bad", "good"))
    X = frame[["income", "debt"]]
    model = LinearSVC().fit(X, frame["label"])
    result = _gate(tmp_path, _skops(tmp_path, model), positive=positive)
    assert result.code == 0, result.stderr
    value = json.loads((tmp_path / "o" / "report.json").read_text())["checks"][0]["value"]
    decision = model.decision_function(X)
    score = decision if positive == model.classes_[1] else -decision
    fpr, tpr, _ = roc_curve(frame["label"], score, pos_label=positive)
    assert value == pytest.approx(auc(fpr, tpr), abs=1e-9) and value > 0.8


def test_a_positive_label_the_model_does_not_know_is_exit_2(tmp_path):
    frame = _data(tmp_path, labels=("bad", "good"))
    model = LinearSVC().fit(frame[["income", "debt"]], frame["label"])
    result = _gate(tmp_path, _skops(tmp_path, model), positive="'yes'", metric="accuracy")
    _refused(result, "m.skops", "positive_label 'yes'", "bad, good")


def test_a_classifier_under_regression_is_exit_2(tmp_path):
    frame = _data(tmp_path)
    model = LogisticRegression().fit(frame[["income", "debt"]], frame["label"])
    result = _gate(tmp_path, _skops(tmp_path, model), metric="mae", extra=", task: regression")
    _refused(result, "model", "m.skops is a classifier", "task is regression")


def test_a_regressor_or_a_multiclass_model_under_binary_classification_is_exit_2(tmp_path):
    frame = _data(tmp_path)
    X = frame[["income", "debt"]]
    regressor = _skops(tmp_path, LinearRegression().fit(X, frame["label"]), "r.skops")
    _refused(_gate(tmp_path, regressor), "r.skops is a regressor", "binary_classification")
    three = np.where(frame["income"] > 1, 2, frame["label"])
    multi = _skops(tmp_path, LogisticRegression().fit(X, three), "k.skops")
    _refused(_gate(tmp_path, multi), "k.skops is a classifier of 3 classes")


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (broken_models.ShortRows, "not one value for each of its 400 rows"),
        (broken_models.TextScores, "non-numeric"),
        (broken_models.SaysWords, "predicted 'no', 'yes'"),
    ],
)
def test_a_model_file_with_unusable_outputs_is_exit_2(tmp_path, make, says):
    frame = _data(tmp_path)
    inner = LogisticRegression().fit(frame[["income", "debt"]], frame["label"])
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(make(inner)))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = _gate(tmp_path, path, "--allow-pickle", "--model-sha256", digest, metric="accuracy")
    _refused(result, f"model {path}", says)


def test_an_unfitted_model_and_a_broken_baseline_are_named(tmp_path):
    frame = _data(tmp_path)
    unfitted = _skops(tmp_path, LogisticRegression(), "u.skops")
    _refused(_gate(tmp_path, unfitted), "u.skops (LogisticRegression) is not fitted")
    fitted = _skops(tmp_path, LogisticRegression().fit(frame[["income", "debt"]], frame["label"]))
    result = _gate(tmp_path, fitted, "--baseline-model", unfitted)
    _refused(result, "baseline model", "u.skops (LogisticRegression) is not fitted")


def test_an_array_fitted_model_with_features_runs_without_warnings(tmp_path):
    frame = _data(tmp_path)
    model = LogisticRegression().fit(frame[["income", "debt"]].to_numpy(), frame["label"])
    path = _skops(tmp_path, model)
    _refused(_gate(tmp_path, path), "does not record its input names", "--features")
    result = _gate(tmp_path, path, "--features", "income,debt")
    assert result.code == 0, result.stderr
    assert "Warning" not in result.stderr and "feature names" not in result.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"sex,sex,label,score\nf,m,0,0.1\nm,f,1,0.9\n", "more than one column named 'sex'"),
        (b"\xff\xfe,label,score\n1,0,0.1\n2,1,0.9\n", "header is not valid UTF-8"),
        (b"sex,label,score\n\xff,0,0.1\nm,1,0.9\n", "column 'sex' has values that are not valid"),
    ],
)
def test_columns_that_cannot_be_told_apart_or_read_are_exit_2(tmp_path, content, says):
    (tmp_path / "d.csv").write_bytes(content)
    write_policy(
        tmp_path / "p.yaml",
        "version: 1\ndata: {label: label, score: score, sensitive: [sex]}\n"
        "checks:\n  - {id: s, type: fairness, metric: selection_rate,"
        " aggregate: ratio, min: 0.0}\n",
    )
    result = run_check(tmp_path / "p.yaml", tmp_path / "d.csv", out=tmp_path / "o")
    _refused(result, "d.csv", says)
    assert not (tmp_path / "o").exists()
