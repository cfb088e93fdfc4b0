"""junit.xml (JUnit XSD), codequality.json (GitLab's format) and GitHub annotations."""

from __future__ import annotations

import json
from pathlib import Path

from conformance import needs
from test_reports import evaluation, result

from gate.report import codequality, github, junit
from gate.results import Severity, Status

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
EVIL = "<img src=x onerror=alert(1)> @org/team ::set-output name=x::1\n::error::boom %0A"


def mixed():
    return evaluation(
        result(id="auc", status=Status.FAIL, location="policy.yaml:7:5", message=EVIL),
        result(id="rec", status=Status.WARN, severity=Severity.WARN, location="p.yaml:9:5"),
        result(id="base", status=Status.ERROR, message="no baseline", location="p.yaml:3:5"),
        result(id="ok"),
    )


@needs("junit-10.xsd")
def test_junit_validates_against_the_xsd():
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(CONFORMANCE / "junit-10.xsd")))
    doc = etree.fromstring(junit.render(mixed()).encode())
    assert schema.validate(doc), schema.error_log
    suite = doc.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    assert doc.find(".//testcase[@name='auc']/failure").get("message") == EVIL


def test_codequality_entries_are_complete_and_unique():
    issues = json.loads(codequality.render(mixed()))
    assert len(issues) == 3
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == 3
    first = issues[0]
    assert first["location"] == {"path": "policy.yaml", "lines": {"begin": 7}}
    assert first["severity"] == "critical"
    assert {i["check_name"]: i["severity"] for i in issues}["model-gate/performance/base"] == (
        "blocker"
    )


def test_annotations_are_escaped_and_point_at_the_policy_line():
    lines = github.render(mixed()).splitlines()
    assert lines[0].startswith("::error file=policy.yaml,line=7,title=model-gate%3A auc fail::")
    assert all(line.startswith("::") for line in lines)
    assert "\n::error::boom" not in github.render(mixed())
    assert "%0A::error::boom %250A" in lines[0]
    assert any(line.startswith("::warning file=p.yaml,line=9") for line in lines)


def test_annotations_are_capped_per_level():
    many = evaluation(
        *[result(id=f"c{i}", status=Status.FAIL, location="p.yaml:1:1") for i in range(13)]
    )
    lines = github.render(many).splitlines()
    assert len(lines) == 11 and lines[-1].startswith("::error::3 more model-gate errors")


@needs("junit-10.xsd")
def test_junit_fails_an_analysis_that_held_the_checks_verdict_back():
    import dataclasses

    from lxml import etree

    from gate.results import Verdict

    passing = evaluation(result(id="auc"), result(id="rec"))
    assert passing.decision.verdict is Verdict.APPROVE
    held = dataclasses.replace(
        passing.decision,
        verdict=Verdict.INCONCLUSIVE,
        checks_verdict=Verdict.APPROVE,
        notes=("- fewer than --min-samples 100 labelled candidate rows (42)",),
    )
    doc = etree.fromstring(junit.render(dataclasses.replace(passing, decision=held)).encode())
    schema = etree.XMLSchema(etree.parse(str(CONFORMANCE / "junit-10.xsd")))
    assert schema.validate(doc), schema.error_log
    suite = doc.find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")
    failure = doc.find(".//testcase[@name='analysis decision']/failure")
    assert failure.get("type") == "inconclusive"
    assert "checks' own verdict is approve" in failure.get("message")
    assert "--min-samples 100" in failure.text
    assert doc.find(".//testcase[@name='auc']/failure") is None
    plain = etree.fromstring(junit.render(passing).encode())
    assert plain.find(".//testcase[@name='analysis decision']") is None
