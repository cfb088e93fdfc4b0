"""Pack parameters "${name}" in the published policy schema: accepted wherever the loader fills
one in (every value but those under `parameters:`), refused wherever the loader refuses one, and
the loader's own messages untouched (it checks the filled-in document with `filled_schema()`).
jsonschema, on the published schema, is the oracle for what an editor marks."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from gate.errors import PolicyError
from gate.policy.loader import analyse_policy
from gate.policy.params import PLACEHOLDER
from gate.policy.schema import check_types, filled_schema, policy_schema
from gate.policy.schema_doc import PLACEHOLDER as PLACEHOLDER_REF

PUBLISHED = Draft202012Validator(policy_schema())
DEFS = policy_schema()["$defs"]
# keys whose example does not fit with the others in one check (each rule has its own tests)
ADJUST = {
    "drift": {"confidence": None},  # verdict p_value takes no confidence
    # agg: equalized_odds only; a reference naming every feature needs the intersection
    "fairness": {
        "max": 1.25,
        "agg": None,
        "reference": {"sex": "male", "race": "white"},
        "metric": "true_positive_rate",  # a baseline needs a metric with a better direction
    },
    "performance": {"max": 1.0, "severity": "block"},  # a gate needs a blocking check
    "slices": {"min": None, "max": None},  # one condition of min / max / max_gap at a time
}


MULTICLASS = {"average", "class"}  # keys of a multiclass policy only (this one is binary)


def rich_policy() -> dict[str, Any]:
    """A valid policy using every key of every check type, data, waivers, audit and changes."""
    checks = []
    for kind, schema in sorted(check_types().items()):
        check = {k: p["examples"][0] for k, p in schema["properties"].items()}
        check.update(id=kind, **ADJUST.get(kind, {}))
        checks.append({k: v for k, v in check.items() if v is not None and k not in MULTICLASS})
    top = filled_schema()["properties"]
    data = {k: p["examples"][0] for k, p in filled_schema()["$defs"]["data"]["properties"].items()}
    del data["scores"]  # multiclass keys: tests/checks/test_multiclass_checks.py
    del data["weight"]  # slices and robustness count rows: refused beside data.weight (below)
    waiver = {**top["waivers"]["examples"][0][0], "check": "performance", "expires": "2125-01-01"}
    return {
        "version": 1,
        "name": "rich",
        "description": "every key",
        "mode": "gate",
        "data": {**data, "task": "binary_classification"},
        "checks": checks,
        "waivers": [waiver],
        "audit": top["audit"]["examples"][0],
        "changes": {"require_approval": True},
    }


def paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """The path of every value in a document (containers and leaves), not the root."""
    if path:
        yield path
    if isinstance(value, (dict, list)):
        for key, sub in value.items() if isinstance(value, dict) else enumerate(value):
            yield from paths(sub, (*path, key))


def with_placeholders(doc: dict[str, Any], where: list[tuple]) -> dict[str, Any]:
    """`doc` with the value at each path in `where` replaced by "${p<i>}", declared under
    `parameters:` with that value as its default."""
    out = copy.deepcopy(doc)
    declared = {}
    for i, path in enumerate(where):
        holder = out
        for part in path[:-1]:
            holder = holder[part]
        declared[f"p{i}"] = {"default": holder[path[-1]]}
        holder[path[-1]] = f"${{p{i}}}"
    return {**out, "parameters": declared}


def load(doc: dict[str, Any]):
    """(policy, problems) of a document, as the loader sees it (JSON is YAML)."""
    return analyse_policy("p.yaml", raw=json.dumps(doc).encode())


def checks_of(policy) -> list:
    return [dataclasses.replace(c, location=None) for c in policy.checks]


RICH = rich_policy()
RICH_CHECKS = checks_of(load(RICH)[0])
ALL_PATHS = list(paths(RICH))


def test_every_builtin_pack_validates_against_the_published_schema(pack_docs):
    for name, doc in pack_docs:
        assert PUBLISHED.is_valid(doc), (name, [e.message for e in PUBLISHED.iter_errors(doc)])


@pytest.fixture(scope="module")
def pack_docs() -> list[tuple[str, Any]]:
    from gate.policy.files import builtin_dir
    from gate.policy.yamlpos import load_yaml

    files = sorted(builtin_dir().glob("*.yaml"))
    assert len(files) >= 6
    docs = [(f.name, load_yaml(f.read_text("utf-8"), f.name).data) for f in files]
    assert sum("${" in json.dumps(d) for _, d in docs) >= 5  # the packs do use parameters
    return docs


def test_the_schema_and_the_loader_spell_a_placeholder_alike():
    assert DEFS["placeholder"]["pattern"] == PLACEHOLDER.pattern


def test_the_rich_policy_is_valid_and_uses_every_check_key():
    assert load(RICH)[1] == [] and PUBLISHED.is_valid(RICH)
    for kind, schema in check_types().items():
        check = next(c for c in RICH["checks"] if c["type"] == kind)
        left_out = {"min", "max"} if kind == "slices" else set()  # max_gap stands for them
        allowed = {"confidence", "agg", *MULTICLASS} | left_out
        assert set(schema["properties"]) - set(check) <= allowed, kind


@pytest.mark.parametrize("path", ALL_PATHS, ids=[".".join(map(str, p)) for p in ALL_PATHS])
def test_a_placeholder_may_stand_for_any_value(path: tuple):
    """In the editor (published schema) and in the loader, which fills in the same value."""
    doc = with_placeholders(RICH, [path])
    assert PUBLISHED.is_valid(doc), [e.message for e in PUBLISHED.iter_errors(doc)]
    policy, problems = load(doc)
    assert problems == []
    assert checks_of(policy) == RICH_CHECKS


def test_a_placeholder_at_every_leaf_at_once():
    leaves = [p for p in ALL_PATHS if not isinstance(_at(RICH, p), (dict, list))]
    doc = with_placeholders(RICH, leaves)
    assert len(doc["parameters"]) > 100
    assert PUBLISHED.is_valid(doc), [e.message for e in PUBLISHED.iter_errors(doc)]
    policy, problems = load(doc)
    assert problems == [] and checks_of(policy) == RICH_CHECKS


def _at(doc: Any, path: tuple) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def value_schemas(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """(where, schema) of every value position of the published schema: properties, items,
    additionalProperties; not the `if` that picks a check type, not `parameters:`."""
    if isinstance(node, list):
        for i, sub in enumerate(node):
            yield from value_schemas(sub, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    for key, sub in node.items():
        if key in ("if", "examples", "default", "enum", "const") or where + key == "/parameters":
            continue
        if key == "properties":
            for name, prop in sub.items():
                if f"{where}/{name}" != "/parameters":
                    yield f"{where}/{name}", prop
                    yield from value_schemas(prop, f"{where}/{name}")
            continue
        if key in ("items", "additionalProperties") and isinstance(sub, dict):
            yield f"{where}/{key}", sub
        yield from value_schemas(sub, f"{where}/{key}")


VALUE_SCHEMAS = list(value_schemas(policy_schema()))


def test_every_value_position_of_the_published_schema_takes_a_placeholder():
    assert len(VALUE_SCHEMAS) > 150
    refused = [
        where
        for where, schema in VALUE_SCHEMAS
        if not Draft202012Validator({**schema, "$defs": DEFS}).is_valid("${p}")
    ]
    assert refused == [], "wrap these as {'anyOf': [{'$ref': '#/$defs/placeholder'}, ...]}"


def test_the_loader_checks_with_the_same_schema_without_placeholders():
    assert "placeholder" not in json.dumps(filled_schema())
    wrapped = json.dumps(policy_schema()).count(json.dumps(PLACEHOLDER_REF))
    assert wrapped > 50


PARAMS = "parameters: {x: {default: 0.5}}\n"
CHECK = "version: 1\n" + PARAMS + "checks: [{id: a, type: performance, metric: roc_auc, min: %s}]\n"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (CHECK % "'${1x}'", "checks[0].min must be of type number, not str"),
        (CHECK % "'$x'", "checks[0].min must be of type number, not str"),
        (CHECK % "'{x}'", "checks[0].min must be of type number, not str"),
        (CHECK % "' ${x}'", "checks[0].min must be of type number, not str"),
        (CHECK % "'${x}${x}'", "checks[0].min must be of type number, not str"),
        (CHECK % "'${x-y}'", "checks[0].min must be of type number, not str"),
        (CHECK % "'${x}%'", "checks[0].min must be of type number, not str"),
        ("version: 1\nparameters: {x: '${y}'}\n", "parameters.x must be of type object"),
        ("version: 1\nparameters: '${y}'\n", "parameters must be of type object"),
        ("version: 1\nparameters: {x: {default: 1, description: 2}}\n", "must be of type string"),
        (CHECK.replace("min: %s", "'${x}': 1"), "unknown key '${x}'"),
        ("version: 1\ndata: {'${x}': y}\n" + PARAMS, "unknown key '${x}' in data"),
        ("version: 1\n'${x}': 1\n" + PARAMS, "unknown key '${x}'"),
    ],
)
def test_where_the_loader_refuses_a_placeholder_the_schema_does_too(body: str, needle: str):
    from gate.policy.yamlpos import load_yaml

    assert not PUBLISHED.is_valid(load_yaml(body, "p.yaml").data)
    try:
        problems = analyse_policy("p.yaml", raw=body.encode())[1]
    except PolicyError as exc:
        problems = exc.problems
    assert any(needle in message for _, message in problems), problems


@pytest.mark.parametrize(
    ("default", "needle"),
    [
        ("high", "checks[0].min must be of type number, not str"),
        ("[0.5]", "checks[0].min must be of type number, not list"),
        ("true", "checks[0].min must be of type number, not bool"),
    ],
)
def test_a_filled_in_value_of_the_wrong_type_keeps_its_plain_message(default: str, needle: str):
    body = f"version: 1\nparameters: {{x: {{default: {default}}}}}\n" + (
        "checks: [{id: a, type: performance, metric: accuracy, min: '${x}'}]\n"
    )
    messages = [m for _, m in analyse_policy("p.yaml", raw=body.encode())[1]]
    assert needle in messages and not any("any of the given schemas" in m for m in messages)


def test_an_undeclared_placeholder_is_no_number_either():
    body = "version: 1\nchecks: [{id: a, type: performance, metric: accuracy, min: '${x}'}]\n"
    messages = [m for _, m in analyse_policy("p.yaml", raw=body.encode())[1]]
    assert any("'${x}' is not a declared parameter" in m for m in messages)
    assert "checks[0].min must be of type number, not str" in messages


def test_data_weight_takes_a_placeholder_too():
    """data.weight, left out of the rich policy (its slices and robustness checks count rows and
    are refused beside a weight), in a policy of weighted checks."""
    doc = {
        "version": 1,
        "data": {"label": "y", "weight": "w"},
        "checks": [{"id": "a", "type": "performance", "metric": "accuracy", "min": 0.5}],
    }
    assert load(with_placeholders(doc, [("data", "weight")]))[1] == []


def test_a_row_counting_check_beside_data_weight_is_refused_at_its_type():
    doc = {**RICH, "data": {**RICH["data"], "weight": "w"}}
    messages = [m for _, m in load(doc)[1]]
    assert len(messages) == 2, messages
    assert all("counts rows" in m and "'w'" in m for m in messages)
    assert {m.split("'")[1] for m in messages} == {"slices", "robustness"}
