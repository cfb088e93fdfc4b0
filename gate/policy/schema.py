"""Validate a parsed policy document against the published JSON Schema, with positions."""

from __future__ import annotations

import difflib
import json
import math
from functools import cache
from importlib import resources
from typing import Any

from gate.errors import Location
from gate.policy.yamlpos import Path_, SourcedDoc


@cache
def policy_schema() -> dict[str, Any]:
    """The policy JSON Schema shipped in the package."""
    text = resources.files("gate.schemas").joinpath("policy.schema.json").read_text("utf-8")
    return json.loads(text)


def did_you_mean(word: str, options: list[str] | set[str]) -> str:
    """'; did you mean 'x'?' for the closest option, or ''."""
    close = difflib.get_close_matches(str(word), sorted(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def dotted(path: Path_) -> str:
    """A readable key path: checks[0].baseline.max_drop."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def schema_problems(
    doc: SourcedDoc, schema: dict[str, Any] | None = None
) -> list[tuple[Location, str]]:
    """Every violation of `schema` (default: the policy schema) in `doc`, each with the
    location of the key or value at fault."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema or policy_schema())
    problems = []
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.path))):
        problems.extend(_explain(err, doc))
    return sorted(set(problems), key=lambda p: (p[0].line or 0, p[0].column or 0, p[1]))


def _explain(err: Any, doc: SourcedDoc) -> list[tuple[Location, str]]:
    path = tuple(err.absolute_path)
    where = dotted(path)
    if err.validator == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        extra = [k for k in err.instance if k not in allowed]
        return [
            (
                doc.loc((*path, k), key=True),
                f"unknown key '{k}' in {where}{did_you_mean(k, allowed)}",
            )
            for k in extra
        ]
    if err.validator == "required":
        return [(doc.loc(path), f"{where}: {err.message}")]
    if err.validator == "enum":
        hint = did_you_mean(err.instance, [str(o) for o in err.validator_value if o is not None])
        options = ", ".join(str(o) for o in err.validator_value if o is not None)
        known = hint or f" (one of: {options})"
        return [(doc.loc(path), f"{where}: {err.instance!r} is not a known value{known}")]
    if err.validator == "const":
        return [(doc.loc(path), f"{where} must be {err.validator_value!r}, not {err.instance!r}")]
    if err.validator == "type":
        expected = err.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        got = type(err.instance).__name__
        return [(doc.loc(path), f"{where} must be of type {expected}, not {got}")]
    return [(doc.loc(path), f"{where}: {err.message}")]


def non_finite(doc: SourcedDoc) -> list[tuple[Location, str]]:
    """A problem for every NaN or infinite number anywhere in `doc` (.nan, .inf, 1e999)."""
    found = []
    stack: list[tuple[Path_, Any]] = [((), doc.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            message = f"{dotted(path)}: {value} is not a finite number"
            found.append((doc.loc(path), message))
    return sorted(found, key=lambda p: (p[0].line or 0, p[0].column or 0))
