"""GitLab merge-request notes against a fake Notes API on 127.0.0.1."""

from __future__ import annotations

import pytest
from fakes import FakeApi, FakeServer
from helpers import sample_evaluation

from gate.ci import gitlab
from gate.ci.http import Client
from gate.ci.sticky import marker
from gate.report import markdown

THREAD = "42#7"


@pytest.fixture
def server():
    with FakeServer(FakeApi(user="project_42_bot")) as srv:
        yield srv


def env_for(srv: FakeServer, **extra: str) -> dict[str, str]:
    return {
        "CI_API_V4_URL": f"{srv.url}/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
        "MODEL_GATE_GITLAB_TOKEN": "glpat-secret",
        "CI_PIPELINE_URL": "https://gitlab.example/p/-/pipelines/1",
        **extra,
    }


def publish(srv, status="fail", mode="update", **env):
    evaluation = sample_evaluation(status)
    e = env_for(srv, **env)
    client = None
    if e.get("MODEL_GATE_GITLAB_TOKEN"):
        client = Client(
            e["CI_API_V4_URL"],
            {"PRIVATE-TOKEN": e["MODEL_GATE_GITLAB_TOKEN"]},
            sleep=lambda s: None,
        )
    return gitlab.publish(
        markdown.render(evaluation), mode=mode, key="credit", author=None, env=e, client=client
    )


def test_runs_leave_one_note_updated_in_place(server):
    for status in ("fail", "pass", "pass"):
        assert not publish(server, status).warnings
    (note,) = server.api.comments[THREAD]
    assert note["body"].startswith(marker("credit")) and "**approved**" in note["body"]
    writes = [(r.method, r.path) for r in server.api.requests if r.method in ("POST", "PUT")]
    assert writes == [
        ("POST", "/api/v4/projects/42/merge_requests/7/notes"),
        ("PUT", f"/api/v4/projects/42/merge_requests/7/notes/{note['id']}"),
    ]
    assert all(r.headers["PRIVATE-TOKEN"] == "glpat-secret" for r in server.api.requests)


def test_notes_by_others_and_system_notes_are_left_alone(server):
    server.api.seed(THREAD, f"{marker('credit')} pasted by a reviewer", "carol")
    server.api.seed(THREAD, "assigned to @dave", "dave", system=True)
    publish(server)
    assert len(server.api.comments[THREAD]) == 3


def test_a_502_is_retried(server):
    server.api.fail_next("POST", r"/notes$", 502)
    assert not publish(server).warnings
    assert len(server.api.comments[THREAD]) == 1


def test_job_token_only_explains_what_to_do(server):
    outcome = publish(server, MODEL_GATE_GITLAB_TOKEN="", CI_JOB_TOKEN="job")
    (warning,) = outcome.warnings
    assert "job token may read merge-request notes but not create" in warning
    assert "MODEL_GATE_GITLAB_TOKEN" in warning and not server.api.requests


def test_refused_token_is_a_warning(server):
    server.api.fail_next("POST", r"/notes$", 401)
    (warning,) = publish(server).warnings
    assert "api scope" in warning and "glpat" not in warning


def test_outside_merge_request_pipelines_nothing_is_posted(server):
    outcome = publish(server, CI_MERGE_REQUEST_IID="")
    assert "not a merge-request pipeline" in outcome.warnings[0] and not server.api.requests


def test_project_path_ids_are_url_encoded(server):
    thread = gitlab.MergeRequestThread(Client(f"{server.url}/api/v4", {}), "group/sub/proj", 3)
    assert thread.base == "/projects/group%2Fsub%2Fproj/merge_requests/3/notes"
