"""action.yml, the workflows and the GitLab template against the public schemas."""

from __future__ import annotations

import json
import re
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


def test_gitlab_component_is_valid_ci_configuration():
    """A component lives at templates/<name>.yml (or templates/<name>/template.yml)."""
    header, body = yaml.safe_load_all((ROOT / "templates/model-gate.yml").read_text())
    validate(header, "gitlab-ci.schema.json")
    validate(body, "gitlab-ci.schema.json")
    job = body["model-gate"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"] == {
        "junit": "model-gate-report/junit.xml",
        "codequality": "model-gate-report/codequality.json",
    }
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert body["model-gate-comment"]["needs"] == [{"job": "model-gate", "artifacts": True}]


def test_gitlab_component_installs_only_from_its_own_source():
    """No default that names a public package anyone could register."""
    text = (ROOT / "templates/model-gate.yml").read_text()
    header, body = yaml.safe_load_all(text)
    inputs = header["spec"]["inputs"]
    assert "default" not in inputs["source"] and "default" not in inputs["version"]
    assert "package" not in inputs
    install = "\n".join(body[".model-gate-install"]["before_script"])
    assert "--require-hashes" in install and "requirements/action.lock" in install
    assert "--no-index" in install and not re.search(r"install[^\n]* model-gate\b", install)


def test_action_inputs_reach_the_command_only_through_the_environment():
    """No ${{ inputs.* }} inside a run: script (script injection)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


NODE24_MAJORS = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/upload-artifact": 5,
    "actions/download-artifact": 6,
}
SHIPPED = [
    ROOT / "action.yml",
    *sorted((ROOT / ".github/workflows").glob("*.yml")),
    *sorted((ROOT / "examples/workflows").glob("*.yml")),
]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_actions_are_current_and_third_party_ones_pinned(path: Path):
    """GitHub's own actions at their node24 majors; anything else by full commit SHA with the
    tag in a comment (the project's own `<owner>/model-gate@v1` placeholder aside)."""
    uses = [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text().splitlines()
        if line.lstrip(" -").startswith("uses:")
    ]
    assert uses
    for use in uses:
        ref, _, comment = use.partition("#")
        name, _, version = ref.strip().partition("@")
        if name == "./" or name.endswith("/model-gate"):
            continue
        if name in NODE24_MAJORS:
            assert int(version.lstrip("v")) >= NODE24_MAJORS[name], use
        else:
            assert re.fullmatch(r"[0-9a-f]{40}", version) and comment.strip(), use
        assert name != "actions/cache", "the uv cache measured no benefit; it was dropped"


def test_the_posting_step_alone_gets_the_token():
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    with_token = [s["name"] for s in steps if "inputs.github-token" in str(s.get("env", {}))]
    assert len(with_token) == 1 and with_token[0].startswith("Post")
    evaluate = next(s for s in steps if s.get("id") == "gate")
    assert "unset GITHUB_TOKEN" in evaluate["run"] and evaluate["env"]["GITHUB_TOKEN"] == ""
