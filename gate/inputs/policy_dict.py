"""A policy given as a dict (the Python API), read by the same loader as a policy file.

The dict is written as canonical JSON (keys sorted, no spaces, UTF-8; dates as ISO text, as
the loader reads YAML dates) and those bytes are parsed, validated and digested exactly as a
file's would be: the same errors (naming the key), and report.json's policy sha256 is the
sha256 of that canonical JSON. The policy is named LABEL, and a place in it by its key path
("<policy dict> checks[0].metric") where a file's would be a line; relative `extends:` paths
start from the working directory.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from gate.errors import Location, PolicyError
from gate.policy.loader import load_policy
from gate.policy.model import Policy
from gate.policy.schema import dotted
from gate.policy.yamlpos import Path_, load_yaml

LABEL = "<policy dict>"


def load_any(policy: str | Path | Mapping[str, Any]) -> Policy:
    """The policy at a path (or `builtin:NAME`), or the policy given as a mapping."""
    if isinstance(policy, Mapping):
        return _load_dict(policy)
    if not isinstance(policy, str | Path):
        raise PolicyError(
            [(Location(LABEL), f"a policy is a path or a dict, not {type(policy).__name__}")]
        )
    return load_policy(policy)


def _load_dict(policy: Mapping[str, Any]) -> Policy:
    """The policy from its canonical JSON, its locations turned into key paths."""
    raw = canonical_json(policy)
    paths = _key_paths(raw)
    try:
        loaded = load_policy(LABEL, raw)
    except PolicyError as exc:
        raise PolicyError([_problem(loc, msg, paths) for loc, msg in exc.problems]) from None
    checks = tuple(replace(c, location=_named(c.location, paths)) for c in loaded.checks)
    waivers = tuple(replace(w, location=_named(w.location, paths)) for w in loaded.waivers)
    return replace(loaded, checks=checks, waivers=waivers)


def _key_paths(raw: bytes) -> dict[tuple[int | None, int | None], Path_]:
    """Each position in the canonical JSON and the key path of what starts there."""
    doc = load_yaml(raw.decode("utf-8"), LABEL)
    return {pos: path for table in (doc.values, doc.keys) for path, pos in table.items()}


def _problem(loc: Location, message: str, paths: dict[Any, Path_]) -> tuple[Location, str]:
    """A problem located by key path, unless its message starts with that path already."""
    named = _named(loc, paths)
    key = named.file[len(LABEL) + 1 :]
    return (Location(LABEL) if key and message.startswith(key) else named), message


def _named(loc: Location, paths: dict[tuple[int | None, int | None], Path_]) -> Location:
    """A location in the canonical JSON as the key path it points at."""
    if loc.file != LABEL:
        return loc  # a file the policy extends
    path = paths.get((loc.line, loc.column))
    return Location(LABEL if path is None else f"{LABEL} {dotted(path)}")


def canonical_json(policy: Mapping[str, Any]) -> bytes:
    """The policy's canonical JSON bytes; PolicyError naming a key JSON cannot carry."""
    bad = _non_finite(policy, ())
    if bad is not None:
        raise PolicyError(
            [(Location(LABEL), f"{dotted(bad)}: {_value_at(policy, bad)} is not a finite number")]
        )
    try:
        text = json.dumps(
            policy, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
        )
    except (TypeError, ValueError) as exc:
        raise PolicyError(
            [(Location(LABEL), f"the policy dict is not plain data: {exc}")]
        ) from None
    return text.encode("utf-8")


def _plain(value: Any) -> Any:
    """Dates as ISO text, numpy scalars as Python numbers; anything else is refused."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    raise TypeError(f"{type(value).__name__} {value!r} is not a JSON value")


def _non_finite(node: Any, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """The path of the first NaN or infinite number in `node`, or None."""
    if isinstance(node, float) and not math.isfinite(node):
        return path
    items = (
        node.items()
        if isinstance(node, Mapping)
        else enumerate(node)
        if isinstance(node, list | tuple)
        else ()
    )
    for key, value in items:
        found = _non_finite(value, (*path, key))
        if found is not None:
            return found
    return None


def _value_at(node: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        node = node[key]
    return node
