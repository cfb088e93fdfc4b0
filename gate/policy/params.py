"""Pack parameters: a pack declares `parameters:` (with defaults) and uses them as whole-value
placeholders "${name}"; a policy that extends it sets them with `params:`."""

from __future__ import annotations

import re
from typing import Any

from gate.errors import Location
from gate.policy.schema_doc import dotted
from gate.policy.yamlpos import Filled, Path_, SourcedDoc

PLACEHOLDER = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
Given = dict[str, tuple[Any, Location]]


def substitute(doc: SourcedDoc, given: Given) -> list[tuple[Location, str]]:
    """Replace every placeholder in `doc` (in place); returns the problems found.

    A value set by a child's `params:` is located at that entry from then on (`doc.filled`):
    what it breaks is reported there, noting where in `doc` it was used."""
    declared = doc.data.get("parameters")
    declared = declared if isinstance(declared, dict) else {}  # the schema reports the rest
    problems: list[tuple[Location, str]] = []

    def walk(node: Any, path: Path_) -> Any:
        if isinstance(node, dict):
            return {
                k: (v if path == () and k == "parameters" else walk(v, (*path, k)))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(v, (*path, i)) for i, v in enumerate(node)]
        match = PLACEHOLDER.match(node) if isinstance(node, str) else None
        if not match:
            return node
        name = match.group(1)
        if name in given:
            value, at = given[name]
            note = f" (params '{name}' sets {dotted(path)} at {doc.loc(path)})"
            doc.filled[path] = Filled(at.file, at.line, at.column, note)
            return value
        if isinstance(declared.get(name), dict) and "default" in declared[name]:
            return declared[name]["default"]
        problems.append(
            (
                doc.loc(path),
                f"'${{{name}}}' is not a declared parameter of "
                f"{doc.file} (declare it under 'parameters:')",
            )
        )
        return node

    doc.data = walk(doc.data, ())
    return problems


def own_params(doc: SourcedDoc) -> Given:
    """The `params:` a policy sets, with their locations."""
    params = doc.data.get("params") or {}
    return {k: (v, doc.loc(("params", k), key=True)) for k, v in params.items()}
