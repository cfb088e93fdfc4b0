"""The published policy schema: documented everywhere, one object per check type, in step with
the Python side (defaults, rules), and judged by jsonschema itself as the oracle."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from gate.checks import REGISTRY
from gate.errors import PolicyError
from gate.policy import model
from gate.policy.data_checks import QUALITY_RULES
from gate.policy.loader import load_policy
from gate.policy.schema import check_types, filled_schema, policy_schema

COMMON = {"id", "type", "description", "severity"}


def properties(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """(path, schema) of every property a policy may write, anywhere in the schema."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}.{name}", sub
        for key, sub in node.items():
            if key == "if":  # the condition that picks a check type's schema, not a key
                continue
            yield from properties(sub, f"{path}/{key}" if key != "properties" else path)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from properties(sub, f"{path}[{i}]")


ALL = list(properties(policy_schema()))


def test_the_walk_sees_every_part_of_the_schema():
    names = {p.rsplit(".", 1)[1] for p, _ in ALL}
    assert {
        "version",
        "label",
        "metric",
        "bins",
        "max_drop",
        "expires",
        "require_approval",
    } <= names
    assert len(ALL) > 110  # 8 check types with their own properties, data, waivers, top level


@pytest.mark.parametrize(("path", "schema"), ALL, ids=[p for p, _ in ALL])
def test_every_property_has_a_description_and_examples(path: str, schema: dict):
    assert schema.get("description", "").strip(), f"{path} has no description"
    assert schema.get("examples"), f"{path} has no examples"
    validator = Draft202012Validator({**schema, "$defs": policy_schema()["$defs"]})
    for example in schema["examples"]:
        assert validator.is_valid(example), f"{path}: example {example!r} breaks its own schema"
    if "default" in schema:
        assert validator.is_valid(schema["default"]), f"{path}: default breaks its own schema"


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_each_check_types_example_is_a_valid_check(kind: str):
    schema = check_types()[kind]
    assert schema["examples"]
    whole = Draft202012Validator(policy_schema())
    for example in schema["examples"]:
        assert whole.is_valid({"version": 1, "checks": [example]}), example


FOREIGN = [
    (kind, key)
    for kind, schema in sorted(check_types().items())
    for key in sorted({k for s in check_types().values() for k in s["properties"]})
    if key not in schema["properties"]
]


@pytest.mark.parametrize(("kind", "key"), FOREIGN, ids=[f"{k}-{key}" for k, key in FOREIGN])
def test_a_key_of_another_check_type_is_a_schema_error(tmp_path: Path, kind: str, key: str):
    owner = next(s for s in check_types().values() if key in s["properties"])
    value = owner["properties"][key]["examples"][0]
    check = {**check_types()[kind]["examples"][0], key: value}
    errors = list(
        Draft202012Validator(filled_schema()).iter_errors({"version": 1, "checks": [check]})
    )
    assert [e.validator for e in errors] == ["additionalProperties"], errors
    (tmp_path / "p.yaml").write_text(f"version: 1\nchecks: [{_flow(check)}]\n")
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "p.yaml")
    assert f"'{key}' does not apply to {kind} checks" in str(info.value)


def _flow(value: Any) -> str:
    import json

    return json.dumps(value)  # JSON is YAML


def test_data_quality_rules_are_the_schemas_keys():
    assert set(QUALITY_RULES) == set(check_types()["data_quality"]["properties"]) - COMMON


DEFAULTS_OF = {
    "fairness": model.FairnessOptions,
    "drift": model.DriftOptions,
    "proxy_features": model.GovernanceOptions,
    "prohibited_features": model.GovernanceOptions,
}


@pytest.mark.parametrize("kind", sorted(DEFAULTS_OF))
def test_schema_defaults_are_the_ones_the_code_uses(kind: str):
    fields = {f.name: f.default for f in dataclasses.fields(DEFAULTS_OF[kind])}
    stated = {
        k: s["default"] for k, s in check_types()[kind]["properties"].items() if "default" in s
    }
    shared = set(stated) & set(fields) - {"columns", "method"}  # stored in another shape
    assert shared, kind
    for key in shared:
        assert stated[key] == fields[key], (
            f"{kind}.{key}: schema {stated[key]} != code {fields[key]}"
        )


def test_data_defaults_and_check_severity_default():
    data = filled_schema()["$defs"]["data"]["properties"]
    binding = model.DataBinding()
    assert data["threshold"]["default"] == binding.threshold
    assert data["positive_label"]["default"] == binding.positive_label
    for kind, schema in check_types().items():
        assert schema["properties"]["severity"]["default"] == model.CheckSpec.severity.value, kind


def test_the_schema_has_a_versioned_name_not_an_address():
    assert policy_schema()["$id"] == "urn:model-gate:schema:policy:v1"
    Draft202012Validator.check_schema(policy_schema())
