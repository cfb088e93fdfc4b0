"""Comment listings: `Link` / `X-Next-Page` paging, a page cap, cut bodies, distinct markers."""

from __future__ import annotations

import re

import pytest
from fakes import FakeApi, FakeServer
from helpers import sample_evaluation
from quirky import Quirks, QuirkyServer

from gate.ci import github, gitlab
from gate.ci.http import MAX_PAGES, Client
from gate.ci.sticky import compose, marker
from gate.report import markdown

GH_THREAD, GL_THREAD = "acme/models#42", "42#7"


def gh_publish(srv, tmp_path, key="credit", status="fail"):
    evaluation = sample_evaluation(status)
    client = github.client_for(github.detect({"GITHUB_API_URL": srv.url, "GITHUB_TOKEN": "t"}))
    client.sleep = lambda s: None
    env = {
        "GITHUB_API_URL": srv.url,
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_TOKEN": "t",
        "MODEL_GATE_PR_NUMBER": "42",
    }
    return github.publish(
        evaluation,
        markdown.render(evaluation),
        mode="update",
        key=key,
        author=github.DEFAULT_AUTHOR,
        commit_status=False,
        env=env,
        client=client,
    )


def gl_publish(srv, status="fail"):
    env = {
        "CI_API_V4_URL": f"{srv.url}/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
        "MODEL_GATE_GITLAB_TOKEN": "glpat",
    }
    client = Client(env["CI_API_V4_URL"], {"PRIVATE-TOKEN": "glpat"}, sleep=lambda s: None)
    report = markdown.render(sample_evaluation(status))
    return gitlab.publish(report, mode="update", key="credit", author="bot", env=env, client=client)


def seed_with_ours_on_page_two(api: FakeApi, thread: str, author: str) -> None:
    for i in range(40):
        api.seed(thread, f"comment {i}", "alice")
    api.seed(thread, f"{marker('credit')}\nold report", author)


def test_github_pages_of_thirty_are_followed(tmp_path):
    with QuirkyServer(FakeApi(), Quirks(page_size=30)) as srv:
        seed_with_ours_on_page_two(srv.api, GH_THREAD, "github-actions[bot]")
        outcome = gh_publish(srv, tmp_path)
        ours = [c for c in srv.api.comments[GH_THREAD] if marker("credit") in c["body"]]
    assert outcome.done == ["comment: updated"], outcome.warnings
    assert len(ours) == 1


@pytest.mark.parametrize("headers", ["link", "x-next-page"])
def test_gitlab_pages_of_twenty_are_followed(headers):
    with QuirkyServer(FakeApi(user="bot"), Quirks(page_size=20, headers=headers)) as srv:
        seed_with_ours_on_page_two(srv.api, GL_THREAD, "bot")
        outcome = gl_publish(srv)
        ours = [c for c in srv.api.comments[GL_THREAD] if marker("credit") in c["body"]]
    assert outcome.done == ["note: updated"], outcome.warnings
    assert len(ours) == 1


@pytest.mark.parametrize("headers", ["link", "x-next-page", "none"])
def test_an_endless_listing_stops_at_the_cap_and_posts_nothing(tmp_path, headers):
    quirks = Quirks(page_size=100, headers=headers, endless=True)
    with QuirkyServer(FakeApi(user="bot"), quirks) as srv:
        outcomes = [gh_publish(srv, tmp_path), gl_publish(srv)]
        methods = [r.method for r in srv.api.requests]
    for outcome in outcomes:
        (warning,) = outcome.warnings
        assert f"more than {MAX_PAGES} pages" in warning and not outcome.done
    assert set(methods) == {"GET"} and methods.count("GET") == 2 * MAX_PAGES


def test_a_link_to_another_server_is_not_followed(tmp_path):
    quirks = Quirks(page_size=30, next_host="http://203.0.113.9")
    with QuirkyServer(FakeApi(), quirks) as srv:
        seed_with_ours_on_page_two(srv.api, GH_THREAD, "github-actions[bot]")
        outcome = gh_publish(srv, tmp_path)
        methods = [r.method for r in srv.api.requests]
    assert "another server" in outcome.warnings[0] and methods == ["GET"]


@pytest.mark.parametrize("listing", ['{"message": "moved"}', '[{"id": "7", "body": "x"}]', "[1]"])
def test_a_listing_of_the_wrong_shape_is_a_warning(tmp_path, listing):
    quirks = Quirks(garbage=[("GET", r"/comments$", listing)])
    with QuirkyServer(FakeApi(), quirks) as srv:
        outcome = gh_publish(srv, tmp_path)
        assert [r.method for r in srv.api.requests] == ["GET"]
    assert outcome.warnings and outcome.warnings[0].startswith("could not post the comment")


def test_a_cut_comment_closes_its_details_before_the_note():
    report = "## head\n<details><summary>Groups</summary>\n\n```\n" + "row\n" * 30_000
    body = compose(report, "credit", 65_536, "https://ci/run/1")
    assert len(body) < 65_536
    head, _note = body.split("\n\n---\n*The report was cut")
    assert head.endswith("\n```\n</details>")
    assert head.count("<details>") == head.count("</details>") == 1


def test_keys_that_sanitise_alike_keep_separate_comments(tmp_path):
    keys = ["credit/eu", "credit-eu", "credit eu"]
    assert len({marker(k) for k in keys}) == 3
    assert marker("credit") == "<!-- model-gate-comment: credit -->"
    with FakeServer(FakeApi()) as srv:
        for key in keys * 2:
            gh_publish(srv, tmp_path, key=key)
        bodies = [c["body"] for c in srv.api.comments[GH_THREAD]]
    assert len(bodies) == 3
    assert all(re.match(r"<!-- model-gate-comment: [A-Za-z0-9_.-]+ -->", b) for b in bodies)
