"""Let a pack parameter "${name}" stand for every value of the published policy schema.

Run after adding a key to gate/schemas/policy.schema.json (tests/policy/
test_schema_placeholders.py lists the values that do not take one yet):

    python tools/schema_placeholders.py

Each value schema that refuses "${p}" becomes `{"anyOf": [{"$ref": "#/$defs/placeholder"},
<its schema>], <its description, examples, default>}`; values under `parameters:` (which the
loader does not fill in) and the `if` that picks a check type are left alone. Running it twice
changes nothing. gate.policy.schema_doc.filled_schema() takes the alternatives out again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).resolve().parents[1] / "gate" / "schemas" / "policy.schema.json"
REF = {"$ref": "#/$defs/placeholder"}
NOTES = ("title", "description", "examples", "default", "deprecated", "$comment")
DATA = ("if", "propertyNames", "examples", "default", "const", "enum")  # no value schemas inside


def with_placeholders(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with a placeholder alternative at every value that lacks one."""

    def takes(sub: Any) -> bool:
        return Draft202012Validator({**sub, "$defs": schema["$defs"]}).is_valid("${p}")

    def wrap(sub: Any) -> Any:
        if not isinstance(sub, dict) or takes(sub):
            return sub
        notes = {k: v for k, v in sub.items() if k in NOTES}
        return {"anyOf": [REF, {k: v for k, v in sub.items() if k not in NOTES}], **notes}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, sub in node.items():
            if key in DATA:
                out[key] = sub
            elif key in ("properties", "patternProperties"):
                out[key] = {k: wrap(walk(s)) for k, s in sub.items()}
            elif key in ("additionalProperties", "items"):
                out[key] = wrap(walk(sub))
            elif key == "prefixItems":
                out[key] = [wrap(walk(s)) for s in sub]
            else:
                out[key] = walk(sub)
        return out

    result = walk(schema)
    result["properties"]["parameters"] = schema["properties"]["parameters"]
    return result


def main() -> None:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    SCHEMA.write_text(json.dumps(with_placeholders(schema), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
