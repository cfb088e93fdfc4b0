"""`model-gate comment` on the report.json of `model-gate analyze`: an analysis may hold back
its checks' own verdict (inconclusive on too few labelled rows), which the report states as
`checks_decision`; the re-judging accepts exactly that — never an approval the checks do not
give — and refuses a report that forges it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from canary_data import LATE, analyze, write_canary
from fakes import post_comment as post

EARLY = "2026-01-04T03:00:00Z"  # a few hours of labels matured: too few rows to decide


def analysed(root: Path, out: Path, as_of: str, *extra: str, **kwargs: object) -> dict:
    root.mkdir()
    paths = write_canary(root, **kwargs)
    run = analyze(paths, "--output-dir", out, "--format", "junit", *extra, as_of=as_of)
    assert run.code == 4, run.stdout + run.stderr
    junit = (out / "junit.xml").read_text()  # the test view is not green while exit is 4
    assert 'name="analysis decision"' in junit and 'type="inconclusive"' in junit
    return json.loads((out / "report.json").read_text())


@pytest.fixture(scope="module")
def held_approval(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Checks that approve, the analysis inconclusive: fewer candidate rows than it asks."""
    tmp = tmp_path_factory.mktemp("held")
    return analysed(tmp / "logs", tmp / "out", LATE, "--min-samples", "100000")


@pytest.fixture(scope="module")
def held_block(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Checks that block on the few rows matured (a planted regression), the analysis
    inconclusive: too few rows is not a decision."""
    tmp = tmp_path_factory.mktemp("held-block")
    return analysed(tmp / "logs", tmp / "out", EARLY, regressed="east")


def test_the_analysis_states_the_checks_own_verdict(held_approval, held_block):
    assert held_approval["decision"] == "inconclusive" and held_approval["exit_code"] == 4
    assert held_approval["checks_decision"] == "approve"
    assert held_block["decision"] == "inconclusive" and held_block["checks_decision"] == "block"


@pytest.mark.parametrize("which", ["held_approval", "held_block"])
def test_an_inconclusive_analysis_is_posted_as_inconclusive(request, tmp_path, which):
    code, stderr, api = post(tmp_path, copy.deepcopy(request.getfixturevalue(which)))
    assert code == 0, stderr
    assert [s["state"] for s in api.statuses] == ["failure"]
    body = api.comments["acme/models#8"][0]["body"]
    assert "inconclusive" in body.lower() and "the analysis decides" in body


def _approved(d: dict) -> dict:
    return {**d, "decision": "approve", "exit_code": 0}


def _own_verdict_forged(d: dict) -> dict:
    return {**d, "checks_decision": "approve" if d["checks_decision"] == "block" else "block"}


def _unstated(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "checks_decision"}


def _same_as_checks(d: dict) -> dict:
    return {**d, "decision": d["checks_decision"], "exit_code": 1}


FORGED = {
    "approved-over-the-checks": (_approved, "analysis decides block or inconclusive"),
    "checks-verdict-forged": (_own_verdict_forged, "checks_decision"),
    "inconclusive-without-checks-verdict": (_unstated, "without checks_decision"),
    "decision-equal-to-checks-verdict": (_same_as_checks, "analysis decides"),
}


@pytest.mark.parametrize("name", sorted(FORGED))
@pytest.mark.parametrize("which", ["held_approval", "held_block"])
def test_a_forged_analysis_report_is_refused_and_nothing_posted(request, tmp_path, which, name):
    edit, where = FORGED[name]
    report = edit(copy.deepcopy(request.getfixturevalue(which)))
    code, stderr, api = post(tmp_path, report)
    assert code == 2, stderr
    assert where in stderr and "Traceback" not in stderr
    assert api.requests == [] and api.statuses == []
