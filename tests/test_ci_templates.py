"""action.yml, the workflows and the GitLab template against the public schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from conformance import conformance_file
from helpers import ROOT


def schema(name: str) -> dict:
    return json.loads(conformance_file(name).read_text())


def validate(document: object, name: str) -> None:
    s = schema(name)
    cls = jsonschema.validators.validator_for(s)
    errors = sorted(cls(s).iter_errors(document), key=str)
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]


def test_action_yml_is_a_valid_action():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    validate(action, "github-action.schema.json")
    assert action["runs"]["using"] == "composite" and action["branding"]
    assert {"decision", "exit-code", "report-json", "report-markdown"} <= set(action["outputs"])


@pytest.mark.parametrize(
    "path",
    sorted(
        [*(ROOT / ".github/workflows").glob("*.yml"), *(ROOT / "examples/workflows").glob("*.yml")]
    ),
    ids=lambda p: p.name,
)
def test_workflows_are_valid(path: Path):
    workflow = yaml.safe_load(path.read_text())
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub does not
    validate(workflow, "github-workflow.schema.json")


def test_gitlab_template_is_valid_ci_configuration():
    header, body = yaml.safe_load_all((ROOT / "templates/gitlab/model-gate.yml").read_text())
    validate(header, "gitlab-ci.schema.json")
    validate(body, "gitlab-ci.schema.json")
    job = body["model-gate"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"] == {
        "junit": "model-gate-report/junit.xml",
        "codequality": "model-gate-report/codequality.json",
    }
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]


def test_action_inputs_reach_the_command_only_through_the_environment():
    """No ${{ inputs.* }} inside a run: script (script injection)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")
