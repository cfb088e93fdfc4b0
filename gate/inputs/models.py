"""Candidate and baseline models behind one small interface.

Safe formats load by default (skops with a trusted-types allow-list, ONNX). Pickle and joblib
files execute code when loaded, so they load only with an explicit opt-in *and* a sha256 pin that
matches; the digest is checked before a byte is unpickled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from gate.errors import InputError
from gate.inputs.files import sha256_of

PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib"}
# Only scikit-learn's own types are trusted without review; anything else (numpy functions,
# builtins, third-party classes) must be named with --trust-type.
TRUSTED_MODULES = ("sklearn.",)


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
    """A model and where it came from."""

    model: Model
    path: str
    sha256: str
    format: str


def load_model(path: str | Path, rules: LoadPolicy, role: str = "model") -> LoadedModel:
    """Load the model at `path` by its format; InputError for anything unusable."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{role} {path} not found")
    if path.is_dir():
        return _load_mlflow_dir(path, rules, role)
    suffix = path.suffix.lower()
    digest = sha256_of(path)
    if suffix == ".skops":
        return LoadedModel(_load_skops(path, rules, role), str(path), digest, "skops")
    if suffix == ".onnx":
        from gate.inputs.onnx_model import load_onnx

        return LoadedModel(load_onnx(path, role), str(path), digest, "onnx")
    if suffix in PICKLE_SUFFIXES:
        _require_pickle_pin(path, digest, rules, role)
        return LoadedModel(_unpickle(path, role), str(path), digest, suffix.lstrip("."))
    raise InputError(
        f"{role} {path}: unsupported model format '{suffix}' "
        "(use .skops, .onnx, an MLflow model directory, or a pinned pickle)"
    )


def _require_pickle_pin(path: Path, digest: str, rules: LoadPolicy, role: str) -> None:
    """Refuse to unpickle unless allowed and pinned to this exact file."""
    flag = "--model-sha256" if role == "model" else "--baseline-model-sha256"
    if not rules.allow_pickle:
        raise InputError(
            f"{role} {path} is a pickle, and loading a pickle runs code from the file. "
            f"Refused: pass --allow-pickle and {flag} <sha256 of the file> to load it, "
            "or save the model with skops or ONNX instead"
        )
    if not rules.sha256:
        raise InputError(f"{role} {path}: --allow-pickle needs {flag} to pin the file's sha256")
    if rules.sha256.lower() != digest:
        raise InputError(
            f"{role} {path}: sha256 is {digest}, which does not match the pin "
            f"{rules.sha256}; refusing to unpickle it"
        )


def _unpickle(path: Path, role: str) -> SklearnModel:
    try:
        if path.suffix.lower() == ".joblib":
            import joblib

            obj = joblib.load(path)
        else:
            import pickle

            with path.open("rb") as fh:
                obj = pickle.load(fh)
    except Exception as exc:
        raise InputError(f"{role} {path} could not be unpickled: {exc}") from None
    return _wrap(obj, path, role)


def _load_skops(path: Path, rules: LoadPolicy, role: str) -> SklearnModel:
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise InputError(f"{role} {path} is not a readable skops file: {exc}") from None
    unknown = [
        t for t in untrusted if not t.startswith(TRUSTED_MODULES) and t not in rules.trusted_types
    ]
    if unknown:
        raise InputError(
            f"{role} {path} contains types outside the trusted allow-list: "
            f"{', '.join(unknown)}; review them, then pass --trust-type NAME "
            "for each one you trust"
        )
    try:
        obj = sio.load(path, trusted=list(untrusted))
    except Exception as exc:
        raise InputError(f"{role} {path} could not be loaded by skops: {exc}") from None
    return _wrap(obj, path, role)


def _load_mlflow_dir(path: Path, rules: LoadPolicy, role: str) -> LoadedModel:
    """An MLflow model directory: its sklearn (pickle/cloudpickle/skops) or onnx flavour."""
    import yaml

    mlmodel = path / "MLmodel"
    if not mlmodel.is_file():
        raise InputError(f"{role} {path} is a directory without an MLmodel file")
    try:
        flavors = (yaml.safe_load(mlmodel.read_text("utf-8")) or {}).get("flavors", {})
    except yaml.YAMLError as exc:
        raise InputError(f"{mlmodel} is not valid YAML: {exc}") from None
    if "sklearn" in flavors:
        sk = flavors["sklearn"]
        inner = path / sk.get("pickled_model", "model.pkl")
        fmt = sk.get("serialization_format", "cloudpickle")
        if fmt == "skops":
            model = _load_skops(inner, rules, role)
        else:
            _require_pickle_pin(inner, sha256_of(inner), rules, role)
            model = _unpickle(inner, role)
        return LoadedModel(model, str(path), sha256_of(path), f"mlflow-sklearn-{fmt}")
    if "onnx" in flavors:
        from gate.inputs.onnx_model import load_onnx

        inner = path / flavors["onnx"].get("data", "model.onnx")
        return LoadedModel(load_onnx(inner, role), str(path), sha256_of(path), "mlflow-onnx")
    raise InputError(
        f"{role} {path}: MLmodel has no sklearn or onnx flavour "
        f"(found: {', '.join(flavors) or 'none'})"
    )


def _wrap(obj: Any, path: Path, role: str) -> SklearnModel:
    if not hasattr(obj, "predict"):
        raise InputError(f"{role} {path} holds a {type(obj).__name__}, which has no predict()")
    return SklearnModel(obj)


class SklearnModel:
    """A scikit-learn-compatible estimator."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator
        names = getattr(estimator, "feature_names_in_", None)
        self.feature_names = tuple(str(n) for n in names) if names is not None else None

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.estimator.predict(X))

    def predict_scores(self, X: pd.DataFrame, positive_label: Any) -> np.ndarray | None:
        """The positive class's probability (or decision function when there is none)."""
        if hasattr(self.estimator, "predict_proba"):
            classes = [str(c) for c in self.estimator.classes_]
            if str(positive_label) not in classes:
                raise InputError(
                    f"positive_label {positive_label!r} is not one of the model's "
                    f"classes ({', '.join(classes)})"
                )
            column = classes.index(str(positive_label))
            return np.asarray(self.estimator.predict_proba(X))[:, column].astype(float)
        if hasattr(self.estimator, "decision_function"):
            return np.asarray(self.estimator.decision_function(X), dtype=float)
        return None
