"""No schema message a policy author sees is jsonschema's raw "is not valid under any of the
given schemas": every anyOf / oneOf of the schema the loader checks with is fed wrong values,
and each message names the key (or the check) and says what is expected."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from gate.errors import PolicyError
from gate.policy.loader import analyse_policy
from gate.policy.schema import dotted, filled_schema

DEFS = filled_schema()["$defs"]
RAW = ("is not valid under any of the given schemas", "is valid under each of")
WRONG = [12345, -1.5, True, "zz-not-valid", "", [], [12345], ["zz"], [[1]], {"zz": 12345}, {}]


def combinators(node: Any, path: tuple = (), kind: str | None = None, seen: tuple = ()) -> Iterator:
    """(document path, check type, schema) of every anyOf / oneOf, following $refs and the
    if/then that picks a check type's schema."""
    if not isinstance(node, dict):
        return
    if "anyOf" in node or "oneOf" in node:
        yield path, kind, node
    ref = node.get("$ref", "")
    if ref and ref not in seen:
        yield from combinators(resolve(ref), path, kind, (*seen, ref))
    for name, sub in node.get("properties", {}).items():
        yield from combinators(sub, (*path, name), kind, seen)
    if isinstance(node.get("additionalProperties"), dict):
        yield from combinators(node["additionalProperties"], (*path, "f"), kind, seen)
    if isinstance(node.get("items"), dict):
        yield from combinators(node["items"], (*path, 0), kind, seen)
    for branch in node.get("anyOf", []) + node.get("oneOf", []):
        yield from combinators(branch, path, kind, seen)
    for branch in node.get("allOf", []):
        picked = branch.get("if", {}).get("properties", {}).get("type", {}).get("const", kind)
        yield from combinators(branch.get("then", {}), path, picked, seen)


def resolve(ref: str) -> Any:
    """The part of the schema a local $ref ("#/$defs/a/properties/b") points at."""
    node: Any = filled_schema()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


FOUND = sorted({(p, k): s for p, k, s in combinators(filled_schema())}.items(), key=str)


def document(path: tuple, kind: str | None, value: Any) -> dict[str, Any]:
    """A policy with `value` at `path` (in a check of type `kind` under checks[0])."""
    doc: dict[str, Any] = {"version": 1, "checks": [{"id": "c", "type": kind or "performance"}]}
    holder: Any = doc
    for part, after in itertools.pairwise(path):
        empty: Any = [{}] if isinstance(after, int) else {}
        holder = holder[part] if isinstance(holder, list) else holder.setdefault(part, empty)
    holder[path[-1]] = value
    return doc


def messages(doc: dict[str, Any]) -> list[str]:
    try:
        problems = analyse_policy("p.yaml", raw=json.dumps(doc).encode())[1]
    except PolicyError as exc:
        problems = exc.problems
    return [message for _, message in problems]


def test_the_walk_finds_the_combinators():
    where = {p for (p, _), _ in FOUND}
    assert ("data", "unknown_values") in where
    assert ("checks", 0, "columns") in where and ("checks", 0, "method") in where
    text = json.dumps(filled_schema())
    assert len(FOUND) == text.count('"anyOf"') + text.count('"oneOf"')  # each one, once


@pytest.mark.parametrize(("at", "schema"), FOUND, ids=[f"{k}:{dotted(p)}" for (p, k), _ in FOUND])
def test_no_wrong_value_gets_the_raw_message(at: tuple, schema: dict):
    path, kind = at
    judge = Draft202012Validator({**schema, "$defs": DEFS})
    wrong = [v for v in WRONG if not judge.is_valid(v)]
    assert wrong
    for value in wrong:
        said = messages(document(path, kind, value))
        assert said, (path, value)
        assert not [m for m in said if any(raw in m for raw in RAW)], (path, value, said)
        named = [m for m in said if dotted(path) in m or "check 'c'" in m]
        assert named, (path, value, said)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            "[9]",
            "data.unknown_values[0] must be of type string, not int: YAML reads 9 as a "
            "number; write it quoted ('9') for the text",
        ),
        ("{race: [Unknown, 9]}", "data.unknown_values.race[1] must be of type string, not int"),
        ("{race: [true]}", "write it quoted ('true')"),
        ("[1.5]", "write it quoted ('1.5')"),
        ("{race: Unknown}", "data.unknown_values.race must be of type array, not str"),
        ("Unknown", "data.unknown_values must be of type array or object, not str"),
        ("[a, a]", "data.unknown_values: ['a', 'a'] has non-unique elements"),
    ],
)
def test_unknown_values_of_a_wrong_type_say_what_to_write(values: str, expected: str):
    body = (
        f"version: 1\ndata: {{sensitive: [race], unknown_values: {values}}}\n"
        "checks: [{id: a, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8}]\n"
    )
    problems = analyse_policy("p.yaml", raw=body.encode())[1]
    assert [loc.line for loc, m in problems if expected in m] == [2], problems


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        ("1", "rollout.label_delay: '1' has no unit: write 1s, 1m, 1h or 1d"),
        ("500", "'500' has no unit"),
        ("1h1d", "names a unit twice or a smaller one before a larger"),
        ("1d1d", "names a unit twice"),
        ("5x", "rollout.label_delay: not a duration '5x'"),
        ("'1d 2h'", "not a duration '1d 2h'"),
    ],
)
def test_a_malformed_duration_says_why_as_the_flags_do(delay: str, expected: str):
    body = (
        f"version: 1\nrollout: {{label_delay: {delay}}}\n"
        "checks: [{id: a, type: performance, metric: accuracy, min: 0.8}]\n"
    )
    problems = analyse_policy("p.yaml", raw=body.encode())[1]
    assert [loc.line for loc, m in problems if expected in m] == [2], problems
    assert not [m for _, m in problems if "maximum" in m or "does not match" in m], problems
