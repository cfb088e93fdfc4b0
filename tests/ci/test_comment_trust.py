"""`model-gate comment` refuses a tampered report.json: nothing posted, no status, exit 2."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from fakes import FakeApi, FakeServer
from fakes import post_comment as post
from helpers import run_check, run_cli, write_policy

POLICY = """
    version: 1
    name: credit
    data: {label: y}
    checks:
      - {id: auc-high, type: performance, metric: roc_auc, min: 0.99}
      - {id: acc, type: performance, metric: accuracy, min: 0.5, severity: warn}
"""


@pytest.fixture(scope="module")
def report(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A real report.json: auc-high fails (blocking), acc passes (warn severity)."""
    tmp = tmp_path_factory.mktemp("trust")
    write_policy(tmp / "p.yaml", POLICY)
    run = run_check(
        tmp / "p.yaml", workspace / "eval.csv", model=workspace / "candidate.skops", out=tmp / "out"
    )
    assert run.code == 1, run.stderr
    return json.loads((tmp / "out" / "report.json").read_text())


def approve(doc: dict) -> dict:
    doc.update(decision="approve", exit_code=0)
    return doc


def set_check(index: int, **fields) -> callable:
    def edit(doc: dict) -> dict:
        doc["checks"][index].update(fields)
        return doc

    return edit


WAIVER = {"reason": "r", "approved_by": "risk", "expires": "2030-01-01", "state": "expired"}
TAMPERED = {
    "approved-with-failed-blocking-check": (approve, "decision"),
    "exit-code-zero-on-block": (lambda d: {**d, "exit_code": 0}, "exit_code"),
    "summary-hides-the-failure": (
        lambda d: {**d, "summary": {**d["summary"], "fail": 0, "pass": 2}},
        "summary",
    ),
    "tool-version-markdown": (
        lambda d: {**d, "tool": {"name": "model-gate", "version": "1 [x](https://evil)"}},
        "tool/version",
    ),
    "metric-with-markup": (set_check(0, metric="roc_auc | <img src=x>"), "checks/0/metric"),
    "waiver-expires-not-a-date": (
        set_check(0, waiver={**WAIVER, "expires": "2030-01-01 <b>soon</b>"}),
        "checks/0/waiver/expires",
    ),
    "waiver-expires-impossible-date": (
        set_check(0, waiver={**WAIVER, "expires": "2030-02-31"}),
        "checks/0/waiver/expires",
    ),
    "waived-without-a-waiver": (set_check(0, status="waived"), "checks/0"),
    "waived-on-an-expired-waiver": (
        set_check(0, status="waived", waiver=WAIVER),
        "checks/0/waiver/state",
    ),
    "status-outside-the-enum": (set_check(0, status="ok"), "checks/0/status"),
    "severity-outside-the-enum": (set_check(0, severity="blocker"), "checks/0/severity"),
    "value-as-text": (set_check(0, value="0.99"), "checks/0/value"),
    "check-id-with-markup": (set_check(0, id="auc`<b>"), "checks/0/id"),
    "unknown-key": (set_check(0, html="<script>"), "checks/0"),
    "approved-while-inconclusive": (
        lambda d: approve(set_check(0, status="inconclusive")(d)),
        "'auc-high' says inconclusive",  # the value is plainly below min: a fail, not unsure
    ),
    "approved-while-error": (lambda d: approve(set_check(0, status="error")(d)), "decision"),
}


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_tampered_report_is_refused_and_nothing_is_posted(report, tmp_path, name):
    edit, where = TAMPERED[name]
    code, stderr, api = post(tmp_path, edit(copy.deepcopy(report)))
    assert code == 2, stderr
    assert where in stderr and "report.json" in stderr and "Traceback" not in stderr
    assert api.requests == [] and api.statuses == []


def test_approval_claimed_despite_fail_on_warn_is_refused(report, tmp_path):
    doc = copy.deepcopy(report)
    doc["fail_on_warn"] = True
    doc["checks"] = [{**doc["checks"][1], "status": "warn"}]
    doc.update(decision="approve", exit_code=0, summary={"warn": 1})
    code, stderr, api = post(tmp_path, doc)
    assert code == 2 and "decision" in stderr and not api.requests


def test_non_finite_numbers_are_refused(report, tmp_path):
    text = json.dumps(report).replace('"value": ', '"value": NaN, "x": ', 1)
    code, stderr, api = post(tmp_path, text)
    assert code == 2 and "NaN is not a JSON number" in stderr and not api.requests


def test_the_untouched_report_is_posted_with_a_failure_status(report, tmp_path):
    code, stderr, api = post(tmp_path, copy.deepcopy(report))
    assert code == 0, stderr
    assert [s["state"] for s in api.statuses] == ["failure"]
    assert "**blocked**" in api.comments["acme/models#8"][0]["body"]


def status_paths(tmp_path: Path, report: dict, event: dict, *extra: str) -> tuple[int, list]:
    (tmp_path / "report.json").write_text(json.dumps(report))
    (tmp_path / "event.json").write_text(json.dumps(event))
    with FakeServer(FakeApi()) as srv:
        env = {
            "GITHUB_API_URL": srv.url,
            "GITHUB_REPOSITORY": "acme/models",
            "GITHUB_TOKEN": "ghs_token",
            "GITHUB_SHA": "defa017b7a9c",  # the default branch, in a workflow_run job
            "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        }
        args = ("comment", tmp_path / "report.json", "--platform", "github", "--pr", "8")
        run = run_cli(*args, "--commit-status", "--comment-mode", "off", *extra, env=env)
        paths = [r.path for r in srv.api.requests]
    assert run.code in (0, 2), run.stderr
    return run.code, paths


def test_workflow_run_status_goes_to_the_pull_requests_head(report, tmp_path):
    event = {"workflow_run": {"head_sha": "1234abcd5678", "event": "pull_request"}}
    code, paths = status_paths(tmp_path, report, event)
    assert code == 0 and paths == ["/repos/acme/models/statuses/1234abcd5678"]


def test_sha_flag_wins_and_is_checked(report, tmp_path):
    code, paths = status_paths(tmp_path, report, {}, "--sha", "cafe1234")
    assert code == 0 and paths == ["/repos/acme/models/statuses/cafe1234"]
    code, paths = status_paths(tmp_path, report, {}, "--sha", "../../issues/1")
    assert code == 2 and paths == []


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_a_report_that_is_not_a_bounded_regular_file_is_refused(tmp_path, kind):
    """report.json comes from another job: a FIFO must not hang the reader, nor a huge file
    exhaust memory."""
    import os

    from gate.errors import InputError
    from gate.report import from_json

    path = tmp_path / "report.json"
    if kind == "fifo":
        os.mkfifo(path)
        match = "not a regular file"
    else:
        with path.open("wb") as fh:
            fh.truncate(from_json.MAX_REPORT_BYTES + 1)
        match = "larger|too large|limit"
    with pytest.raises(InputError, match=match):
        from_json.load_report(path)
