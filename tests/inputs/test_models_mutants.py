"""inputs/models beyond test_models.py: every refusal names the model at fault (and, for a
baseline, its own flag), digests and formats as documented, the size limits at their
boundaries, and the estimator wrapper's scores.

Written against mutation testing (`make mutate`); expected values come from the documented
contract (LoadedModel's docstring, the CLI flags, sklearn's own outputs), not from the code.
"""

from __future__ import annotations

import hashlib
import pickle
import zipfile
from fractions import Fraction
from pathlib import Path

import joblib
import numpy as np
import pytest
import skops.io as sio
import yaml
from helpers import FEATURES, classification_frame, fit_classifier

from gate.errors import InputError
from gate.inputs import models, skops_model
from gate.inputs.models import LoadPolicy, SklearnModel, load_model


@pytest.fixture(scope="module")
def frame():
    return classification_frame(200)


@pytest.fixture(scope="module")
def estimator(frame):
    return fit_classifier(frame)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mlflow_dir(path: Path, flavors: dict) -> Path:
    path.mkdir()
    (path / "MLmodel").write_text(yaml.safe_dump({"flavors": flavors}))
    return path


# --- every refusal names the model ----------------------------------------------------------

ROLES = [("model", "--model-sha256"), ("baseline model", "--baseline-model-sha256")]


def refusal(path: Path, rules: LoadPolicy | None = None, role: str = "model") -> str:
    with pytest.raises(InputError) as info:
        load_model(path, rules or LoadPolicy(), role=role)
    return str(info.value)


def test_a_missing_file_of_an_unknown_format_is_reported_missing(tmp_path):
    assert refusal(tmp_path / "none.h5") == f"model {tmp_path / 'none.h5'} not found"


def test_the_default_role_is_the_candidate_model(tmp_path):
    with pytest.raises(InputError, match=rf"^model {tmp_path / 'none.skops'} not found$"):
        load_model(tmp_path / "none.skops", LoadPolicy())


@pytest.mark.parametrize(("role", "flag"), ROLES)
def test_an_unpinned_pickle_is_refused_naming_the_flag_of_its_role(tmp_path, role, flag):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps({"not": "a model"}))
    message = refusal(path, role=role)
    assert message.startswith(f"{role} {path} is a pickle")
    digest = sha(path.read_bytes())
    assert f"pass --allow-pickle {flag} {digest} to load it" in message
    assert message.endswith(", or save the model with skops or ONNX instead")
    message = refusal(path, LoadPolicy(allow_pickle=True), role)
    assert message == (
        f"{role} {path}: --allow-pickle needs {flag} to pin the file's sha256 "
        f"(this file's is {digest})"
    )


@pytest.mark.parametrize(("role", "flag"), ROLES)
def test_a_pin_that_does_not_match_is_refused(tmp_path, role, flag):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps({"not": "a model"}))
    message = refusal(path, LoadPolicy(allow_pickle=True, sha256="ab" * 32), role)
    assert message == (
        f"{role} {path}: sha256 is {sha(path.read_bytes())}, which does not match the pin "
        f"{'ab' * 32}; refusing to unpickle it"
    )


def test_a_pin_in_upper_case_hex_matches(tmp_path, estimator):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(estimator))
    pin = sha(path.read_bytes()).upper()
    assert load_model(path, LoadPolicy(allow_pickle=True, sha256=pin)).format == "pkl"


@pytest.mark.parametrize("role", ["model", "baseline model"])
def test_a_pinned_file_that_is_not_a_pickle_is_named(tmp_path, role):
    path = tmp_path / "m.pickle"
    path.write_bytes(b"not a pickle")
    message = refusal(path, LoadPolicy(allow_pickle=True, sha256=sha(b"not a pickle")), role)
    assert message.startswith(f"{role} {path} could not be unpickled: ")


def test_a_pinned_object_without_predict_is_named_with_its_type(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps({"not": "a model"}))
    message = refusal(path, LoadPolicy(allow_pickle=True, sha256=sha(path.read_bytes())))
    assert message == f"model {path} holds a dict, which has no predict()"


@pytest.mark.parametrize("role", ["model", "baseline model"])
def test_an_unsupported_suffix_is_named(tmp_path, role):
    (tmp_path / "m.H5").write_bytes(b"x")
    assert refusal(tmp_path / "m.H5", role=role) == (
        f"{role} {tmp_path / 'm.H5'}: unsupported model format '.h5' "
        "(use .skops, .onnx, an MLflow model directory, or a pinned pickle)"
    )


@pytest.mark.parametrize("role", ["model", "baseline model"])
def test_a_file_that_is_not_a_skops_archive_is_named(tmp_path, role):
    (tmp_path / "m.skops").write_bytes(b"PK not really")
    message = refusal(tmp_path / "m.skops", role=role)
    assert message.startswith(f"{role} {tmp_path / 'm.skops'} is not a readable skops file: ")


def test_a_zip_that_skops_cannot_read_is_named(tmp_path):
    with zipfile.ZipFile(tmp_path / "m.skops", "w") as archive:
        archive.writestr("readme.txt", "no schema here")
    message = refusal(tmp_path / "m.skops")
    assert message.startswith(f"model {tmp_path / 'm.skops'} is not a readable skops file: ")


def test_an_onnx_file_that_does_not_load_is_named(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"not a model")
    assert refusal(tmp_path / "m.onnx", role="baseline model").startswith(
        f"baseline model {tmp_path / 'm.onnx'}"
    )


def test_untrusted_types_are_listed_one_a_line_with_what_to_do(tmp_path, frame):
    import operator

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = make_pipeline(FunctionTransformer(operator.neg), fit_classifier(frame))
    sio.dump(model.fit(frame[FEATURES], frame["y"]), tmp_path / "m.skops")
    lines = refusal(tmp_path / "m.skops", role="baseline model").splitlines()
    assert lines[0] == (
        f"baseline model {tmp_path / 'm.skops'} contains types that skops does not trust by "
        "default:"
    )
    assert lines[1] == f"  - _operator.neg: {skops_model.GENERIC_REASON}"
    assert lines[2:] == [
        "Review each one; pass --trust-type NAME only for those you trust to load and run "
        "(only if you made the file or fully trust its source)."
    ]


def test_skops_reasons_keep_their_explanation_and_drop_the_python_api_hint():
    from skops.io.exceptions import UNTRUSTED_TYPE_REASONS

    for name, reason in UNTRUSTED_TYPE_REASONS.items():
        shown = skops_model._reason(name)
        assert shown and reason.startswith(shown)
        assert "If you created the file yourself" not in shown
    assert skops_model._reason("not.a.known.Type") == skops_model.GENERIC_REASON


# --- MLflow directories ---------------------------------------------------------------------


def test_an_mlflow_directory_without_mlmodel_is_named(tmp_path):
    (tmp_path / "d").mkdir()
    assert refusal(tmp_path / "d", role="baseline model") == (
        f"baseline model {tmp_path / 'd'} is a directory without an MLmodel file"
    )


def test_the_mlmodel_file_is_named_when_it_is_malformed(tmp_path):
    model = tmp_path / "m"
    model.mkdir()
    (model / "MLmodel").write_text("flavors: [not, a, mapping]\n")
    message = refusal(model, role="baseline model")
    assert str(model / "MLmodel") in message and "baseline model" in message


def test_a_file_the_mlmodel_names_but_that_is_missing_is_named(tmp_path):
    model = mlflow_dir(
        tmp_path / "m", {"sklearn": {"pickled_model": "m.skops", "serialization_format": "skops"}}
    )
    assert refusal(model) == (
        f"model {model / 'm.skops'}: the MLmodel names it, but it is not a file in {model}"
    )


@pytest.mark.parametrize(("role", "flag"), ROLES)
def test_an_mlflow_pickle_needs_the_pin_flag_of_its_role(tmp_path, estimator, role, flag):
    model = mlflow_dir(
        tmp_path / "m", {"sklearn": {"pickled_model": "m.pkl", "serialization_format": "pickle"}}
    )
    (model / "m.pkl").write_bytes(pickle.dumps(estimator))
    message = refusal(model, LoadPolicy(allow_pickle=True), role)
    assert message == (
        f"{role} {model / 'm.pkl'}: --allow-pickle needs {flag} to pin the file's sha256 "
        f"(this file's is {sha((model / 'm.pkl').read_bytes())})"
    )


def test_an_mlflow_directory_with_too_many_files_is_refused(tmp_path, monkeypatch, estimator):
    model = mlflow_dir(
        tmp_path / "m", {"sklearn": {"pickled_model": "m.skops", "serialization_format": "skops"}}
    )
    sio.dump(estimator, model / "m.skops")
    monkeypatch.setattr(models, "MAX_MODEL_FILES", 2)
    assert load_model(model, LoadPolicy()).format == "mlflow-sklearn-skops"
    (model / "extra.txt").write_text("x")
    assert str(model) in refusal(model)


# --- digests and formats --------------------------------------------------------------------


def test_one_file_is_digested_as_itself(tmp_path, estimator):
    sio.dump(estimator, tmp_path / "m.skops")
    raw = (tmp_path / "m.skops").read_bytes()
    loaded = load_model(str(tmp_path / "m.skops"), LoadPolicy())
    assert (loaded.path, loaded.sha256, loaded.format) == (
        str(tmp_path / "m.skops"),
        sha(raw),
        "skops",
    )
    assert [(f.path, f.sha256) for f in loaded.files] == [(str(tmp_path / "m.skops"), sha(raw))]


def test_several_files_are_digested_as_their_sorted_listing(tmp_path, estimator):
    """LoadedModel: the lines "relative path NUL sha256" of all files, sorted."""
    model = mlflow_dir(
        tmp_path / "m", {"sklearn": {"pickled_model": "m.skops", "serialization_format": "skops"}}
    )
    sio.dump(estimator, model / "m.skops")
    (model / "a.txt").write_text("notes\n")
    rels = sorted(["MLmodel", "m.skops", "a.txt"])
    listing = "".join(f"{rel}\0{sha((model / rel).read_bytes())}\n" for rel in rels)
    loaded = load_model(model, LoadPolicy())
    assert loaded.path == str(model)
    assert loaded.sha256 == sha(listing.encode())
    assert [f.path for f in loaded.files] == [str(model / rel) for rel in rels]


@pytest.mark.parametrize(("name", "fmt"), [("m.pkl", "pkl"), ("M.Pickle", "pickle")])
def test_a_pickle_is_reported_by_its_suffix(tmp_path, estimator, frame, name, fmt):
    path = tmp_path / name
    path.write_bytes(pickle.dumps(estimator))
    loaded = load_model(path, LoadPolicy(allow_pickle=True, sha256=sha(path.read_bytes())))
    assert loaded.format == fmt
    np.testing.assert_array_equal(
        loaded.model.predict(frame[FEATURES]), estimator.predict(frame[FEATURES])
    )


def test_a_compressed_joblib_file_loads_through_joblib(tmp_path, estimator, frame):
    path = tmp_path / "m.joblib"
    joblib.dump(estimator, path, compress=3)  # not a plain pickle stream
    loaded = load_model(path, LoadPolicy(allow_pickle=True, sha256=sha(path.read_bytes())))
    assert loaded.format == "joblib"
    np.testing.assert_array_equal(
        loaded.model.predict(frame[FEATURES]), estimator.predict(frame[FEATURES])
    )


def test_an_mlflow_pickle_is_reported_as_such(tmp_path, estimator):
    model = mlflow_dir(
        tmp_path / "m", {"sklearn": {"pickled_model": "m.pkl", "serialization_format": "pickle"}}
    )
    (model / "m.pkl").write_bytes(pickle.dumps(estimator))
    pin = sha((model / "m.pkl").read_bytes())
    assert load_model(model, LoadPolicy(allow_pickle=True, sha256=pin)).format == (
        "mlflow-sklearn-pickle"
    )


# --- size limits at their boundaries --------------------------------------------------------


def onnx_with_external_weights(path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])],
        [numpy_helper.from_array(np.ones((3, 1), np.float32), "W")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save_model(model, path, save_as_external_data=True, location="w.bin", size_threshold=0)


def test_an_onnx_model_and_its_external_data_together_are_capped(tmp_path, monkeypatch):
    onnx_with_external_weights(tmp_path / "m.onnx")
    total = (tmp_path / "m.onnx").stat().st_size + (tmp_path / "w.bin").stat().st_size
    monkeypatch.setattr(models, "MAX_MODEL_TOTAL_BYTES", total)
    loaded = load_model(tmp_path / "m.onnx", LoadPolicy())
    assert [Path(f.path).name for f in loaded.files] == ["m.onnx", "w.bin"]
    monkeypatch.setattr(models, "MAX_MODEL_TOTAL_BYTES", total - 1)
    assert refusal(tmp_path / "m.onnx") == (
        f"model {tmp_path / 'm.onnx'} and its external data exceed {total - 1} bytes"
    )


def test_missing_external_data_is_named(tmp_path):
    onnx_with_external_weights(tmp_path / "m.onnx")
    (tmp_path / "w.bin").unlink()
    message = refusal(tmp_path / "m.onnx", role="baseline model")
    assert message.startswith(f"baseline model {tmp_path / 'm.onnx'}: external data w.bin")


def test_external_data_missing_from_an_mlflow_directory_is_named(tmp_path):
    model = mlflow_dir(tmp_path / "m", {"onnx": {"data": "model.onnx"}})
    onnx_with_external_weights(model / "model.onnx")
    (model / "w.bin").unlink()
    assert refusal(model) == (
        f"model {model / 'model.onnx'}: external data w.bin is not a file in the model directory"
    )


def compressible_skops(tmp_path: Path, padding: int) -> tuple[Path, int, int]:
    """A real skops model padded with spaces, deflated: (path, expanded size, file size)."""
    sio.dump(fit_classifier(classification_frame(100)), tmp_path / "real.skops")
    out = tmp_path / "padded.skops"
    with (
        zipfile.ZipFile(tmp_path / "real.skops") as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(
                info.filename, b" " * padding + data if info.filename == "schema.json" else data
            )
    with zipfile.ZipFile(out) as archive:
        expanded = sum(i.file_size for i in archive.infolist())
    return out, expanded, out.stat().st_size


def test_a_small_archive_may_compress_well(tmp_path):
    path, expanded, size = compressible_skops(tmp_path, 2 * 2**20)
    assert expanded > skops_model.MAX_SKOPS_RATIO * size
    assert expanded < skops_model.SKOPS_RATIO_FLOOR
    assert load_model(path, LoadPolicy()).format == "skops"


def test_the_expansion_ratio_applies_above_the_floor_up_to_the_limit(tmp_path, monkeypatch):
    path, expanded, size = compressible_skops(tmp_path, 2 * 2**20)
    monkeypatch.setattr(skops_model, "SKOPS_RATIO_FLOOR", expanded)  # at the floor: not applied
    monkeypatch.setattr(skops_model, "MAX_SKOPS_RATIO", 2)
    assert load_model(path, LoadPolicy()).format == "skops"
    monkeypatch.setattr(skops_model, "SKOPS_RATIO_FLOOR", expanded - 1)
    monkeypatch.setattr(skops_model, "MAX_SKOPS_RATIO", Fraction(expanded, size))  # exactly at it
    assert load_model(path, LoadPolicy()).format == "skops"
    monkeypatch.setattr(skops_model, "MAX_SKOPS_RATIO", 7)
    assert refusal(path) == (
        f"model {path} expands {expanded // size}-fold, over the 7-fold limit for a skops "
        "archive (a zip bomb?)"
    )


def test_an_ordinary_model_passes_the_ratio_check_at_any_size(tmp_path, monkeypatch, estimator):
    raw = sio.dumps(estimator, compression=zipfile.ZIP_DEFLATED)
    (tmp_path / "m.skops").write_bytes(raw)
    monkeypatch.setattr(skops_model, "SKOPS_RATIO_FLOOR", 0)
    assert load_model(tmp_path / "m.skops", LoadPolicy()).format == "skops"


def test_the_declared_size_is_named_when_over_the_limit(tmp_path, monkeypatch, estimator):
    sio.dump(estimator, tmp_path / "m.skops")
    with zipfile.ZipFile(tmp_path / "m.skops") as archive:
        expanded = sum(i.file_size for i in archive.infolist())
    monkeypatch.setattr(skops_model, "MAX_SKOPS_EXPANDED_BYTES", expanded - 1)
    assert refusal(tmp_path / "m.skops", role="baseline model") == (
        f"baseline model {tmp_path / 'm.skops'} expands to {expanded} bytes, over the "
        f"{expanded - 1} limit"
    )


# --- the estimator wrapper ------------------------------------------------------------------


def test_scores_are_the_probability_of_the_positive_class(frame, estimator):
    wrapped = SklearnModel(estimator)
    proba = estimator.predict_proba(frame[FEATURES])
    np.testing.assert_array_equal(wrapped.predict_scores(frame[FEATURES], 1), proba[:, 1])
    np.testing.assert_array_equal(wrapped.predict_scores(frame[FEATURES], "0"), proba[:, 0])
    np.testing.assert_array_equal(
        wrapped.predict(frame[FEATURES]), estimator.predict(frame[FEATURES])
    )


def test_a_positive_label_the_model_does_not_know_is_refused(frame, estimator):
    with pytest.raises(InputError) as info:
        SklearnModel(estimator).predict_scores(frame[FEATURES], "yes")
    assert str(info.value) == "positive_label 'yes' is not one of the model's classes (0, 1)"


def test_without_probabilities_the_decision_function_scores(frame):
    from sklearn.svm import LinearSVC

    svm = LinearSVC().fit(frame[FEATURES], frame["y"])
    scores = SklearnModel(svm).predict_scores(frame[FEATURES], 1)
    assert scores.dtype == float
    np.testing.assert_allclose(scores, svm.decision_function(frame[FEATURES]))


def test_a_model_with_neither_gives_no_scores(frame):
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(frame[FEATURES], frame["y"])
    assert not hasattr(model, "predict_proba") and not hasattr(model, "decision_function")
    assert SklearnModel(model).predict_scores(frame[FEATURES], 1) is None


def test_feature_names_come_from_the_fitted_columns(frame, estimator):
    assert SklearnModel(estimator).feature_names == tuple(FEATURES)
    bare = fit_classifier(frame).fit(frame[FEATURES].to_numpy(), frame["y"])
    assert SklearnModel(bare).feature_names is None


class Votes:
    """A sklearn-style classifier whose decision values are integer vote counts."""

    classes_ = np.array([0, 1])

    def predict(self, X):
        return (self.decision_function(X) > 1).astype(int)

    def decision_function(self, X):
        return (X["x1"] > 0).astype(int).to_numpy() + (X["x2"] > 0).astype(int).to_numpy()


def test_scores_are_floats_even_from_integer_decision_values(frame):
    scores = SklearnModel(Votes()).predict_scores(frame[FEATURES], 1)
    assert scores.dtype == np.float64
    np.testing.assert_array_equal(scores, Votes().decision_function(frame[FEATURES]))


# --- more refusals, each naming the file at fault -------------------------------------------


def test_a_skops_archive_that_skops_cannot_load_is_named(tmp_path, estimator):
    sio.dump(estimator, tmp_path / "real.skops")
    with (
        zipfile.ZipFile(tmp_path / "real.skops") as src,
        zipfile.ZipFile(tmp_path / "m.skops", "w") as dst,
    ):
        for info in src.infolist():  # every array replaced by bytes that are not one
            dst.writestr(info, src.read(info) if info.filename == "schema.json" else b"junk")
    message = refusal(tmp_path / "m.skops", role="baseline model")
    assert message.startswith(
        f"baseline model {tmp_path / 'm.skops'} could not be loaded by skops: "
    )


def test_a_skops_file_without_a_model_is_named(tmp_path):
    sio.dump({"weights": [1, 2]}, tmp_path / "m.skops")
    assert (
        refusal(tmp_path / "m.skops")
        == f"model {tmp_path / 'm.skops'} holds a dict, which has no predict()"
    )


def unknown_op_onnx() -> bytes:
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("NoSuchOperator", ["X"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


def test_an_onnx_graph_the_runtime_refuses_is_named(tmp_path):
    (tmp_path / "m.onnx").write_bytes(unknown_op_onnx())
    message = refusal(tmp_path / "m.onnx", role="baseline model")
    assert message.startswith(f"baseline model {tmp_path / 'm.onnx'} is not a loadable ONNX model")
    model = mlflow_dir(tmp_path / "d", {"onnx": {"data": "model.onnx"}})
    (model / "model.onnx").write_bytes(unknown_op_onnx())
    assert refusal(model).startswith(f"model {model / 'model.onnx'} is not a loadable ONNX model")


def test_external_data_symlinked_out_names_the_model_and_the_file(tmp_path):
    (tmp_path / "d").mkdir()
    onnx_with_external_weights(tmp_path / "d" / "m.onnx")
    (tmp_path / "d" / "w.bin").rename(tmp_path / "w.bin")
    (tmp_path / "d" / "w.bin").symlink_to(tmp_path / "w.bin")
    message = refusal(tmp_path / "d" / "m.onnx")
    assert message.startswith(
        f"model {tmp_path / 'd' / 'm.onnx'}: external data w.bin is a symlink"
    )


def test_an_mlflow_onnx_model_is_found_in_a_subdirectory_with_its_external_data(tmp_path, frame):
    model = mlflow_dir(tmp_path / "m", {"onnx": {"data": "sub/model.onnx"}})
    (model / "sub").mkdir()
    onnx_with_external_weights(model / "sub" / "model.onnx")  # w.bin next to it, in sub/
    loaded = load_model(model, LoadPolicy())
    assert (loaded.path, loaded.format) == (str(model), "mlflow-onnx")
    assert str(model / "sub" / "w.bin") in {f.path for f in loaded.files}
    x = frame[FEATURES].head()
    np.testing.assert_allclose(loaded.model.predict(x), x.sum(axis=1), rtol=1e-6)


def test_mlflow_external_data_outside_the_directory_names_the_onnx_file(tmp_path):
    import onnx

    model = mlflow_dir(tmp_path / "m", {"onnx": {"data": "model.onnx"}})
    onnx_with_external_weights(model / "model.onnx")
    proto = onnx.load_model(model / "model.onnx", load_external_data=False)
    for entry in proto.graph.initializer[0].external_data:
        if entry.key == "location":
            entry.value = "../w.bin"
    (model / "model.onnx").write_bytes(proto.SerializeToString())
    message = refusal(model, role="baseline model")
    assert message.startswith(
        f"baseline model {model / 'model.onnx'}: external data location '../w.bin'"
    )
