"""Validate a parsed policy document against the published JSON Schema, with positions."""

from __future__ import annotations

import math
from typing import Any

from gate.errors import Location
from gate.policy.schema_doc import check_types, dotted, filled_schema, policy_schema
from gate.policy.schema_messages import explain
from gate.policy.suggest import did_you_mean
from gate.policy.yamlpos import Path_, SourcedDoc

__all__ = [
    "check_types",
    "did_you_mean",
    "dotted",
    "filled_schema",
    "non_finite",
    "policy_schema",
    "schema_problems",
]

Found = list[tuple[Path_, Location, str]]  # (path of the value at fault, location, message)


def schema_problems(
    doc: SourcedDoc, schema: dict[str, Any] | None = None
) -> list[tuple[Location, str]]:
    """Every violation of `schema` (default: the policy schema with its parameters filled in)
    in `doc`, each with the location of the key or value at fault."""
    return [(loc, message) for _, loc, message in schema_findings(doc, schema)]


def schema_findings(doc: SourcedDoc, schema: dict[str, Any] | None = None) -> Found:
    """schema_problems, each with the path of the value at fault (a missing key's path for a
    required one), so the semantic rules can leave those values alone."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema or filled_schema())
    found: set[tuple[Path_, Location, str]] = set()
    for err in validator.iter_errors(doc.data):
        found.update(explain(err, doc))
    return sorted(found, key=lambda f: (f[1].line or 0, f[1].column or 0, f[2], str(f[0])))


WHOLE = "a whole float where the schema asks for an integer"


def whole_floats(doc: SourcedDoc, schema: dict[str, Any] | None = None) -> list[Path_]:
    """The paths of the floats in `doc` that are whole (2000.0, YAML 1.2's 2e3) where the
    schema asks for an integer (or one of whole numbers): JSON Schema lets them pass as
    integers, and the loader turns
    them into ints, so a count written 5e3 is read as 5000, not as 5000.0 (review13b #7)."""
    from jsonschema import Draft202012Validator, ValidationError, validators

    plain_type = Draft202012Validator.VALIDATORS["type"]

    def typed(validator: Any, types: Any, instance: Any, node: dict[str, Any]) -> Any:
        named = [types] if isinstance(types, str) else list(types)
        whole = isinstance(instance, float) and math.isfinite(instance) and instance.is_integer()
        if whole and named == ["integer"]:  # a count; a union (a label value) keeps its type
            yield ValidationError(WHOLE)
        yield from plain_type(validator, types, instance, node)

    plain_enum = Draft202012Validator.VALIDATORS["enum"]

    def listed(validator: Any, values: Any, instance: Any, node: dict[str, Any]) -> Any:
        whole = isinstance(instance, float) and math.isfinite(instance) and instance.is_integer()
        if whole and values and all(type(v) is int for v in values):
            yield ValidationError(WHOLE)
        yield from plain_enum(validator, values, instance, node)

    marking = validators.extend(Draft202012Validator, {"type": typed, "enum": listed})
    found: set[Path_] = set()
    stack = list(marking(schema or filled_schema()).iter_errors(doc.data))
    while stack:
        err = stack.pop()
        if err.message == WHOLE:
            found.add(tuple(err.absolute_path))
        stack.extend(err.context or ())
    return sorted(found, key=str)


def as_integers(doc: SourcedDoc, paths: list[Path_]) -> None:
    """Each whole float at `paths` in `doc` as an int."""
    for path in paths:
        holder = _at(doc.data, path[:-1])
        holder[path[-1]] = int(holder[path[-1]])


MAX_WHOLE = 2**53  # beyond this a whole number is no longer exact as a float


def non_finite(doc: SourcedDoc, under: Path_ = ()) -> list[tuple[Location, str]]:
    """A problem for every number in `doc` (or in its part at `under`) that is not a finite
    float: NaN, infinite (.nan, .inf, 1e999), or a whole number beyond ±2**53 (which a float
    cannot hold exactly, and beyond about 1e308 not at all)."""
    return [(loc, message) for _, loc, message in non_finite_findings(doc, under)]


def non_finite_findings(doc: SourcedDoc, under: Path_ = ()) -> Found:
    """non_finite, each with the path of the number at fault."""
    found = []
    stack: list[tuple[Path_, Any]] = [(under, _at(doc.data, under))]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            found.append((path, doc.loc(path), f"{dotted(path)}: {value} is not a finite number"))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WHOLE:
            message = f"{dotted(path)}: {_digits(value)} is too large (the limit is ±2**53)"
            found.append((path, doc.loc(path), message))
    return sorted(found, key=lambda p: (p[1].line or 0, p[1].column or 0))


def _at(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def _digits(value: int) -> str:
    """A whole number short enough for a message (no 400-digit lines)."""
    if value.bit_length() <= 64:
        return str(value)
    return f"a number of about {math.ceil(value.bit_length() * math.log10(2))} digits"
