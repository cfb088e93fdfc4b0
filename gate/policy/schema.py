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


MAX_WHOLE = 2**53  # beyond this a whole number is no longer exact as a float


def non_finite(doc: SourcedDoc, under: Path_ = ()) -> list[tuple[Location, str]]:
    """A problem for every number in `doc` (or in its part at `under`) that is not a finite
    float: NaN, infinite (.nan, .inf, 1e999), or a whole number beyond ±2**53 (which a float
    cannot hold exactly, and beyond about 1e308 not at all)."""
    found = []
    stack: list[tuple[Path_, Any]] = [(under, _at(doc.data, under))]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            found.append((doc.loc(path), f"{dotted(path)}: {value} is not a finite number"))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WHOLE:
            message = f"{dotted(path)}: {_digits(value)} is too large (the limit is ±2**53)"
            found.append((doc.loc(path), message))
    return sorted(found, key=lambda p: (p[0].line or 0, p[0].column or 0))


def _at(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def _digits(value: int) -> str:
    """A whole number short enough for a message (no 400-digit lines)."""
    if value.bit_length() <= 64:
        return str(value)
    return f"a number of about {math.ceil(value.bit_length() * math.log10(2))} digits"
