"""ONNX models through onnxruntime: one tensor input, or one input per column.

The model and its external data are handed to onnxruntime as bytes already read (and digested)
by the caller, so the session never opens a file of its own.

What the model is (classifier or regressor, and its classes) is read from the graph before any
data is: a classifier or regressor node of the ONNX-ML domain (skl2onnx writes
`LinearClassifier`, `TreeEnsembleClassifier`, `SVMClassifier` with their class labels, and
`*Regressor`), else the outputs: a single float output of one value a row is a regressor's, a
first output of integer or string labels a classifier's (its classes counted from a
probability output's columns). `found` says which, for the message that refuses it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gate.errors import InputError

_NUMPY_TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(string)": np.str_,
    "tensor(bool)": np.bool_,
}

_KINDS = {"tensor(string)": "categorical", "tensor(bool)": "categorical"}  # others: numbers


def external_locations(raw: bytes, what: str) -> list[str]:
    """The external-data files the model's tensors name, each a relative path that stays in
    the model's directory (normalised, POSIX); InputError for any other."""
    import onnx
    from google.protobuf.message import DecodeError
    from onnx.external_data_helper import ExternalDataInfo, _get_all_tensors, uses_external_data

    try:
        proto = onnx.load_model_from_string(raw)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise InputError(f"{what} is not a loadable ONNX model: {exc}") from None
    tensors = [*_get_all_tensors(proto)]
    for sparse in proto.graph.sparse_initializer:
        tensors += [sparse.values, sparse.indices]
    names = {ExternalDataInfo(t).location for t in tensors if uses_external_data(t)}
    return sorted(_checked_location(name, what) for name in names)


def _checked_location(location: str, what: str) -> str:
    clean = posixpath.normpath(location.replace("\\", "/")) if location else ""
    if not location or clean.startswith(("/", "../")) or clean == ".." or ":" in clean[:2]:
        raise InputError(
            f"{what}: external data location {location!r} is not a path inside the "
            "model's directory"
        )
    return location


ML_DOMAIN = "ai.onnx.ml"
_LABEL_ATTRIBUTES = ("classlabels_ints", "classlabels_int64s", "classlabels_strings")
_FLOATS = ("tensor(float)", "tensor(double)", "tensor(float16)")
_LABELS = ("tensor(int64)", "tensor(int32)", "tensor(string)", "tensor(bool)")


@dataclass(frozen=True)
class Kind:
    """What an ONNX model is, as far as its graph says, and where that was read."""

    kind: str | None  # "classifier", "regressor", or None when the graph does not say
    classes: tuple[str, ...] | None = None  # the class labels, when a node names them
    class_count: int | None = None  # the number of classes, when known
    found: str = ""  # 'a TreeEnsembleRegressor node', "its only output 'y' is tensor(float) ..."


def model_kind(proto: Any, outputs: list[Any]) -> Kind:
    """The kind of the model `proto` (an onnx ModelProto) whose session outputs are `outputs`."""
    nodes = [n for n in proto.graph.node if n.domain == ML_DOMAIN]
    judged = [n for n in nodes if n.op_type.endswith(("Classifier", "Regressor"))]
    if judged:
        node = judged[-1]  # the last one computes the outputs
        if node.op_type.endswith("Regressor"):
            return Kind("regressor", found=f"a {node.op_type} node")
        classes = _class_labels(node)
        shown = f" of classes {', '.join(classes)}" if classes else ""
        count = len(classes) if classes else None
        return Kind("classifier", classes, count, f"a {node.op_type} node{shown}")
    return _kind_of_outputs(outputs)


def _class_labels(node: Any) -> tuple[str, ...] | None:
    from onnx import helper

    for attribute in node.attribute:
        if attribute.name in _LABEL_ATTRIBUTES:
            values = helper.get_attribute_value(attribute)
            return tuple(v.decode() if isinstance(v, bytes) else str(v) for v in values)
    return None


def _shape(output: Any) -> str:
    return "[" + ", ".join("N" if not isinstance(d, int) else str(d) for d in output.shape) + "]"


def _kind_of_outputs(outputs: list[Any]) -> Kind:
    first = outputs[0]
    one_value = len(first.shape) <= 1 or first.shape[-1] == 1
    if len(outputs) == 1 and first.type in _FLOATS and one_value:
        found = f"its only output '{first.name}' is {first.type} of shape {_shape(first)}"
        return Kind("regressor", found=found)
    if first.type in _LABELS and len(outputs) > 1:
        columns = outputs[1].shape[-1] if outputs[1].shape else None
        count = columns if isinstance(columns, int) and columns > 1 else None
        found = f"its outputs '{first.name}' ({first.type} labels) and '{outputs[1].name}'"
        found += f" ({count} probability columns)" if count else ""
        return Kind("classifier", class_count=count, found=found)
    return Kind(None)


def load_onnx(raw: bytes, what: str, external: dict[str, bytes]) -> OnnxModel:
    """A CPU inference session on `raw`, its external data served from `external` (location ->
    bytes) in memory; InputError if the model is not usable."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if external:
        names = list(external)
        buffers = [np.frombuffer(external[n], dtype=np.uint8) for n in names]
        options.add_external_initializers_from_files_in_memory(
            names, buffers, [len(b) for b in buffers]
        )
    try:
        session = ort.InferenceSession(raw, options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise InputError(f"{what} is not a loadable ONNX model: {exc}") from None
    import onnx

    proto = onnx.load_model_from_string(raw)  # the graph only: external data stays unread
    return OnnxModel(session, model_kind(proto, session.get_outputs()))


class OnnxModel:
    """Feeds columns by input name (one input per column) or as one float matrix."""

    def __init__(self, session: Any, kind: Kind | None = None) -> None:
        self.session = session
        known = kind or Kind(None)
        #: what the graph says the model is (read by gate.inputs.requirements)
        self.kind, self.classes = known.kind, known.classes
        self.class_count, self.found = known.class_count, known.found
        self.inputs = session.get_inputs()
        per_column = len(self.inputs) > 1
        self.feature_names = tuple(i.name for i in self.inputs) if per_column else None
        #: the kind of data each named input takes, as column profiles name kinds
        self.feature_kinds = (
            {i.name: _KINDS.get(i.type, "numeric") for i in self.inputs} if per_column else None
        )

    def _feed(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        if self.feature_names is not None:
            return {
                i.name: X[i.name]
                .to_numpy()
                .astype(_NUMPY_TYPES.get(i.type, np.float32))
                .reshape(-1, 1)
                for i in self.inputs
            }
        only = self.inputs[0]
        return {only.name: X.to_numpy().astype(_NUMPY_TYPES.get(only.type, np.float32))}

    def _run(self, X: pd.DataFrame) -> list[Any]:
        return self.session.run(None, self._feed(X))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self._run(X)[0]).reshape(len(X), -1)[:, 0]

    def predict_scores(self, X: pd.DataFrame, positive_label: Any) -> np.ndarray | None:
        """The positive class's probability from a zipmap or an (n, classes) tensor output."""
        outputs = self._run(X)
        if len(outputs) < 2:
            return None
        probs = outputs[1]
        if isinstance(probs, list) and probs and isinstance(probs[0], dict):
            keys = {str(k): k for k in probs[0]}
            if str(positive_label) not in keys:
                raise InputError(
                    f"positive_label {positive_label!r} is not one of the ONNX "
                    f"model's classes ({', '.join(keys)})"
                )
            key = keys[str(positive_label)]
            return np.array([row[key] for row in probs], dtype=float)
        probs = np.asarray(probs, dtype=float)
        labels = sorted({str(v) for v in np.asarray(outputs[0]).ravel()} | {str(positive_label)})
        column = labels.index(str(positive_label)) if probs.shape[1] == len(labels) else -1
        return probs[:, column]

    def predict_probabilities(self, X: pd.DataFrame) -> np.ndarray | None:
        """Every class's probability, columns in the order of the classes the graph names
        (None: no probability output, or classes the graph does not name)."""
        outputs = self._run(X)
        if len(outputs) < 2 or not self.classes:
            return None
        probs = outputs[1]
        if isinstance(probs, list) and probs and isinstance(probs[0], dict):
            keys = {str(k): k for k in probs[0]}
            if set(keys) != set(self.classes):
                return None
            return np.array([[row[keys[c]] for c in self.classes] for row in probs], dtype=float)
        probs = np.asarray(probs, dtype=float)
        return probs if probs.ndim == 2 and probs.shape[1] == len(self.classes) else None
