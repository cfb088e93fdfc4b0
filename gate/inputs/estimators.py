"""A fitted estimator given in memory (the Python API), wrapped like a loaded skops model.

It is trusted: the caller already holds it in their process, so the pickle and skops rules,
which guard files on disk, do not apply. Its digest is the sha256 of its skops serialisation
made canonical — skops names the objects of its schema and the members of its archive by
`id()`, which changes on every dump — by renumbering those ids in order of appearance, then
hashing the schema as sorted JSON and each member's bytes in that order. When skops cannot
serialise the object the digest is None and `note` says why.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from typing import Any

from gate.errors import InputError
from gate.inputs.models import LoadedModel, LoadPolicy, SklearnModel, load_model, require_fitted

FORMAT = "in-memory"


def open_model(model: Any, rules: LoadPolicy, role: str = "model") -> LoadedModel:
    """A model file (see load_model) or an in-memory estimator."""
    if isinstance(model, str | os.PathLike):
        return load_model(model, rules, role)
    return in_memory(model, role)


def in_memory(estimator: Any, role: str = "model") -> LoadedModel:
    """`estimator` behind the model interface; InputError if it cannot predict."""
    label = f"<in-memory {type(estimator).__name__}>"
    if not callable(getattr(estimator, "predict", None)):
        raise InputError(
            f"{role} {label} has no predict(): give a fitted scikit-learn-style estimator "
            "or the path of a model file"
        )
    require_fitted(estimator, f"{role} {label}")
    digest, note = skops_digest(estimator)
    return LoadedModel(SklearnModel(estimator), label, digest, FORMAT, note=note, role=role)


def skops_digest(estimator: Any) -> tuple[str | None, str | None]:
    """(sha256 of the canonical skops serialisation, None) or (None, why there is none)."""
    try:
        import skops.io as sio

        raw = sio.dumps(estimator)
    except Exception as exc:  # skops refuses what it cannot represent, in many ways
        return None, f"skops cannot serialise it ({type(exc).__name__}: {exc})"
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        ids: dict[Any, int] = {}
        members: dict[str, str] = {}
        schema = _renumbered(json.loads(archive.read("schema.json")), ids, members)
        digest = hashlib.sha256(json.dumps(schema, sort_keys=True).encode())
        for name in members:
            digest.update(archive.read(name))
    return digest.hexdigest(), None


def _renumbered(node: Any, ids: dict[Any, int], members: dict[str, str]) -> Any:
    """The skops schema with `__id__` values and member file names numbered by appearance."""
    if isinstance(node, list):
        return [_renumbered(item, ids, members) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "__id__":
            out[key] = ids.setdefault(value, len(ids))
        elif key == "file" and isinstance(value, str):
            out[key] = members.setdefault(value, f"{len(members)}")
        else:
            out[key] = _renumbered(value, ids, members)
    return out
