"""Model formats: skops (allow-list), ONNX (tensor and per-column inputs), MLflow directories."""

from __future__ import annotations

import operator
import pickle
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
import yaml
from helpers import FEATURES, classification_frame, fit_classifier

from gate.errors import InputError
from gate.inputs.models import LoadPolicy, load_model


@pytest.fixture(scope="module")
def frame():
    return classification_frame(300)


@pytest.fixture(scope="module")
def estimator(frame):
    return fit_classifier(frame)


def proba(estimator, frame):
    return estimator.predict_proba(frame[FEATURES])[:, 1]


def test_skops_model_scores_equal_the_estimators(tmp_path, estimator, frame):
    sio.dump(estimator, tmp_path / "m.skops")
    loaded = load_model(tmp_path / "m.skops", LoadPolicy())
    assert loaded.format == "skops" and loaded.model.feature_names == tuple(FEATURES)
    np.testing.assert_array_equal(
        loaded.model.predict_scores(frame[FEATURES], 1), proba(estimator, frame)
    )


def test_skops_untrusted_types_need_trust_type(tmp_path, frame):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = make_pipeline(FunctionTransformer(operator.neg), fit_classifier(frame)).fit(
        frame[FEATURES], frame["y"]
    )
    sio.dump(model, tmp_path / "m.skops")
    with pytest.raises(InputError, match=r"(?s)_operator.neg.*--trust-type"):
        load_model(tmp_path / "m.skops", LoadPolicy())
    loaded = load_model(tmp_path / "m.skops", LoadPolicy(trusted_types=("_operator.neg",)))
    assert loaded.model.predict_scores(frame[FEATURES], 1).shape == (len(frame),)


@pytest.mark.parametrize("zipmap", [True, False])
def test_onnx_single_tensor_input(tmp_path, estimator, frame, zipmap):
    from skl2onnx import to_onnx

    onx = to_onnx(
        estimator,
        frame[FEATURES].to_numpy(np.float32)[:1],
        options={id(estimator): {"zipmap": zipmap}},
        target_opset=17,
    )
    (tmp_path / "m.onnx").write_bytes(onx.SerializeToString())
    loaded = load_model(tmp_path / "m.onnx", LoadPolicy())
    assert loaded.model.feature_names is None  # a bare tensor: data.features names the columns
    scores = loaded.model.predict_scores(frame[FEATURES], 1)
    np.testing.assert_allclose(scores, proba(estimator, frame), atol=1e-5)


def test_onnx_per_column_inputs_give_feature_names(tmp_path, estimator, frame):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    inputs = [(name, FloatTensorType([None, 1])) for name in FEATURES]
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        ColumnTransformer([("all", "passthrough", FEATURES)]), fit_classifier(frame)
    ).fit(frame[FEATURES], frame["y"])
    onx = convert_sklearn(model, initial_types=inputs, target_opset=17)
    (tmp_path / "m.onnx").write_bytes(onx.SerializeToString())
    loaded = load_model(tmp_path / "m.onnx", LoadPolicy())
    assert loaded.model.feature_names == tuple(FEATURES)
    assert loaded.model.feature_kinds == dict.fromkeys(FEATURES, "numeric")
    np.testing.assert_allclose(
        loaded.model.predict_scores(frame, 1), proba(model, frame), atol=1e-5
    )


def test_not_an_onnx_file(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a loadable ONNX model"):
        load_model(tmp_path / "m.onnx", LoadPolicy())


def write_mlmodel(path: Path, flavor: dict) -> None:
    path.mkdir()
    (path / "MLmodel").write_text(yaml.safe_dump({"flavors": {"sklearn": flavor}}))


def test_mlflow_directory_skops_and_pinned_pickle(tmp_path, estimator, frame):
    write_mlmodel(
        tmp_path / "skops_dir", {"pickled_model": "model.skops", "serialization_format": "skops"}
    )
    sio.dump(estimator, tmp_path / "skops_dir" / "model.skops")
    loaded = load_model(tmp_path / "skops_dir", LoadPolicy())
    assert loaded.format == "mlflow-sklearn-skops"

    write_mlmodel(
        tmp_path / "pkl_dir", {"pickled_model": "model.pkl", "serialization_format": "pickle"}
    )
    (tmp_path / "pkl_dir" / "model.pkl").write_bytes(pickle.dumps(estimator))
    with pytest.raises(InputError, match="--allow-pickle"):
        load_model(tmp_path / "pkl_dir", LoadPolicy())
    import hashlib

    pin = hashlib.sha256((tmp_path / "pkl_dir" / "model.pkl").read_bytes()).hexdigest()
    loaded = load_model(tmp_path / "pkl_dir", LoadPolicy(allow_pickle=True, sha256=pin))
    np.testing.assert_array_equal(
        loaded.model.predict_scores(frame[FEATURES], 1), proba(estimator, frame)
    )


def test_unsupported_and_missing(tmp_path):
    (tmp_path / "m.h5").write_bytes(b"x")
    with pytest.raises(InputError, match=r"unsupported model format '\.h5'"):
        load_model(tmp_path / "m.h5", LoadPolicy())
    with pytest.raises(InputError, match="not found"):
        load_model(tmp_path / "none.skops", LoadPolicy())
    (tmp_path / "d").mkdir()
    with pytest.raises(InputError, match="without an MLmodel"):
        load_model(tmp_path / "d", LoadPolicy())
