"""YAML read from input files (model cards, MLmodel): positions kept, expansion bounded.

Errors are InputErrors naming the file (and line:column where the parser knows it), never a
PolicyError: these files are inputs, not policies.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from gate.errors import InputError, PolicyError
from gate.policy.yamlpos import Path_, SourcedDoc, load_yaml

# Aliases can make a small document expand exponentially ("billion laughs"); a model card or an
# MLmodel file has at most a few thousand values, so anything past this is refused unbuilt.
MAX_YAML_NODES = 100_000


def parse_yaml(text: str, file: str, role: str) -> SourcedDoc:
    """One YAML document with positions; InputError ("model card c.yaml:3:7: ...") for syntax,
    duplicate keys, or a document that nests or expands too far."""
    try:
        _require_bounded(text, f"{role} {file}")
        return load_yaml(text, file)
    except PolicyError as exc:
        raise InputError("; ".join(f"{role} {loc}: {msg}" for loc, msg in exc.problems)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        raise InputError(f"{role} {where}: invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{role} {file}: invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(f"{role} {file}: YAML nested too deeply") from None


def _require_bounded(text: str, what: str) -> None:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is not None and _expanded_size(node, {}) > MAX_YAML_NODES:
        raise InputError(
            f"{what}: YAML expands to more than {MAX_YAML_NODES} values (through aliases)"
        )


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """The number of nodes once every alias is expanded (shared nodes counted once each use)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = MAX_YAML_NODES + 1  # a cycle through aliases expands without end
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, memo) for item in node.value)
    else:
        size = 1
    memo[id(node)] = size
    return size


def require_finite(doc: SourcedDoc, role: str) -> None:
    """InputError at the first NaN or infinite number (or an integer too large for a float)."""
    for path, value in _numbers(doc.data, ()):
        if not _finite(value):
            key = ".".join(str(p) for p in path) or "(top level)"
            raise InputError(f"{role} {doc.loc(path)}: '{key}' is {value!r}, not a finite number")


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _numbers(node: Any, path: Path_) -> list[tuple[Path_, int | float]]:
    if isinstance(node, dict):
        return [n for k, v in node.items() for n in _numbers(v, (*path, k))]
    if isinstance(node, list):
        return [n for i, v in enumerate(node) for n in _numbers(v, (*path, i))]
    if isinstance(node, int | float) and not isinstance(node, bool):
        return [(path, node)]
    return []
