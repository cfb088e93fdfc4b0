"""End to end: `model-gate check --comment github|gitlab` in a subprocess against the fake API."""

from __future__ import annotations

import json
from pathlib import Path

from fakes import FakeApi, FakeServer
from helpers import run_check, run_cli, write_policy

POLICY = """
    version: 1
    data: {label: y}
    checks:
      - {id: auc-high, type: performance, metric: roc_auc, min: 0.99}
"""


def github_env(srv: FakeServer, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "event.json").write_text(json.dumps({"pull_request": {"number": 5}}))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": srv.url,
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_TOKEN": "ghs_token",
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }


def gate(workspace: Path, tmp_path: Path, env: dict, *extra: str):
    write_policy(tmp_path / "p.yaml", POLICY)
    return run_check(
        tmp_path / "p.yaml",
        workspace / "eval.csv",
        "--format",
        "markdown",
        *extra,
        model=workspace / "candidate.skops",
        out=tmp_path / "out",
        env=env,
    )


def test_github_comment_outputs_and_annotations(workspace: Path, tmp_path: Path):
    with FakeServer(FakeApi()) as srv:
        result = gate(workspace, tmp_path, github_env(srv, tmp_path), "--comment", "github")
        comments = srv.api.comments["acme/models#5"]
    assert result.code == 1, result.stderr
    assert len(comments) == 1 and "**blocked**" in comments[0]["body"]
    assert "model-gate: comment: created" in result.stderr
    assert "::error file=" in result.stdout and "p.yaml,line=4" in result.stdout
    outputs = (tmp_path / "outputs").read_text()
    assert "decision=block\n" in outputs and "exit-code=1\n" in outputs
    assert f"report-json={tmp_path / 'out' / 'report.json'}" in outputs
    assert "**blocked**" in (tmp_path / "summary.md").read_text()


def test_a_failed_post_is_a_warning_and_the_exit_code_stands(workspace: Path, tmp_path: Path):
    with FakeServer(FakeApi()) as srv:
        srv.api.fail_next("GET", r"/comments$", 403)
        result = gate(workspace, tmp_path, github_env(srv, tmp_path), "--comment", "github")
    assert result.code == 1
    assert "model-gate: warning: could not post the comment" in result.stderr
    assert "Traceback" not in result.stderr


def test_gitlab_note(workspace: Path, tmp_path: Path):
    with FakeServer(FakeApi(user="bot")) as srv:
        env = {
            "CI_API_V4_URL": f"{srv.url}/api/v4",
            "CI_PROJECT_ID": "9",
            "CI_MERGE_REQUEST_IID": "3",
            "MODEL_GATE_GITLAB_TOKEN": "glpat-x",
        }
        for _ in range(2):
            result = gate(workspace, tmp_path, env, "--comment", "gitlab", "--format", "junit")
        notes = srv.api.comments["9#3"]
    assert result.code == 1 and len(notes) == 1
    assert "model-gate: note: unchanged" in result.stderr
    assert (tmp_path / "out" / "junit.xml").exists()


def test_comment_command_posts_an_existing_report(workspace: Path, tmp_path: Path):
    with FakeServer(FakeApi()) as srv:
        env = github_env(srv, tmp_path)
        gate(workspace, tmp_path, env, "--comment", "github", "--comment-mode", "off")
        env.pop("GITHUB_EVENT_PATH")  # a workflow_run event carries no pull request
        result = run_cli(
            "comment",
            tmp_path / "out" / "report.json",
            "--platform",
            "github",
            "--pr",
            "8",
            env=env,
        )
        comments = srv.api.comments["acme/models#8"]
    assert result.code == 0, result.stderr
    assert comments[0]["body"].count("**blocked**") == 1


def test_comment_command_rejects_a_file_that_is_not_a_report(tmp_path: Path):
    (tmp_path / "r.json").write_text('{"decision": "approve"}')
    result = run_cli("comment", tmp_path / "r.json", "--platform", "github")
    assert result.code == 2 and "is not a model-gate report.json" in result.stderr
