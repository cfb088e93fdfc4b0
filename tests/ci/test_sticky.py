"""ci/sticky on its own: reading untrusted comment listings, the marker, cutting a report to
fit, and what each comment mode does to a real pull-request thread (GitHub's, against the fake
API on 127.0.0.1). The publishing end to end is in test_github.py / test_gitlab.py."""

from __future__ import annotations

import re

import pytest
from fakes import FakeApi, FakeServer

from gate.ci import github
from gate.ci.http import PublishError
from gate.ci.sticky import Comment, compose, dig, marker, parse_comments, upsert

# --- untrusted JSON -------------------------------------------------------------------------


def test_dig_follows_objects_and_gives_none_for_anything_else():
    event = {"pull_request": {"head": {"sha": "abc"}, "number": 7}}
    assert dig(event, "pull_request", "head", "sha") == "abc"
    assert dig(event, "pull_request", "number") == 7
    assert dig(event) is event
    assert dig(event, "pull_request", "base", "sha") is None  # a missing level
    assert dig(event, "pull_request", "number", "x") is None  # a level that is not an object
    assert dig(["pull_request"], "pull_request") is None
    assert dig(None, "a") is None


def login(item: dict) -> object:
    return dig(item, "user", "login")


def test_comments_are_read_from_every_page_in_order():
    pages = [
        [{"id": 1, "body": "a", "user": {"login": "x"}}, {"id": 2, "body": "b", "user": {}}],
        [],
        [{"id": 3, "body": "c", "user": {"login": "y"}}],
    ]
    assert parse_comments(pages, login) == [
        Comment(1, "a", "x"),
        Comment(2, "b", ""),
        Comment(3, "c", "y"),
    ]


def test_a_body_or_author_that_is_not_text_reads_as_empty():
    pages = [[{"id": 5, "body": {"html": "<b>"}, "user": {"login": ["bot"]}}, {"id": 6}]]
    assert parse_comments(pages, login) == [Comment(5, "", ""), Comment(6, "", "")]


@pytest.mark.parametrize(
    "item", ["7", 7, None, [], {}, {"id": "7"}, {"id": 7.0}, {"id": True}, {"id": None}]
)
def test_an_item_without_a_numeric_id_is_refused(item):
    with pytest.raises(
        PublishError, match=r"^the comment listing holds an item without a numeric id$"
    ):
        parse_comments([[{"id": 1}], [item]], login)


# --- the marker -----------------------------------------------------------------------------


def test_markers_stay_the_same_across_releases():
    """A comment posted by an earlier release must still be found (and not duplicated)."""
    assert marker("credit") == "<!-- model-gate-comment: credit -->"
    assert marker("Credit_v2.1-eu") == "<!-- model-gate-comment: Credit_v2.1-eu -->"
    # sanitised: "/" becomes "-", plus the first 12 hex digits of sha256("credit/eu")
    assert marker("credit/eu") == "<!-- model-gate-comment: credit-eu-fbe09e878a7e -->"


def test_a_sanitised_key_cannot_close_the_html_comment_or_collide():
    keys = ["a b", "a-b", "a_b", "a.b", "a--> <script>", "a\nb", "ä"]
    markers = [marker(k) for k in keys]
    assert len(set(markers)) == len(keys)
    for m in markers:
        assert re.fullmatch(r"<!-- model-gate-comment: [\w.-]+ -->", m), m  # letters, any script
        assert m.count("-->") == 1, m


# --- cutting to fit -------------------------------------------------------------------------


def test_a_report_that_fits_is_the_marker_and_the_report():
    report = "## model-gate\n\nall checks pass\n"
    body = f"{marker('k')}\n{report}"
    assert compose(report, "k", len(body) + 1, None) == body


def test_a_report_of_exactly_the_limit_is_cut_below_it():
    report = "\n".join(f"line {i}" for i in range(200))
    limit = len(f"{marker('k')}\n{report}")
    body = compose(report, "k", limit, None)
    assert len(body) < limit
    assert "The report was cut to fit a comment" in body


@pytest.mark.parametrize("limit", [400, 1000, 4096, 65_536])
def test_a_cut_report_ends_at_a_line_end_below_the_limit(limit):
    lines = [f"| group {i} | 0.{i:04d} |" for i in range(5000)]
    body = compose("\n".join(lines), "k", limit, "https://ci.example/run/1")
    assert len(body) < limit
    head, note = body.split("\n\n---\n")
    assert head.startswith(marker("k") + "\n")
    kept = head.split("\n")[1:]
    assert kept and kept == lines[: len(kept)]  # whole lines, from the start, none split
    assert note == (
        "*The report was cut to fit a comment; the full report is [here](https://ci.example/run/1).*"
    )


def test_without_a_link_the_note_points_at_the_job_summary():
    body = compose("x\n" * 1000, "k", 300, None)
    assert body.endswith(
        "\n\n---\n*The report was cut to fit a comment; the full report is "
        "in the CI job's summary.*"
    )
    assert len(body) < 300


def test_the_cut_closes_an_open_code_fence():
    report = "intro\n```\n" + "row\n" * 1000
    head = compose(report, "k", 500, None).split("\n\n---\n")[0]
    assert head.endswith("\nrow\n```")
    assert head.count("```") == 2


def test_a_closed_code_fence_is_not_closed_again():
    report = "```\ncode\n```\n" + "row\n" * 1000
    head = compose(report, "k", 500, None).split("\n\n---\n")[0]
    assert head.count("```") == 2 and head.endswith("\nrow")


def test_the_cut_closes_every_details_block_left_open():
    report = (
        "<DETAILS><summary>a</summary>\n"  # HTML is case-insensitive
        "<details><summary>b</summary>\ninner\n</details >\n"  # closed, with a space
        "<details open><summary>c</summary>\n" + "row\n" * 1000
    )
    head = compose(report, "k", 600, None).split("\n\n---\n")[0]
    assert head.endswith("\nrow\n</details>\n</details>")
    closes = re.findall(r"</details\s*>", head, re.IGNORECASE)
    assert len(closes) == len(re.findall(r"<details\b", head, re.IGNORECASE)) == 3


def test_every_limit_is_kept_below_with_every_block_closed():
    """Blocks left open anywhere (some never closed): whatever the limit, the body stays below
    it, and every code fence and <details> the cut leaves open is closed."""
    report = "".join(
        f"<details><summary>g{i}</summary>\n\n```\n"
        + "row\n" * (i % 5)
        + ("```\n</details>\n" if i % 3 else "")
        for i in range(200)
    )
    for limit in range(250, 3000):
        body = compose(report, "k", limit, None)
        assert len(body) < limit, limit
        head = body.split("\n\n---\n")[0]
        assert head.count("```") % 2 == 0, limit
        assert head.count("<details>") == head.count("</details>"), limit


def test_a_report_without_line_ends_is_still_cut_below_the_limit():
    body = compose("x" * 10_000, "k", 500, None)
    assert len(body) < 500
    assert "The report was cut" in body


# --- the modes, on a pull request's comments ------------------------------------------------

THREAD = "acme/models#42"
BOT = github.DEFAULT_AUTHOR


@pytest.fixture(scope="module")
def server():
    with FakeServer(FakeApi(user=BOT)) as srv:
        yield srv


@pytest.fixture
def api(server):
    """The fake API, emptied, with the real GitHub thread of pull request 42 on it."""
    api = server.api
    api.comments.clear()
    api.requests.clear()
    client = github.client_for(github.detect({"GITHUB_API_URL": server.url, "GITHUB_TOKEN": "t"}))
    client.sleep = lambda s: None
    api.thread = github.PullRequestThread(client, "acme/models", 42)
    return api


def bodies(api: FakeApi) -> list[tuple[str, str]]:
    return [(c["user"]["login"], c["body"]) for c in api.comments.get(THREAD, [])]


def writes(api: FakeApi) -> list[str]:
    return [r.method for r in api.requests if r.method != "GET"]


def body(text: str, key: str = "k") -> str:
    return f"{marker(key)}\n{text}"


def test_off_touches_nothing(api):
    api.seed(THREAD, body("old"), BOT)
    assert upsert(api.thread, body("new"), "k", "off", BOT) == "off"
    assert api.requests == [] and bodies(api) == [(BOT, body("old"))]


def test_new_adds_a_comment_each_run(api):
    api.seed(THREAD, body("old"), BOT)
    assert upsert(api.thread, body("new"), "k", "new", BOT) == "created"
    assert bodies(api) == [(BOT, body("old")), (BOT, body("new"))]


def test_update_creates_the_first_comment_then_edits_it_in_place(api):
    assert upsert(api.thread, body("one"), "k", "update", BOT) == "created"
    assert upsert(api.thread, body("two"), "k", "update", BOT) == "updated"
    assert bodies(api) == [(BOT, body("two"))]
    assert writes(api) == ["POST", "PATCH"]


def test_update_leaves_an_identical_comment_alone(api):
    api.seed(THREAD, body("same"), BOT)
    assert upsert(api.thread, body("same"), "k", "update", BOT) == "unchanged"
    assert writes(api) == []


def test_update_edits_only_the_first_of_the_gates_comments(api):
    api.seed(THREAD, body("first"), BOT)
    api.seed(THREAD, body("second"), BOT)
    assert upsert(api.thread, body("new"), "k", "update", BOT) == "updated"
    assert bodies(api) == [(BOT, body("new")), (BOT, body("second"))]


def test_comments_of_other_authors_and_other_keys_are_never_touched(api):
    api.seed(THREAD, body("forged"), "mallory")  # carries the marker, but not the bot's
    api.seed(THREAD, body("other policy", key="fraud"), BOT)
    assert upsert(api.thread, body("new"), "k", "update", BOT) == "created"
    assert upsert(api.thread, body("newer"), "k", "delete-and-new", BOT) == "replaced"
    assert bodies(api) == [
        ("mallory", body("forged")),
        (BOT, body("other policy", key="fraud")),
        (BOT, body("newer")),
    ]


def test_without_a_known_author_any_comment_with_the_marker_is_the_gates(api):
    api.seed(THREAD, body("old"), "someone")
    assert upsert(api.thread, body("new"), "k", "update", None) == "updated"
    assert bodies(api) == [("someone", body("new"))]


def test_delete_and_new_replaces_every_comment_of_the_gate(api):
    api.seed(THREAD, body("one"), BOT)
    api.seed(THREAD, "unrelated", BOT)
    api.seed(THREAD, body("two"), BOT)
    assert upsert(api.thread, body("new"), "k", "delete-and-new", BOT) == "replaced"
    assert bodies(api) == [(BOT, "unrelated"), (BOT, body("new"))]
    assert writes(api) == ["DELETE", "DELETE", "POST"]


def test_delete_and_new_with_nothing_to_delete_creates(api):
    assert upsert(api.thread, body("new"), "k", "delete-and-new", BOT) == "created"
    assert bodies(api) == [(BOT, body("new"))] and writes(api) == ["POST"]
