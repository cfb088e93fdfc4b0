"""The policy JSON Schema document shipped in the package, and how its parts are named."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from gate.policy.yamlpos import Path_

POLICY_SCHEMA_FILE = "policy.schema.json"


@cache
def policy_schema() -> dict[str, Any]:
    """The policy JSON Schema shipped in the package."""
    text = resources.files("gate.schemas").joinpath(POLICY_SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


def check_types() -> dict[str, dict[str, Any]]:
    """The schema of each check type, by type name."""
    defs = policy_schema()["$defs"]
    refs = (branch["then"]["$ref"] for branch in defs["check"]["allOf"])
    by_name = (defs[ref.rsplit("/", 1)[1]] for ref in refs)
    return {s["properties"]["type"]["const"]: s for s in by_name}


def dotted(path: Path_) -> str:
    """A readable key path: checks[0].baseline.max_drop."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
