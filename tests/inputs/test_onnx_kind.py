"""ONNX models are checked by kind and class count before the pass, as scikit-learn models
are: what the graph says (skl2onnx's classifier / regressor nodes and their class labels, else
the outputs) is read at load, and a regressor or a model of more than two classes under
binary_classification (a classifier under regression) is exit 2 naming the file and what was
found. Real models: scikit-learn estimators converted by skl2onnx, and hand-built graphs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import pytest
from helpers import run_cli, write_policy
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import to_onnx
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neural_network import MLPRegressor

from gate.inputs.models import LoadPolicy, load_model

FEATURES = ["income", "debt"]
MLP = MLPRegressor(hidden_layer_sizes=(4,), max_iter=50, random_state=0)


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 300
    out = pd.DataFrame({"income": rng.normal(size=n), "debt": rng.normal(size=n)})
    out["sex"] = rng.choice(["f", "m"], n)
    out["label"] = (out["income"] - out["debt"] + rng.normal(scale=0.5, size=n) > 0).astype(int)
    out["three"] = np.where(out["income"] > 1, 2, out["label"])
    out["names"] = np.where(out["label"] == 1, "good", "bad")
    return out


def onnx_file(path: Path, estimator: object, target: str, zipmap: bool = True) -> Path:
    data = frame()
    X = data[FEATURES].to_numpy(np.float32)
    fitted = estimator.fit(X, data[target])
    options = {id(fitted): {"zipmap": zipmap}} if hasattr(fitted, "classes_") else None
    path.write_bytes(to_onnx(fitted, X[:1], options=options, target_opset=17).SerializeToString())
    return path


def graph_file(path: Path, outputs: list[tuple[str, int, list]], nodes: list) -> Path:
    """A hand-built graph over X (n, 2) with these outputs: what other exporters write."""
    w = numpy_helper.from_array(np.ones((2, 3), np.float32), "W")
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info(name, kind, shape) for name, kind, shape in outputs],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path.write_bytes(model.SerializeToString())
    return path


def float_output(path: Path) -> Path:
    """y = sum(X @ W): one float per row, as a regression network exports it."""
    nodes = [
        helper.make_node("MatMul", ["X", "W"], ["H"]),
        helper.make_node("ReduceSum", ["H"], ["Y"], keepdims=1),
    ]
    nodes[1].input.append("axes")
    axes = numpy_helper.from_array(np.array([1], np.int64), "axes")
    path = graph_file(path, [("Y", TensorProto.FLOAT, [None, 1])], nodes)
    model = onnx.load_model(path)
    model.graph.initializer.append(axes)
    path.write_bytes(model.SerializeToString())
    return path


def labels_and_probabilities(path: Path) -> Path:
    """label = argmax(softmax(X @ W)) over 3 columns, with the probabilities: a 3-class
    classifier without ONNX-ML nodes."""
    nodes = [
        helper.make_node("MatMul", ["X", "W"], ["H"]),
        helper.make_node("Softmax", ["H"], ["P"], axis=1),
        helper.make_node("ArgMax", ["P"], ["L"], axis=1, keepdims=0),
    ]
    outputs = [("L", TensorProto.INT64, [None]), ("P", TensorProto.FLOAT, [None, 3])]
    return graph_file(path, outputs, nodes)


CASES = [  # (name, build, kind, classes, class count, found)
    ("binary", lambda p: onnx_file(p, LogisticRegression(), "label"),
     "classifier", ("0", "1"), 2, "a LinearClassifier node of classes 0, 1"),
    ("binary-tensor", lambda p: onnx_file(p, LogisticRegression(), "label", zipmap=False),
     "classifier", ("0", "1"), 2, "a LinearClassifier node"),
    ("names", lambda p: onnx_file(p, RandomForestClassifier(3, random_state=0), "names"),
     "classifier", ("bad", "good"), 2, "a TreeEnsembleClassifier node of classes bad, good"),
    ("three", lambda p: onnx_file(p, LogisticRegression(), "three"),
     "classifier", ("0", "1", "2"), 3, "a LinearClassifier node of classes 0, 1, 2"),
    ("linear", lambda p: onnx_file(p, LinearRegression(), "income"),
     "regressor", None, None, "a LinearRegressor node"),
    ("forest", lambda p: onnx_file(p, RandomForestRegressor(3, random_state=0), "income"),
     "regressor", None, None, "a TreeEnsembleRegressor node"),
    ("mlp", lambda p: onnx_file(p, MLP, "income"),
     "regressor", None, None, "its only output 'variable' is tensor(float) of shape [N, 1]"),
    ("float-output", float_output,
     "regressor", None, None, "its only output 'Y' is tensor(float) of shape [N, 1]"),
    ("labels-and-probabilities", labels_and_probabilities, "classifier", None, 3,
     "its outputs 'L' (tensor(int64) labels) and 'P' (3 probability columns)"),
]  # fmt: skip


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("name", "build", "kind", "classes", "count", "found"), CASES)
def test_the_graph_says_what_the_model_is(tmp_path, name, build, kind, classes, count, found):
    model = load_model(build(tmp_path / f"{name}.onnx"), LoadPolicy()).model
    assert (model.kind, model.classes, model.class_count) == (kind, classes, count)
    assert model.found.startswith(found), model.found


def gate(tmp_path: Path, model: Path, task: str = "binary_classification"):
    frame().to_csv(tmp_path / "d.csv", index=False)
    label, metric = ("income", "mae") if task == "regression" else ("label", "accuracy")
    bound = "max: 1000.0" if task == "regression" else "min: 0.0"
    write_policy(
        tmp_path / "p.yaml",
        f"""
        version: 1
        data: {{label: {label}, task: {task}, features: [income, debt], sensitive: [sex]}}
        checks:
          - {{id: perf, type: performance, metric: {metric}, {bound}}}
        """,
    )
    args = ["--policy", tmp_path / "p.yaml", "--data", tmp_path / "d.csv", "--model", model]
    return run_cli("check", *args, "--output-dir", tmp_path / "o")


REFUSED = [  # (case, task, what the message says)
    ("linear", "binary_classification",
     "is a regressor (a LinearRegressor node), but the policy's task is binary_classification"),
    ("float-output", "binary_classification",
     "is a regressor (its only output 'Y' is tensor(float) of shape [N, 1])"),
    ("three", "binary_classification",
     "is a classifier of 3 classes (classes 0, 1, 2); binary_classification needs"),
    ("labels-and-probabilities", "binary_classification",
     "is a classifier of 3 classes (its outputs 'L' (tensor(int64) labels) and 'P'"),
    ("binary", "regression", "is a classifier (classes 0, 1), but the policy's task is regression"),
]  # fmt: skip


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("case", "task", "says"), REFUSED)
def test_a_model_of_the_wrong_kind_is_exit_2_naming_the_file(tmp_path, case, task, says):
    build = next(c[1] for c in CASES if c[0] == case)
    model = build(tmp_path / f"{case}.onnx")
    result = gate(tmp_path, model, task)
    assert result.code == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"model {model} {says}" in result.stderr, result.stderr
    assert not (tmp_path / "o").exists()  # refused before the pass: nothing written


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("case", "task"), [("binary-tensor", "binary_classification"),
                                            ("mlp", "regression")])  # fmt: skip
def test_a_model_of_the_right_kind_is_evaluated(tmp_path, case, task):
    build = next(c[1] for c in CASES if c[0] == case)
    result = gate(tmp_path, build(tmp_path / f"{case}.onnx"), task)
    assert result.code == 0, result.stderr
