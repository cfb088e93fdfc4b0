"""The policy JSON Schema document shipped in the package, and how its parts are named.

The published schema (what editors read) lets a pack parameter "${name}" stand for any value:
each such value's schema is `{"anyOf": [{"$ref": "#/$defs/placeholder"}, <the value's own
schema>], <its description, examples, default>}`. The loader fills the parameters in first and
then checks the document with `filled_schema()`: the same schema without those alternatives,
so a wrong value gets the value's own message ("must be of type number"), and a placeholder
left unfilled is no number either.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from gate.policy.yamlpos import Path_

POLICY_SCHEMA_FILE = "policy.schema.json"
PLACEHOLDER = {"$ref": "#/$defs/placeholder"}


@cache
def policy_schema() -> dict[str, Any]:
    """The policy JSON Schema shipped in the package (placeholders allowed)."""
    text = resources.files("gate.schemas").joinpath(POLICY_SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


@cache
def filled_schema() -> dict[str, Any]:
    """The policy schema for a document whose parameters are filled in: no placeholders."""
    schema = without_placeholders(policy_schema())
    del schema["$defs"]["placeholder"]
    return schema


def without_placeholders(node: Any) -> Any:
    """`node` (a schema or part of one) with every placeholder alternative taken out."""
    if isinstance(node, list):
        return [without_placeholders(n) for n in node]
    if not isinstance(node, dict):
        return node
    branches = node.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and branches[0] == PLACEHOLDER:
        notes = {k: v for k, v in node.items() if k != "anyOf"}
        return {**without_placeholders(branches[1]), **notes}
    return {k: without_placeholders(v) for k, v in node.items()}


def check_types() -> dict[str, dict[str, Any]]:
    """The schema of each check type, by type name (placeholders filled in)."""
    defs = filled_schema()["$defs"]
    refs = (branch["then"]["$ref"] for branch in defs["check"]["allOf"])
    by_name = (defs[ref.rsplit("/", 1)[1]] for ref in refs)
    return {s["properties"]["type"]["const"]: s for s in by_name}


def dotted(path: Path_) -> str:
    """A readable key path: checks[0].baseline.max_drop."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
