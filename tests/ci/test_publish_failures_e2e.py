"""End to end: a publishing failure that is not an HTTP error is a warning; the decision,
report.json and the exit code stand (real CLI, fake API on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import FakeApi
from helpers import run_check
from quirky import Quirks, QuirkyServer


def github_env(url: str, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "event.json").write_text(json.dumps({"pull_request": {"number": 5}}))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": url,
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_TOKEN": "ghs_token",
        "GITHUB_SHA": "abc1234",
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }


def gitlab_env(url: str, iid: str = "3") -> dict[str, str]:
    return {
        "CI_API_V4_URL": f"{url}/api/v4",
        "CI_PROJECT_ID": "9",
        "CI_MERGE_REQUEST_IID": iid,
        "MODEL_GATE_GITLAB_TOKEN": "glpat-x",
    }


def not_json(tmp_path: Path, env: dict) -> Quirks:
    return Quirks(garbage=[("GET", r"/comments$", "<html>502 from a proxy</html>")])


def bad_event(tmp_path: Path, env: dict) -> Quirks:
    Path(env["GITHUB_EVENT_PATH"]).write_text('{"pull_request": {"number": 5')
    return Quirks()


def event_not_an_object(tmp_path: Path, env: dict) -> Quirks:
    Path(env["GITHUB_EVENT_PATH"]).write_text('["pull_request"]')
    return Quirks()


def pr_number_text(tmp_path: Path, env: dict) -> Quirks:
    env.pop("GITHUB_EVENT_PATH")
    env["MODEL_GATE_PR_NUMBER"] = "abc"
    return Quirks()


def event_number_text(tmp_path: Path, env: dict) -> Quirks:
    Path(env["GITHUB_EVENT_PATH"]).write_text('{"pull_request": {"number": "5; rm"}}')
    return Quirks()


def summary_is_a_directory(tmp_path: Path, env: dict) -> Quirks:
    (tmp_path / "summary-dir").mkdir()
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary-dir")
    return Quirks()


def output_is_a_directory(tmp_path: Path, env: dict) -> Quirks:
    (tmp_path / "output-dir").mkdir()
    env["GITHUB_OUTPUT"] = str(tmp_path / "output-dir")
    return Quirks()


def status_not_json(tmp_path: Path, env: dict) -> Quirks:
    return Quirks(garbage=[("POST", r"/statuses/", "OK")])


CASES = {
    "200-with-a-non-json-body": (not_json, "not JSON"),
    "malformed-event-file": (bad_event, "cannot be read as JSON"),
    "event-file-not-an-object": (event_not_an_object, "is not a JSON object"),
    "MODEL_GATE_PR_NUMBER=abc": (pr_number_text, "MODEL_GATE_PR_NUMBER is not a pull-request"),
    "event-number-not-a-number": (event_number_text, "is not a pull-request number"),
    "GITHUB_STEP_SUMMARY-is-a-directory": (summary_is_a_directory, "could not write the job"),
    "GITHUB_OUTPUT-is-a-directory": (output_is_a_directory, "could not write the step outputs"),
    "status-answer-not-json": (status_not_json, "could not post the commit status"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_github_publishing_failure_leaves_the_decision(workspace, tmp_path, name):
    """Half the cases approve and half block: neither exit code may change."""
    setup, warning = CASES[name]
    policy = ("passing", "blocking")[sorted(CASES).index(name) % 2]
    env = github_env("", tmp_path)
    with QuirkyServer(FakeApi(), setup(tmp_path, env)) as srv:
        env["GITHUB_API_URL"] = srv.url
        result = gate(workspace, tmp_path, policy, env, "--comment", "github", "--commit-status")
    expected = 0 if policy == "passing" else 1
    assert result.code == expected, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "model-gate: warning:" in line]
    assert any(warning in line for line in warnings), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["exit_code"] == expected


@pytest.mark.parametrize("iid", ["abc", "7; drop", "-1"])
def test_gitlab_non_numeric_iid_is_a_warning(workspace, tmp_path, iid):
    with QuirkyServer(FakeApi(user="bot"), Quirks()) as srv:
        env = gitlab_env(srv.url, iid)
        result = gate(workspace, tmp_path, "blocking", env, "--comment", "gitlab")
        assert srv.api.requests == []
    assert result.code == 1, result.stderr
    assert "warning: CI_MERGE_REQUEST_IID is not a number" in result.stderr


def test_gitlab_note_listing_not_json_is_a_warning(workspace, tmp_path):
    quirks = Quirks(garbage=[("GET", r"/notes$", "<html>sign in</html>")])
    with QuirkyServer(FakeApi(user="bot"), quirks) as srv:
        env = gitlab_env(srv.url)
        result = gate(workspace, tmp_path, "passing", env, "--comment", "gitlab")
    assert result.code == 0, result.stderr
    assert "warning: could not post the note" in result.stderr and "not JSON" in result.stderr


def gate(workspace: Path, tmp_path: Path, policy: str, env: dict, *extra: str):
    from helpers import write_policy

    if policy == "blocking":
        write_policy(
            tmp_path / "p.yaml",
            """
            version: 1
            data: {label: y}
            checks:
              - {id: auc-high, type: performance, metric: roc_auc, min: 0.99}
            """,
        )
        path = tmp_path / "p.yaml"
    else:
        path = workspace / "passing.yaml"
    return run_check(
        path,
        workspace / "eval.csv",
        *extra,
        model=workspace / "candidate.skops",
        out=tmp_path / "out",
        env=env,
    )


def test_server_text_in_warnings_starts_no_workflow_command(workspace, tmp_path):
    """A server's answer is untrusted: echoed in a warning, it is escaped for the terminal."""
    payload = "oops\n::error::pwned\r\n\x1b[31mred"
    quirks = Quirks(garbage=[("GET", r"/notes$", payload, 404)])
    with QuirkyServer(FakeApi(user="bot"), quirks) as srv:
        env = gitlab_env(srv.url)
        result = gate(workspace, tmp_path, "passing", env, "--comment", "gitlab")
    assert result.code == 0, result.stderr
    assert "warning: could not post the note" in result.stderr
    assert not any(line.lstrip().startswith("::") for line in result.stderr.splitlines())
    assert "\x1b" not in result.stderr
