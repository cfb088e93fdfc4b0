"""Candidate and baseline models behind one small interface.

Safe formats load by default: skops, trusting exactly the types skops itself trusts by default,
and ONNX. Pickle and joblib files execute code when loaded, so they load only with an explicit
opt-in *and* a sha256 pin that matches. Every file a model is made of is read once, bounded, and
only if it is a regular file; the pin, the recorded digests and the loader all see those bytes.
"""

from __future__ import annotations

import io
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from gate.errors import InputError
from gate.inputs.files import (
    FileDigest,
    GiB,
    read_regular,
    read_tree,
    require_inside,
    sha256_hex,
)
from gate.inputs.mlflow_model import flavor_of
from gate.inputs.registry import is_registry_uri
from gate.inputs.sklearn_model import SklearnModel, require_fitted
from gate.inputs.skops_model import load_skops

KINDS = {
    ".skops": "skops",
    ".onnx": "onnx",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "joblib",
}
PICKLE_KINDS = ("pickle", "joblib")
# Each file of a model is held in memory while it loads (2 GiB is also protobuf's limit for an
# ONNX file); all the files of one model (an MLflow directory, ONNX external data) together.
MAX_MODEL_FILE_BYTES = 2 * GiB
MAX_MODEL_TOTAL_BYTES = 4 * GiB
MAX_MODEL_FILES = 10_000


class Model(Protocol):
    """What the gate needs of a model."""

    feature_names: tuple[str, ...] | None

    def predict(self, X: pd.DataFrame) -> np.ndarray: ...

    def predict_scores(self, X: pd.DataFrame, positive_label: Any) -> np.ndarray | None: ...


@dataclass(frozen=True)
class LoadPolicy:
    """What the user allowed: pickles (with a pin) and extra skops types."""

    allow_pickle: bool = False
    sha256: str | None = None
    trusted_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadedModel:
    """A model, where it came from, and every file it was loaded from.

    `sha256` is the digest of the one model file, or, for a model made of several files, of
    the lines "relative path NUL sha256" of all of them, sorted.
    """

    model: Model
    path: str
    sha256: str | None  # None only for an in-memory estimator skops cannot serialise
    format: str
    files: tuple[FileDigest, ...] = ()
    note: str | None = None  # why there is no sha256
    role: str = "model"  # "model" | "baseline model": how messages name it
    registry: dict[str, Any] | None = None  # a registry model's resolved facts (registry.py)

    @property
    def what(self) -> str:
        """How messages name it: "model m.skops", "baseline model <in-memory SVC>"."""
        return f"{self.role} {self.path}"


def load_model(path: str | Path, rules: LoadPolicy, role: str = "model") -> LoadedModel:
    """Load the model at `path` by its format; InputError for anything unusable."""
    if is_registry_uri(path):
        from gate.inputs.registry import load_registry_model

        return load_registry_model(str(path), rules, role)
    path = Path(path)
    if path.is_dir():
        return _load_mlflow_dir(path, rules, role)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        if not path.exists():
            raise InputError(f"{role} {path} not found")
        raise InputError(
            f"{role} {path}: unsupported model format '{path.suffix.lower()}' "
            "(use .skops, .onnx, an MLflow model directory, or a pinned pickle)"
        )
    what = f"{role} {path}"
    raw = read_regular(path, MAX_MODEL_FILE_BYTES, what)
    files = {path.name: raw}
    external: dict[str, bytes] = {}
    if kind == "onnx":
        external = _external_from_disk(raw, path, what)
        files.update({posixpath.normpath(loc): data for loc, data in external.items()})
    model = _from_bytes(raw, kind, what, rules, role, external)
    fmt = path.suffix.lower().lstrip(".") if kind in PICKLE_KINDS else kind
    return _loaded(model, path.parent, files, fmt, str(path), role)


def _loaded(
    model: Model, base: Path, files: dict[str, bytes], fmt: str, path: str, role: str
) -> LoadedModel:
    digests = {rel: sha256_hex(data) for rel, data in sorted(files.items())}
    listed = tuple(FileDigest(str(base / rel), d) for rel, d in digests.items())
    return LoadedModel(model, path, combined_sha256(files), fmt, listed, role=role)


def combined_sha256(files: dict[str, bytes]) -> str:
    """One file's sha256, or for several the sha256 of their sorted "path NUL sha256" lines."""
    digests = {rel: sha256_hex(data) for rel, data in sorted(files.items())}
    if len(digests) == 1:
        return next(iter(digests.values()))
    return sha256_hex("".join(f"{rel}\0{d}\n" for rel, d in digests.items()).encode())


def _external_from_disk(raw: bytes, path: Path, what: str) -> dict[str, bytes]:
    """The ONNX model's external data files, each inside the model's directory."""
    from gate.inputs.onnx_model import external_locations

    base, out, total = path.parent.resolve(), {}, len(raw)
    for loc in external_locations(raw, what):
        where = f"{what}: external data {loc}"
        require_inside(path.parent / loc, base, where)
        out[loc] = read_regular(path.parent / loc, MAX_MODEL_FILE_BYTES, where)
        total += len(out[loc])
        if total > MAX_MODEL_TOTAL_BYTES:
            raise InputError(f"{what} and its external data exceed {MAX_MODEL_TOTAL_BYTES} bytes")
    return out


def _from_bytes(
    raw: bytes, kind: str, what: str, rules: LoadPolicy, role: str, external: dict[str, bytes]
) -> Model:
    if kind == "skops":
        return _wrap(load_skops(raw, what, rules.trusted_types), what)
    if kind == "onnx":
        from gate.inputs.onnx_model import load_onnx

        return load_onnx(raw, what, external)
    _require_pickle_pin(raw, what, rules, role)
    return _unpickle(raw, kind, what)


def _require_pickle_pin(raw: bytes, what: str, rules: LoadPolicy, role: str) -> None:
    """Refuse to unpickle unless allowed and pinned to exactly these bytes."""
    flag = "--model-sha256" if role == "model" else "--baseline-model-sha256"
    digest = sha256_hex(raw)  # of the bytes read, which are the bytes that would be unpickled
    if not rules.allow_pickle:
        raise InputError(
            f"{what} is a pickle, and loading a pickle runs code from the file. "
            f"Refused: if you trust this very file, pass --allow-pickle {flag} {digest} "
            "to load it, or save the model with skops or ONNX instead"
        )
    if not rules.sha256:
        raise InputError(
            f"{what}: --allow-pickle needs {flag} to pin the file's sha256 "
            f"(this file's is {digest})"
        )
    if rules.sha256.lower() != digest:
        raise InputError(
            f"{what}: sha256 is {digest}, which does not match the pin "
            f"{rules.sha256}; refusing to unpickle it"
        )


def _unpickle(raw: bytes, kind: str, what: str) -> SklearnModel:
    """Unpickle the very bytes whose digest matched the pin."""
    try:
        if kind == "joblib":
            import joblib

            obj = joblib.load(io.BytesIO(raw))
        else:
            import pickle

            obj = pickle.loads(raw)
    except Exception as exc:
        raise InputError(f"{what} could not be unpickled: {exc}") from None
    return _wrap(obj, what)


def _load_mlflow_dir(path: Path, rules: LoadPolicy, role: str) -> LoadedModel:
    """An MLflow model directory: its sklearn (pickle/cloudpickle/skops) or onnx flavour.

    The whole directory is read (and digested) once; the model loads from those bytes."""
    if not (path / "MLmodel").is_file():
        raise InputError(f"{role} {path} is a directory without an MLmodel file")
    what = f"{role} {path}"
    files = read_tree(path, MAX_MODEL_FILE_BYTES, MAX_MODEL_TOTAL_BYTES, MAX_MODEL_FILES, what)
    if "MLmodel" not in files:
        raise InputError(f"{role} {path} is a directory without an MLmodel file")
    flavor = flavor_of(files["MLmodel"], str(path / "MLmodel"), role)
    inner = f"{role} {path / flavor.file}"
    if flavor.file not in files:
        raise InputError(f"{inner}: the MLmodel names it, but it is not a file in {path}")
    raw, external = files[flavor.file], {}
    if flavor.name == "onnx":
        external = _external_in(files, flavor.file, inner)
        model = _from_bytes(raw, "onnx", inner, rules, role, external)
        fmt = "mlflow-onnx"
    else:
        kind = "skops" if flavor.serialization == "skops" else "pickle"
        model = _from_bytes(raw, kind, inner, rules, role, external)
        fmt = f"mlflow-sklearn-{flavor.serialization}"
    if flavor.kinds:  # the signature declares its input columns' types: the expected kinds
        model.feature_kinds = flavor.kinds  # type: ignore[attr-defined]
    return _loaded(model, path, files, fmt, str(path), role)


def _external_in(files: dict[str, bytes], onnx_file: str, what: str) -> dict[str, bytes]:
    """The external data of the ONNX file `onnx_file`, from the directory already read."""
    from gate.inputs.onnx_model import external_locations

    base, out = posixpath.dirname(onnx_file), {}
    for loc in external_locations(files[onnx_file], what):
        rel = posixpath.normpath(posixpath.join(base, loc))
        if rel not in files:
            raise InputError(f"{what}: external data {loc} is not a file in the model directory")
        out[loc] = files[rel]
    return out


def _wrap(obj: Any, what: str) -> SklearnModel:
    if not hasattr(obj, "predict"):
        raise InputError(f"{what} holds a {type(obj).__name__}, which has no predict()")
    require_fitted(obj, what)
    return SklearnModel(obj)
