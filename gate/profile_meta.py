"""Whether a saved profile fits a run: the settings both must share, and the parts it holds."""

from __future__ import annotations

import json
from typing import Any

from gate.errors import InputError


def require_same_meta(theirs: dict[str, Any], ours: dict[str, Any], what: str) -> None:
    """InputError naming every setting in which a saved profile differs from this run, or
    each part the run needs that the profile does not hold (holding more is fine)."""
    differences = [
        f"{key} {_shown(theirs, key)} there, {_shown(ours, key)} here"
        for key in _keys(theirs) | _keys(ours)
        if _get(theirs, key) != _get(ours, key) and not key.startswith("holds.")
    ]
    if differences:
        raise InputError(
            f"{what} was built with other settings ({'; '.join(sorted(differences))}): "
            "build it again with `model-gate profile` and this policy"
        )
    lacking = _lacking(theirs.get("holds") or {}, ours.get("holds") or {})
    if lacking:
        raise InputError(
            f"{what} does not hold {'; '.join(lacking)}, which this run needs: build it again "
            "with `model-gate profile` and this policy (with --model for the model's outputs)"
        )


def _lacking(theirs: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """What `ours` holds that `theirs` does not, in words."""
    from gate.backends.profiling import ALL

    lacking = []
    if ours.get("hashes") and not theirs.get("hashes"):
        lacking.append("row hashes")
    if ours.get("outputs") and not theirs.get("outputs"):
        lacking.append("the model's outputs (score / prediction)")
    held = set(theirs.get("group_columns") or ())
    needed = set(ours.get("group_columns") or ()) - held
    if needed and ALL not in held:
        named = "every column" if ALL in needed else ", ".join(sorted(needed))
        lacking.append(f"per-group column profiles of {named}")
    return lacking


def _keys(meta: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in meta.items():
        name = f"{prefix}{key}"
        keys |= _keys(value, f"{name}.") if isinstance(value, dict) else {name}
    return keys


def _get(meta: dict[str, Any], key: str) -> Any:
    value: Any = meta
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _shown(meta: dict[str, Any], key: str) -> str:
    value = _get(meta, key)
    return "unset" if value is None else json.dumps(value)
