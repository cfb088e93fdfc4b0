"""GitHub publishing against a fake REST API on 127.0.0.1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conformance import conformance_file, needs
from fakes import FakeApi, FakeServer
from helpers import sample_evaluation

from gate.ci import github
from gate.ci.http import Client
from gate.ci.sticky import marker
from gate.report import markdown

TOKEN = "ghs_secret_token_value"
THREAD = "acme/models#42"


@pytest.fixture
def server():
    with FakeServer(FakeApi()) as srv:
        yield srv


def env_for(srv: FakeServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 42, "head": {"sha": "abc123"}}}))
    return {
        "GITHUB_API_URL": srv.url,
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_RUN_ID": "9",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_SHA": "fff",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        **extra,
    }


def fast_client(srv: FakeServer) -> Client:
    gh = github.detect({"GITHUB_API_URL": srv.url, "GITHUB_TOKEN": TOKEN})
    client = github.client_for(gh)
    client.sleep = lambda s: None
    return client


def publish(srv, tmp_path, evaluation=None, mode="update", status=False, **env):
    evaluation = evaluation or sample_evaluation()
    return github.publish(
        evaluation,
        markdown.render(evaluation),
        mode=mode,
        key="credit",
        author=github.DEFAULT_AUTHOR,
        commit_status=status,
        env=env_for(srv, tmp_path, **env),
        client=fast_client(srv),
    )


def test_many_runs_leave_one_comment_updated_in_place(server, tmp_path):
    for status in ("fail", "pass", "fail", "pass"):
        outcome = publish(server, tmp_path, sample_evaluation(status))
        assert not outcome.warnings
    (comment,) = server.api.comments[THREAD]
    assert comment["body"].startswith(marker("credit")) and "**approved**" in comment["body"]
    assert [r.method for r in server.api.requests if r.method != "GET"] == [
        "POST",
        "PATCH",
        "PATCH",
        "PATCH",
    ]


def test_an_unchanged_report_is_not_posted_again(server, tmp_path):
    publish(server, tmp_path)
    outcome = publish(server, tmp_path)
    assert outcome.done[-1] == "comment: unchanged"
    assert [r.method for r in server.api.requests] == ["GET", "POST", "GET"]


def test_a_502_then_success_is_retried(server, tmp_path):
    server.api.fail_next("POST", r"/comments$", 502)
    outcome = publish(server, tmp_path)
    assert not outcome.warnings and len(server.api.comments[THREAD]) == 1
    assert [r.method for r in server.api.requests] == ["GET", "POST", "POST"]


def test_a_secondary_rate_limit_is_retried(server, tmp_path):
    server.api.fail_next("GET", r"/comments$", 403, **{"Retry-After": "1"})
    assert not publish(server, tmp_path).warnings


def test_a_403_on_a_fork_degrades_to_the_summary(server, tmp_path):
    server.api.fail_next("POST", r"/comments$", 403)
    outcome = publish(server, tmp_path)
    (warning,) = outcome.warnings
    assert "read-only token" in warning and "examples/workflows" in warning
    assert TOKEN not in warning
    assert "**blocked**" in (tmp_path / "summary.md").read_text()


def test_only_the_gates_own_comment_is_touched(server, tmp_path):
    server.api.seed(THREAD, f"{marker('credit')} quoted by a human", "alice")
    server.api.seed(THREAD, f"{marker('other-policy')} another gate", "github-actions[bot]")
    publish(server, tmp_path)
    bodies = [c["body"] for c in server.api.comments[THREAD]]
    assert bodies[:2] == [
        f"{marker('credit')} quoted by a human",
        f"{marker('other-policy')} another gate",
    ]
    assert len(bodies) == 3


def test_the_comment_is_found_on_a_later_page(server, tmp_path):
    for i in range(150):
        server.api.seed(THREAD, f"comment {i}", "bob")
    publish(server, tmp_path)
    publish(server, tmp_path, sample_evaluation("pass"))
    ours = [c for c in server.api.comments[THREAD] if marker("credit") in c["body"]]
    assert len(ours) == 1
    pages = [r.query.get("page") for r in server.api.requests if r.method == "GET"]
    assert ["2"] in pages


@pytest.mark.parametrize(("mode", "expected"), [("new", 2), ("delete-and-new", 1), ("off", 0)])
def test_modes(server, tmp_path, mode, expected):
    publish(server, tmp_path, mode="new" if mode != "off" else "off")
    publish(server, tmp_path, sample_evaluation("pass"), mode=mode)
    assert len(server.api.comments.get(THREAD, [])) == expected


def test_bodies_are_cut_below_the_comment_limit(server, tmp_path):
    huge = sample_evaluation(message="x" * 100_000)
    publish(server, tmp_path, huge)
    (comment,) = server.api.comments[THREAD]
    assert len(comment["body"]) < 65_536
    assert "https://github.example/acme/models/actions/runs/9" in comment["body"]


def test_commit_status(server, tmp_path):
    publish(server, tmp_path, mode="off", status=True)
    (status,) = server.api.statuses
    assert status["state"] == "failure" and status["context"] == "model-gate/credit"
    assert [r.path for r in server.api.requests] == ["/repos/acme/models/statuses/abc123"]


def test_a_report_only_decision_sets_no_commit_status(server, tmp_path):
    """'success' would read as an approval; a report-only policy approves nothing."""
    import dataclasses

    from gate.results import Verdict

    evaluation = sample_evaluation()
    decision = dataclasses.replace(evaluation.decision, verdict=Verdict.REPORT)
    outcome = publish(
        server, tmp_path, dataclasses.replace(evaluation, decision=decision), "off", True
    )
    assert server.api.statuses == [] and server.api.requests == []
    assert any("report-only" in line for line in outcome.done)


def test_a_report_only_run_blocked_by_its_policy_check_counts_only_that_as_blocking(
    server, tmp_path
):
    """A report-only run blocks only on its policy check (e.g. an unapproved loosening); its
    other unmet block checks are not enforced, so the status does not count them."""
    import dataclasses

    from gate.results import Verdict

    evaluation = sample_evaluation()
    failed = evaluation.decision.results[0]
    policy = dataclasses.replace(failed, id="policy-changes", type="policy")
    decision = dataclasses.replace(
        evaluation.decision,
        verdict=Verdict.BLOCK,
        report_only=True,
        results=(failed, policy),
    )
    publish(server, tmp_path, dataclasses.replace(evaluation, decision=decision), "off", True)
    (status,) = server.api.statuses
    assert status["state"] == "failure"
    assert status["description"].startswith("block: 1 blocking")


def test_summary_is_kept_under_one_mebibyte(tmp_path):
    path = tmp_path / "s.md"
    github.write_summary(str(path), "é" * 700_000)
    assert len(path.read_bytes()) < 1024 * 1024


@needs("github-rest-subset.openapi.json")
def test_requests_match_the_public_api_description(server, tmp_path):
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource

    spec = json.loads(conformance_file("github-rest-subset.openapi.json").read_text())
    registry = Registry().with_resource("", Resource.opaque(spec))
    server.api.seed(THREAD, f"{marker('credit')} old", "github-actions[bot]")
    publish(server, tmp_path, status=True)
    publish(server, tmp_path, sample_evaluation("pass"), mode="delete-and-new")
    templates = {re.sub(r"\{[^}]+\}", "[^/]+", p): p for p in spec["paths"]}
    for req in server.api.requests:
        template = next(t for rx, t in templates.items() if re.fullmatch(rx, req.path))
        operation = spec["paths"][template][req.method.lower()]
        assert req.headers["Authorization"] == f"Bearer {TOKEN}"
        assert req.headers["Accept"] == "application/vnd.github+json"
        if req.body is not None:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            OAS30Validator(schema, registry=registry).validate(req.body)
        for name in req.query:
            params = [
                p.get("name") or spec["components"]["parameters"][p["$ref"].split("/")[-1]]["name"]
                for p in operation.get("parameters", [])
            ]
            assert name in params, (name, template)


@pytest.mark.parametrize("api_url", ["not a url", "ftp://127.0.0.1:1/api"])
def test_an_unusable_api_url_is_a_warning(tmp_path, api_url):
    evaluation = sample_evaluation()
    env = {
        "GITHUB_API_URL": api_url,
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_TOKEN": TOKEN,
        "MODEL_GATE_PR_NUMBER": "4",
    }
    outcome = github.publish(
        evaluation, "report", mode="update", key="k", author=None, commit_status=False, env=env
    )
    (warning,) = outcome.warnings
    assert warning.startswith("could not post the comment") and TOKEN not in warning
