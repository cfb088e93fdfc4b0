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
import reprlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

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
    """The policy's canonical JSON bytes; PolicyError naming the key path of anything JSON
    cannot carry (a key that is not text, a NaN or infinite number, an object)."""
    text = json.dumps(
        _plain(policy, (), ()), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return text.encode("utf-8")


def _plain(node: Any, path: Path_, above: tuple[int, ...]) -> Any:
    """`node` as plain JSON data: dates as ISO text, numpy arrays as lists and numpy scalars as
    Python values; PolicyError at `path` for anything else (`above`: the containers around)."""
    if type(node).__module__ == "numpy" and callable(getattr(node, "tolist", None)):
        return _plain(node.tolist(), path, above)  # an array's list, a scalar's Python value
    if isinstance(node, float) and not math.isfinite(node):
        _refuse(path, f"{node} is not a finite number")
    if node is None or isinstance(node, str | int | float):
        return node
    if isinstance(node, dt.date):
        return node.isoformat()
    if isinstance(node, Mapping | list | tuple):
        if id(node) in above:
            _refuse(path, "the policy dict contains itself here (a cycle)")
        return _container(node, path, (*above, id(node)))
    _refuse(path, f"{type(node).__name__} {reprlib.repr(node)} is not plain data "
            "(text, a number, a boolean, a date, a list or a dict)")  # fmt: skip


def _container(node: Any, path: Path_, above: tuple[int, ...]) -> Any:
    if not isinstance(node, Mapping):
        return [_plain(value, (*path, i), above) for i, value in enumerate(node)]
    for key in node:
        if not isinstance(key, str):
            shown = f"{type(key).__name__} {reprlib.repr(key)}"
            _refuse((*path, f"<key {reprlib.repr(key)}>"), f"a key must be text, not {shown}")
    return {key: _plain(value, (*path, key), above) for key, value in node.items()}


def _refuse(path: Path_, message: str) -> NoReturn:
    raise PolicyError([(Location(LABEL), f"{dotted(path)}: {message}")])
