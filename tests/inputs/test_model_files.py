"""Every file a model is read from stays inside the model and is digested; the bytes loaded
are the bytes digested (MLflow directories, ONNX external data, pickles)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import skops.io as sio
import yaml
from helpers import FEATURES, classification_frame, fit_classifier, run_check
from onnx import TensorProto, helper, numpy_helper

from gate.errors import InputError
from gate.inputs.models import LoadPolicy, load_model
from gate.inputs.onnx_model import load_onnx

POLICY = """version: 1
data: {label: y}
checks: [{id: auc, type: performance, metric: roc_auc, min: 0.5}]
"""


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mlflow_dir(path: Path, flavors: dict) -> Path:
    path.mkdir()
    (path / "MLmodel").write_text(yaml.safe_dump({"flavors": flavors}))
    return path


def skops_flavor(name: str) -> dict:
    return {"sklearn": {"pickled_model": name, "serialization_format": "skops"}}


@pytest.mark.parametrize("name", ["../other.skops", "/tmp/other.skops", "a/../../other.skops"])
def test_mlflow_model_path_may_not_leave_the_directory(tmp_path: Path, name: str):
    sio.dump(fit_classifier(classification_frame(100)), tmp_path / "other.skops")
    model = mlflow_dir(tmp_path / "m", skops_flavor(name))
    with pytest.raises(InputError, match=r"MLmodel:\d+:\d+: .*leaves the model directory"):
        load_model(model, LoadPolicy())


def test_a_symlink_out_of_the_mlflow_directory_is_refused(tmp_path: Path):
    sio.dump(fit_classifier(classification_frame(100)), tmp_path / "other.skops")
    model = mlflow_dir(tmp_path / "m", skops_flavor("model.skops"))
    (model / "model.skops").symlink_to(tmp_path / "other.skops")
    with pytest.raises(InputError, match=r"model\.skops is a symlink to .*outside the model"):
        load_model(model, LoadPolicy())


def test_a_symlink_inside_the_mlflow_directory_is_read_and_digested(tmp_path: Path):
    model = mlflow_dir(tmp_path / "m", skops_flavor("link.skops"))
    sio.dump(fit_classifier(classification_frame(100)), model / "model.skops")
    (model / "link.skops").symlink_to("model.skops")
    loaded = load_model(model, LoadPolicy())
    assert {Path(f.path).name for f in loaded.files} == {"MLmodel", "model.skops", "link.skops"}


def test_mlflow_digests_cover_every_file_and_change_with_any(tmp_path: Path):
    model = mlflow_dir(tmp_path / "m", skops_flavor("model.skops"))
    sio.dump(fit_classifier(classification_frame(100)), model / "model.skops")
    (model / "sub").mkdir()
    (model / "sub" / "conda.yaml").write_text("name: a\n")
    first = load_model(model, LoadPolicy())
    assert {f.path: f.sha256 for f in first.files} == {
        str(p): sha(p) for p in (model / "MLmodel", model / "model.skops", model / "sub/conda.yaml")
    }
    (model / "sub" / "conda.yaml").write_text("name: b\n")
    assert load_model(model, LoadPolicy()).sha256 != first.sha256


def onnx_with_external_weights(path: Path, weights: np.ndarray, location: str = "w.bin") -> None:
    """y = x @ W, W stored in the external file `location` next to `path`."""
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])],
        [numpy_helper.from_array(weights.astype(np.float32).reshape(3, 1), "W")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save_model(model, path, save_as_external_data=True, location=location, size_threshold=0)


def test_onnx_external_data_is_digested_and_changes_the_digest(tmp_path: Path):
    onnx_with_external_weights(tmp_path / "m.onnx", np.array([1.0, 0.0, 0.0]))
    first = load_model(tmp_path / "m.onnx", LoadPolicy())
    assert [(Path(f.path).name, f.sha256) for f in first.files] == [
        ("m.onnx", sha(tmp_path / "m.onnx")),
        ("w.bin", sha(tmp_path / "w.bin")),
    ]
    x = classification_frame(5)[FEATURES]
    np.testing.assert_allclose(first.model.predict(x), x["x1"], rtol=1e-6)
    (tmp_path / "w.bin").write_bytes(np.array([0, 1, 0], np.float32).tobytes())
    second = load_model(tmp_path / "m.onnx", LoadPolicy())
    assert second.sha256 != first.sha256 and second.files[0] == first.files[0]
    np.testing.assert_allclose(second.model.predict(x), x["x2"], rtol=1e-6)


@pytest.mark.parametrize("location", ["../w.bin", "/tmp/w.bin", "sub/../../w.bin"])
def test_onnx_external_data_may_not_leave_the_model_directory(tmp_path: Path, location: str):
    (tmp_path / "d").mkdir()
    onnx_with_external_weights(tmp_path / "d" / "m.onnx", np.ones(3))
    proto = onnx.load_model(tmp_path / "d" / "m.onnx", load_external_data=False)
    for entry in proto.graph.initializer[0].external_data:
        if entry.key == "location":
            entry.value = location
    (tmp_path / "d" / "m.onnx").write_bytes(proto.SerializeToString())
    (tmp_path / "w.bin").write_bytes((tmp_path / "d" / "w.bin").read_bytes())
    with pytest.raises(InputError, match="not a path inside the model's directory"):
        load_model(tmp_path / "d" / "m.onnx", LoadPolicy())


def test_onnx_external_data_symlinked_out_of_the_directory_is_refused(tmp_path: Path):
    (tmp_path / "d").mkdir()
    onnx_with_external_weights(tmp_path / "d" / "m.onnx", np.ones(3))
    (tmp_path / "d" / "w.bin").rename(tmp_path / "w.bin")
    (tmp_path / "d" / "w.bin").symlink_to(tmp_path / "w.bin")
    with pytest.raises(InputError, match="outside the model directory"):
        load_model(tmp_path / "d" / "m.onnx", LoadPolicy())


def test_onnxruntime_reads_external_data_only_from_the_bytes_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    onnx_with_external_weights(tmp_path / "m.onnx", np.ones(3))
    monkeypatch.chdir(tmp_path)  # w.bin is right here, yet the session must not read it
    with pytest.raises(InputError, match="not a loadable ONNX model"):
        load_onnx((tmp_path / "m.onnx").read_bytes(), "model m.onnx", {})


def test_mlflow_onnx_external_data_comes_from_the_directory(tmp_path: Path):
    model = mlflow_dir(tmp_path / "m", {"onnx": {"data": "model.onnx"}})
    (model / "w").mkdir()
    onnx_with_external_weights(model / "model.onnx", np.array([0.0, 0.0, 1.0]), "w/weights.bin")
    loaded = load_model(model, LoadPolicy())
    assert loaded.format == "mlflow-onnx"
    assert str(model / "w/weights.bin") in {f.path for f in loaded.files}
    x = classification_frame(5)[FEATURES]
    np.testing.assert_allclose(loaded.model.predict(x), x["x3"], rtol=1e-6)


def test_report_and_evidence_record_every_model_file(tmp_path: Path):
    frame = classification_frame(200)
    frame.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "p.yaml").write_text(POLICY)
    model = mlflow_dir(tmp_path / "m", skops_flavor("model.skops"))
    sio.dump(fit_classifier(frame), model / "model.skops")
    result = run_check(tmp_path / "p.yaml", tmp_path / "d.csv", model=model, out=tmp_path / "o")
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    files = {str(p): sha(p) for p in (model / "MLmodel", model / "model.skops")}
    assert {f["path"]: f["sha256"] for f in report["inputs"]["model"]["files"]} == files
    evidence = json.loads((tmp_path / "o" / "evidence.json").read_text())
    subjects = {s["name"]: s["digest"]["sha256"] for s in evidence["subject"]}
    assert files.items() <= subjects.items()


def write_pickle(path: Path, obj) -> str:
    path.write_bytes(pickle.dumps(obj))
    return sha(path)


@pytest.mark.parametrize("suffix", [".pkl", ".joblib"])
def test_the_pinned_bytes_are_the_unpickled_bytes(tmp_path: Path, suffix: str):
    """The file is opened once: a second open (to unpickle) could read other bytes."""
    path = tmp_path / f"m{suffix}"
    pin = write_pickle(path, fit_classifier(classification_frame(100)))
    opened: list[str] = []

    def audit(event: str, args: tuple) -> None:
        if event == "open" and str(args[0]) == str(path):
            opened.append(event)

    sys.addaudithook(audit)
    loaded = load_model(path, LoadPolicy(allow_pickle=True, sha256=pin))
    assert len(opened) == 1 and loaded.sha256 == pin


def test_a_fifo_pickle_is_refused_without_reading_it(tmp_path: Path):
    os.mkfifo(tmp_path / "m.pkl")
    with pytest.raises(InputError, match=r"m\.pkl is not a regular file"):
        load_model(tmp_path / "m.pkl", LoadPolicy(allow_pickle=True, sha256="0" * 64))


def test_mlflow_pickle_is_pinned_on_the_bytes_unpickled(tmp_path: Path):
    flavor = {"pickled_model": "model.pkl", "serialization_format": "pickle"}
    model = mlflow_dir(tmp_path / "m", {"sklearn": flavor})
    pin = write_pickle(model / "model.pkl", fit_classifier(classification_frame(100)))
    opened: list[str] = []

    def audit(event: str, args: tuple) -> None:
        if event == "open" and str(args[0]).endswith("model.pkl"):
            opened.append(event)

    sys.addaudithook(audit)
    loaded = load_model(model, LoadPolicy(allow_pickle=True, sha256=pin))
    assert len(opened) == 1 and loaded.format == "mlflow-sklearn-pickle"
