"""MLflow model directories: which file holds the model, read from a checked MLmodel."""

from __future__ import annotations

import dataclasses
import json
import posixpath
from dataclasses import dataclass
from typing import Any

from gate.errors import InputError
from gate.inputs.yaml_input import parse_yaml
from gate.policy.yamlpos import SourcedDoc

SKLEARN_FORMATS = ("pickle", "cloudpickle", "skops")


@dataclass(frozen=True)
class Flavor:
    """The flavour the gate loads: sklearn (in a serialization format) or onnx, and its file."""

    name: str
    file: str  # relative POSIX path inside the directory, normalised
    serialization: str = ""
    kinds: dict[str, str] | None = None  # the signature's input columns -> kind, when declared


#: MLflow column types (mlflow.types.DataType) -> the kinds column profiles name
SIGNATURE_KINDS = {
    "boolean": "categorical",
    "string": "categorical",
    "binary": "categorical",
    "integer": "numeric",
    "long": "numeric",
    "float": "numeric",
    "double": "numeric",
    "datetime": "datetime",
}


def flavor_of(mlmodel: bytes, file: str, role: str) -> Flavor:
    """The flavour (see _flavor) with the kinds of the signature's input columns."""
    doc = _document(mlmodel, file, role)
    return dataclasses.replace(_flavor(doc, file, role), kinds=_signature_kinds(doc, role))


def _document(mlmodel: bytes, file: str, role: str) -> SourcedDoc:
    try:
        text = mlmodel.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{role} {file} is not UTF-8 text: {exc}") from None
    doc = parse_yaml(text, file, role)
    if doc.data is not None and not isinstance(doc.data, dict):
        raise InputError(f"{role} {doc.loc(())}: MLmodel must be a mapping")
    return doc


def _signature_kinds(doc: SourcedDoc, role: str) -> dict[str, str] | None:
    """{column: kind} from a column-based `signature.inputs` (a JSON list of {name, type});
    None without one or for a tensor signature; InputError naming the key when malformed."""
    raw = _get(doc, ("signature", "inputs"))
    if raw is None:
        return None
    where = f"{role} {doc.loc(('signature', 'inputs'))}"
    try:
        columns = json.loads(raw) if isinstance(raw, str) else None
    except ValueError as exc:
        raise InputError(f"{where}: 'signature.inputs' is not JSON: {exc}") from None
    if not isinstance(columns, list) or not all(isinstance(c, dict) for c in columns):
        raise InputError(f"{where}: 'signature.inputs' must be a JSON list of columns")
    if any(c.get("type") == "tensor" for c in columns):
        return None  # a tensor signature: shapes, not columns
    named = [c for c in columns if isinstance(c.get("name"), str)]
    return {c["name"]: SIGNATURE_KINDS.get(str(c.get("type")), "any") for c in named} or None


def _flavor(doc: SourcedDoc, file: str, role: str) -> Flavor:
    """The sklearn or onnx flavour the MLmodel file declares; InputError naming the file and
    the key for any malformed part."""
    flavors = _mapping(doc, ("flavors",), role)
    if "sklearn" in flavors:
        _mapping(doc, ("flavors", "sklearn"), role)
        fmt = _string(doc, ("flavors", "sklearn", "serialization_format"), "cloudpickle", role)
        if fmt not in SKLEARN_FORMATS:
            loc = doc.loc(("flavors", "sklearn", "serialization_format"))
            raise InputError(
                f"{role} {loc}: serialization_format {fmt!r} is not one of "
                f"{', '.join(SKLEARN_FORMATS)}"
            )
        default = "model.skops" if fmt == "skops" else "model.pkl"
        key = ("flavors", "sklearn", "pickled_model")
        return Flavor("sklearn", _inside(doc, key, _string(doc, key, default, role), role), fmt)
    if "onnx" in flavors:
        _mapping(doc, ("flavors", "onnx"), role)
        key = ("flavors", "onnx", "data")
        return Flavor("onnx", _inside(doc, key, _string(doc, key, "model.onnx", role), role))
    raise InputError(
        f"{role} {file}: MLmodel has no sklearn or onnx flavour "
        f"(found: {', '.join(map(str, flavors)) or 'none'})"
    )


def _get(doc: SourcedDoc, path: tuple[str, ...]) -> Any:
    node = doc.data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _mapping(doc: SourcedDoc, path: tuple[str, ...], role: str) -> dict[str, Any]:
    value = _get(doc, path)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{role} {doc.loc(path)}: '{'.'.join(path)}' must be a mapping")
    return value


def _string(doc: SourcedDoc, path: tuple[str, ...], default: str, role: str) -> str:
    value = _get(doc, path)
    if value is None:
        return default
    if not isinstance(value, str) or not value:
        raise InputError(f"{role} {doc.loc(path)}: '{'.'.join(path)}' must be a non-empty string")
    return value


def _inside(doc: SourcedDoc, path: tuple[str, ...], name: str, role: str) -> str:
    """`name` as a normalised relative path that stays inside the model directory."""
    clean = posixpath.normpath(name)
    if posixpath.isabs(clean) or clean == ".." or clean.startswith("../") or "\\" in name:
        raise InputError(
            f"{role} {doc.loc(path)}: '{'.'.join(path)}' is {name!r}, which leaves the model "
            "directory; the model must be a file inside it"
        )
    return clean
