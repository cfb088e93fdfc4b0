"""Schema violations as messages a policy author acts on: the key, the check, a fitting hint.

Inside a check the message names the check and speaks of its type: a key of another type
"does not apply", a value of another type's key says which type takes it, and a misspelt
metric is matched only against the metrics of the check's type (and bound, see suggest.py).
"""

from __future__ import annotations

from typing import Any

from gate import durations
from gate.errors import Location
from gate.policy.schema_doc import check_types, dotted
from gate.policy.suggest import did_you_mean, fitting_metrics
from gate.policy.yamlpos import Path_, SourcedDoc

Found = list[tuple[Path_, Location, str]]
NO_CHECKS = (
    "checks: the list is empty, so the policy has no checks of its own; list at least one "
    "(an empty gate would approve anything), or leave 'checks' out of a file that only "
    "extends others or that others extend"
)
METRIC_KINDS = {
    "performance": "performance metric",
    "fairness": "group metric or a fairness metric",
    "slices": "slice metric (a per-row share, or a mean per-row error for regression)",
}


def explain(err: Any, doc: SourcedDoc) -> Found:
    """One jsonschema error as (path at fault, location, message) entries."""
    path = tuple(err.absolute_path)
    if err.validator == "additionalProperties":
        return [_unknown_key(doc, path, k, err.schema) for k in _extra(err)]
    if err.validator == "required":
        missing = [k for k in err.validator_value if k not in err.instance]
        return [((*path, k), doc.loc(path), _required(doc, path, k)) for k in missing]
    return [(path, doc.loc(path), _message(err, doc, path))]


def _extra(err: Any) -> list[str]:
    allowed = set(err.schema.get("properties", {}))
    return [k for k in err.instance if k not in allowed]


def _check(doc: SourcedDoc, path: Path_) -> tuple[str, str] | None:
    """(id, type) of the check that `path` lies in, when it has a known type."""
    if len(path) < 2 or path[0] != "checks" or not isinstance(path[1], int):
        return None
    check = doc.data["checks"][path[1]]
    kind = check.get("type") if isinstance(check, dict) else None
    if not isinstance(kind, str) or kind not in check_types():
        return None
    return str(check.get("id", f"#{path[1] + 1}")), kind


def _unknown_key(
    doc: SourcedDoc, path: Path_, key: str, schema: dict[str, Any]
) -> tuple[Path_, Location, str]:
    allowed = set(schema.get("properties", {}))
    where, owner = (*path, key), _check(doc, path)
    hint = did_you_mean(key, allowed)
    message = f"unknown key '{key}' in {dotted(path)}{hint}"
    if owner and len(path) == 2:
        cid, kind = owner
        known = any(key in s["properties"] for s in check_types().values())
        message = (
            f"check '{cid}': '{key}' does not apply to {kind} checks"
            if known
            else f"check '{cid}': unknown key '{key}'{hint}"
        )
    return where, doc.loc(where, key=True), message


def _required(doc: SourcedDoc, path: Path_, key: str) -> str:
    owner = _check(doc, path)
    if owner and len(path) == 2:
        return f"check '{owner[0]}': a {owner[1]} check needs '{key}'"
    return f"{dotted(path)}: '{key}' is a required property"


def _message(err: Any, doc: SourcedDoc, path: Path_) -> str:
    where = dotted(path)
    owner = _check(doc, path) if len(path) == 3 else None
    if err.validator in ("enum", "const", "anyOf") and owner and path[2] == "metric":
        return _metric(doc, path, owner)
    if err.validator in ("anyOf", "oneOf"):
        return _any_of(err, doc, path, owner)
    if err.validator == "enum":
        return _enum(err.instance, err.validator_value, where, owner, path)
    if err.validator == "const":
        return f"{where} must be {err.validator_value!r}, not {err.instance!r}"
    if err.validator == "type":
        return _type(err.validator_value, err.instance, where)
    if err.validator == "minItems" and path == ("checks",):
        return NO_CHECKS
    if err.schema.get("pattern") == durations.PATTERN:
        return _duration(err.instance, where) or f"{where}: {err.message}"
    if err.validator == "pattern" and err.schema.get("format") == "date":
        return f"{where}: {err.instance!r} is not a calendar date (YYYY-MM-DD)"
    return f"{where}: {err.message}"


def _duration(value: Any, where: str) -> str | None:
    """Why `value` is no duration, as gate.durations says it (a bare number: which unit)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    try:
        durations.duration(str(value))
    except ValueError as exc:
        return f"{where}: {exc}"
    return None


def _type(expected: Any, value: Any, where: str) -> str:
    """A wrong type; a number or true/false where text is wanted is told to quote it."""
    message = f"{where} must be of type {_types(expected)}, not {_name(value)}"
    if "string" in _listed(expected) and isinstance(value, (bool, int, float)):
        text = str(value).lower() if isinstance(value, bool) else str(value)
        kind = "true/false" if isinstance(value, bool) else "a number"
        message += f": YAML reads {text} as {kind}; write it quoted ('{text}') for the text"
    return message


def _metric(doc: SourcedDoc, path: Path_, owner: tuple[str, str]) -> str:
    cid, kind = owner
    check = doc.data["checks"][path[1]]
    metric = check["metric"]
    options = fitting_metrics(check, check_types()[kind]["properties"]["metric"]["enum"])
    return f"check '{cid}': '{metric}' is not a {METRIC_KINDS[kind]}{did_you_mean(metric, options)}"


def _enum(
    value: Any, options: list[Any], where: str, owner: tuple[str, str] | None, path: Path_
) -> str:
    if owner and isinstance(value, str):
        other = _taken_by(path[2], value, owner[1])
        if other:
            return f"check '{owner[0]}': '{value}' is a {other} {path[2]}, not a {owner[1]} one"
    names = [str(o) for o in options if o is not None]
    hint = did_you_mean(str(value), names) or f" (one of: {', '.join(names)})"
    return f"{where}: {value!r} is not a known value{hint}"


def _taken_by(key: str | int, value: str, kind: str) -> str | None:
    """The other check type whose `key` accepts `value`, if any."""
    for other, schema in check_types().items():
        prop = schema["properties"].get(key, {}) if other != kind else {}
        if value in _choices(prop):
            return other
    return None


def _choices(schema: dict[str, Any]) -> list[Any]:
    """The values an enum / const schema (or the enum branches of an anyOf) allows."""
    found = list(schema.get("enum", [])) + ([schema["const"]] if "const" in schema else [])
    for branch in schema.get("anyOf", []):
        found += _choices(branch)
    return found


def _any_of(err: Any, doc: SourcedDoc, path: Path_, owner: tuple[str, str] | None) -> str:
    deeper = [e for e in err.context if len(e.absolute_path) > len(path)]
    if deeper:
        deepest = max(deeper, key=lambda e: len(e.absolute_path))
        return _message(deepest, doc, tuple(deepest.absolute_path))
    if "errorMessage" in err.schema:
        return (
            f"check '{owner[0]}': {err.schema['errorMessage']}"
            if owner
            else err.schema["errorMessage"]
        )
    choices = _choices(err.schema)
    if choices and isinstance(err.instance, str):
        return _enum(err.instance, choices, dotted(path), owner, path)
    shaped = [e for e in err.context if e.validator != "type"]
    if shaped:
        return _message(shaped[0], doc, path)
    types = [t for e in err.context for t in _listed(e.validator_value)]
    return _type(types, err.instance, dotted(path))


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _types(expected: Any) -> str:
    return " or ".join(dict.fromkeys(_listed(expected)))


def _name(value: Any) -> str:
    return type(value).__name__
