"""The profile file: a ZIP of `profile.json` (everything but arrays) and one .npy per array.

Format (version 1): `profile.json` holds {"format": "model-gate-profile", "version": 1, "tool",
"task", "features", "groups", "group_rows", "classes", "meta" (binding and bins: what must
match to compare or merge; "holds": which of the parts below it has), "inputs" (path and sha256 of
the data, model and policy it was built from), "columns", "parts", and since version 2 "hashes"
(row hashes), "outputs" ({"score", "prediction"} column profiles) and "group_columns" (per group
cell, column profiles), each null when not held}; wherever an array belongs, the JSON has
{"$array": NAME} and the array is the member `arrays/NAME.npy` (numpy's format, read without
pickle). Rows are never stored: a profile is statistics only. A file whose parts disagree with
what its meta says it holds, or whose hashes are not sorted unique pairs, is refused as damaged.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from gate.engine.profile import VERSION, Profile, part_type
from gate.errors import InputError
from gate.inputs.files import MiB, read_regular

FORMAT = "model-gate-profile"
MAX_FILE = 512 * MiB
MAX_MEMBERS = 100_000
MAX_UNPACKED = 1024 * MiB  # profiles are statistics: megabytes, not gigabytes


def save(profile: Profile, path: str | Path, inputs: dict[str, Any], tool: str) -> None:
    """Write `profile` to `path` atomically (a temporary file renamed into place)."""
    arrays: dict[str, np.ndarray] = {}
    parts = {
        which: {
            name: _pack(part.to_arrays(), f"{which}.{name}", arrays) for name, part in p.items()
        }
        for which, p in (("candidate", profile.candidate), ("baseline", profile.baseline))
        if p is not None
    }
    document = {
        "format": FORMAT,
        "version": VERSION,
        "tool": tool,
        "task": profile.task,
        "features": list(profile.features),
        "groups": [list(g) for g in profile.groups],
        "group_rows": profile.group_rows.tolist(),
        "classes": list(profile.classes),
        "meta": profile.meta,
        "inputs": inputs,
        "columns": _columns(profile.columns, "columns", arrays),
        "parts": parts,
        "hashes": None if profile.hashes is None else _pack(profile.hashes.to_dict(), "h", arrays),
        "outputs": None if profile.outputs is None else _columns(profile.outputs, "o", arrays),
        "group_columns": None
        if profile.group_columns is None
        else [_columns(c, f"g.{i}", arrays) for i, c in enumerate(profile.group_columns)],
    }
    target = Path(path)
    handle, temp = tempfile.mkstemp(prefix=".profile-", dir=target.parent or ".")
    try:
        with os.fdopen(handle, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("profile.json", json.dumps(document, indent=1, allow_nan=False))
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.save(buffer, array, allow_pickle=False)
                z.writestr(f"arrays/{name}.npy", buffer.getvalue())
        os.chmod(temp, 0o644)  # a profile is shared (CI artifacts), like report.json
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _columns(columns: dict[str, Any], name: str, arrays: dict[str, np.ndarray]) -> Any:
    """Column profiles by name, their arrays named by position (names may hold any text)."""
    return {
        column: _pack(c.to_dict(), f"{name}.{i}", arrays)
        for i, (column, c) in enumerate(columns.items())
    }


def _pack(value: Any, name: str, arrays: dict[str, np.ndarray]) -> Any:
    """`value` with each numpy array replaced by {"$array": name} and stored in `arrays`."""
    if isinstance(value, np.ndarray):
        arrays[name] = value
        return {"$array": name}
    if isinstance(value, dict):
        return {k: _pack(v, f"{name}.{k}", arrays) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_pack(v, f"{name}.{i}", arrays) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    return value


def is_profile(path: str | Path) -> bool:
    """Whether `path` names a profile file (by its suffix) rather than a data file."""
    return Path(path).suffix.lower() == ".profile"


def load(path: str | Path, role: str = "profile") -> tuple[Profile, dict[str, Any], str]:
    """(the profile, the inputs it was built from, the file's sha256); InputError naming the
    file when it is not a readable profile of this version."""
    from gate.inputs.files import sha256_hex

    what = f"{role} {path}"
    raw = read_regular(path, MAX_FILE, what)
    try:
        document, arrays = _unzip(raw, what)
        profile = Profile(
            task=str(document["task"]),
            features=tuple(document["features"]),
            groups=tuple(tuple(str(v) for v in g) for g in document["groups"]),
            group_rows=np.asarray(document["group_rows"], dtype=np.int64),
            candidate=_parts(document["parts"].get("candidate"), arrays),
            baseline=_parts(document["parts"].get("baseline"), arrays),
            columns=_profiles(document["columns"], arrays),
            classes=tuple(document["classes"]),
            meta=document["meta"],
            hashes=_hashes(document["hashes"], arrays),
            outputs=_optional(document["outputs"], arrays),
            group_columns=None
            if document["group_columns"] is None
            else tuple(_profiles(c, arrays) for c in document["group_columns"]),
        )
        _require_held(profile)
    except InputError:
        raise
    except Exception as exc:  # any failure to read a crafted file is the file's
        raise InputError(
            f"{what} is damaged or not a model-gate profile: {type(exc).__name__}: {exc}"
        ) from None
    if profile.group_rows.ndim != 1 or len(profile.groups) != len(profile.group_rows):
        raise InputError(f"{what} is damaged: {len(profile.groups)} groups, row counts differ")
    return profile, document.get("inputs", {}), sha256_hex(raw)


def _unzip(raw: bytes, what: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise InputError(f"{what} is not a model-gate profile (not a ZIP file)") from None
    members = {m.filename: m for m in archive.infolist()}
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members.values()) > MAX_UNPACKED:
        raise InputError(f"{what} unpacks to more than a profile can hold")
    if "profile.json" not in members:
        raise InputError(f"{what} is not a model-gate profile (no profile.json)")
    document = json.loads(archive.read("profile.json"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{what} is not a model-gate profile")
    if document.get("version") != VERSION:
        raise InputError(
            f"{what} is a version {document.get('version')} profile; this model-gate reads "
            f"version {VERSION}: build it again with `model-gate profile`"
        )
    arrays = {
        name: _array(archive, members.get(f"arrays/{name}.npy"), name)
        for name in sorted(_references(document))
    }
    return document, arrays


def _references(value: Any) -> set[str]:
    """The array names profile.json refers to: only these members are read."""
    if isinstance(value, dict):
        if set(value) == {"$array"}:
            return {str(value["$array"])}
        return set().union(*(_references(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value))
    return set()


def _array(archive: zipfile.ZipFile, member: zipfile.ZipInfo | None, name: str) -> np.ndarray:
    """One .npy member, its header checked against its size before any data is read."""
    if member is None:
        raise ValueError(f"array {name} is missing")
    with archive.open(member) as fh:
        version = np.lib.format.read_magic(fh)
        fmt = np.lib.format
        header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, _, dtype = header(fh)
        if dtype.hasobject:
            raise ValueError(f"array {name} holds Python objects")
        if int(np.prod(shape, dtype=object)) * dtype.itemsize > member.file_size:
            raise ValueError(f"array {name} declares more data than it holds")
    return np.load(io.BytesIO(archive.read(member)), allow_pickle=False)


def _unpack(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$array"}:
            return arrays[value["$array"]]
        if set(value) == {"$float"} and value["$float"] in ("inf", "-inf", "nan"):
            return float(value["$float"])
        return {k: _unpack(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpack(v, arrays) for v in value]
    return value


def _profiles(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    from gate.engine.columns import ColumnProfile

    found = {name: ColumnProfile.from_dict(_unpack(c, arrays)) for name, c in document.items()}
    for name, column in found.items():
        if column.name != name:
            raise ValueError(f"column {name!r} holds the profile of {column.name!r}")
    return found


def _optional(document: dict[str, Any] | None, arrays: dict[str, np.ndarray]) -> Any:
    return None if document is None else _profiles(document, arrays)


def _hashes(document: dict[str, Any] | None, arrays: dict[str, np.ndarray]) -> Any:
    from gate.engine.row_hashes import RowHashes

    return None if document is None else RowHashes.from_dict(_unpack(document, arrays))


def _require_held(profile: Profile) -> None:
    """ValueError unless the parts are those the meta says the profile holds, and shaped so."""
    holds = profile.meta.get("holds") or {}
    said = (bool(holds.get("hashes")), bool(holds.get("outputs")), bool(holds.get("group_columns")))
    found = (
        profile.hashes is not None,
        profile.outputs is not None,
        profile.group_columns is not None,
    )
    if said != found:
        raise ValueError(
            f"its meta says it holds {said}, it holds {found} (hashes, outputs, groups)"
        )
    if profile.outputs is not None and not set(profile.outputs) <= {"score", "prediction"}:
        raise ValueError(f"unknown output columns {sorted(profile.outputs)}")
    cells = profile.group_columns
    if cells is not None and len(cells) != len(profile.groups):
        raise ValueError(
            f"{len(cells)} cells of per-group columns for {len(profile.groups)} groups"
        )
    if profile.hashes is not None and profile.hashes.rows != profile.rows:
        raise ValueError(
            f"row hashes of {profile.hashes.rows} rows in a {profile.rows}-row profile"
        )


def _parts(document: dict[str, Any] | None, arrays: dict[str, np.ndarray]) -> Any:
    if document is None:
        return None
    return {name: part_type(name).from_arrays(_unpack(a, arrays)) for name, a in document.items()}
