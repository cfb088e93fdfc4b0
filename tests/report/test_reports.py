"""Report formats: report.json against its schema, Markdown escaping, terminal colours."""

from __future__ import annotations

import json

import jsonschema
import pytest

from gate.decision import decide
from gate.errors import UsageError
from gate.report import FORMATS, json_report, markdown, text
from gate.results import BaselineComparison, CheckResult, Evaluation, Severity, Status

SCHEMA = json.loads(
    __import__("importlib.resources")
    .resources.files("gate.schemas")
    .joinpath("report.schema.json")
    .read_text()
)
INPUTS = {
    "policy": {"path": "p.yaml", "sha256": "a" * 64},
    "data": {"path": "d.csv", "sha256": "b" * 64, "rows": 10},
    "model": None,
    "baseline_model": None,
    "task": "binary_classification",
    "binding": {},
}


def evaluation(*results: CheckResult) -> Evaluation:
    import datetime as dt

    return Evaluation(decide(list(results), (), dt.date(2026, 1, 1)), "pol", INPUTS, 0, "0.1.0")


def result(**kw) -> CheckResult:
    base = {
        "id": "auc",
        "type": "performance",
        "status": Status.PASS,
        "severity": Severity.BLOCK,
        "message": "ok",
        "metric": "roc_auc",
        "value": 0.81,
        "threshold": {"min": 0.8},
    }
    return CheckResult(**{**base, **kw})


@pytest.mark.parametrize(
    "ev",
    [
        evaluation(result()),
        evaluation(
            result(
                status=Status.FAIL,
                ci=(0.7, 0.9),
                confidence=0.95,
                baseline=BaselineComparison(0.8, 0.01, -0.01, None, rule={"max_drop": 0.0}),
            )
        ),
        evaluation(result(status=Status.ERROR, value=None, message="boom")),
    ],
)
def test_report_json_matches_its_schema(ev: Evaluation):
    data = json.loads(json_report.render(ev))
    jsonschema.validate(data, SCHEMA)
    assert data["decision"] == ev.decision.verdict.value
    assert data["exit_code"] == ev.decision.exit_code


def test_json_leaves_out_empty_optional_fields():
    (entry,) = json_report.to_dict(evaluation(result()))["checks"]
    assert "ci" not in entry and "baseline" not in entry and entry["threshold"] == {"min": 0.8}


def test_markdown_shows_untrusted_text_literally():
    evil = "<img src=x onerror=alert(1)> @org/team | `x` [link](http://e)"
    md = markdown.render(evaluation(result(status=Status.FAIL, message=evil)))
    assert "<img" not in md and "&lt;img" in md
    assert "@org" not in md and "\\|" in md and "\\[link\\]" in md


def test_markdown_headline_and_table():
    md = markdown.render(
        evaluation(result(), result(id="rec", status=Status.WARN, severity=Severity.WARN))
    )
    assert md.startswith(markdown.MARKER)
    assert "**approved**" in md and "1 of 2 checks passed · 1 warning" in md
    assert "| ⚠️ warn | `rec` | roc\\_auc | 0.81 | ≥ 0.8 | — | warn |" in md


def test_text_colours_only_when_asked():
    ev = evaluation(result(status=Status.FAIL))
    assert "\033[" not in text.render(ev)
    assert "\033[31m" in text.render(ev, color=True)
    assert "BLOCKED" in text.render(ev)


def test_every_format_renders_text():
    ev = evaluation(result(status=Status.FAIL))
    for name, fmt in FORMATS.items():
        if name == "audit":  # summarises rate fairness checks only: tests/report/test_audit.py
            with pytest.raises(UsageError, match="--format audit"):
                fmt.render(ev)
            continue
        assert fmt.render(ev).strip()


def test_report_json_reads_back_into_the_same_report(tmp_path):
    from gate.report.from_json import load_report

    ev = evaluation(
        result(
            status=Status.FAIL,
            ci=(0.7, 0.9),
            confidence=0.95,
            location="p.yaml:3:5",
            baseline=BaselineComparison(0.8, 0.01, -0.01, -0.0125, rule={"max_drop": 0.0}),
        )
    )
    (tmp_path / "report.json").write_text(json_report.render(ev))
    again = load_report(tmp_path / "report.json")
    assert json_report.render(again) == json_report.render(ev)
    assert markdown.render(again) == markdown.render(ev)


def test_group_names_from_data_are_shown_literally():
    evil = "<img src=x onerror=alert(1)>|@org/team"
    groups = ({"group": {"race": evil}, "n": 3, "value": 0.5},)
    md = markdown.render(evaluation(result(type="fairness", groups=groups)))
    assert "<img" not in md and "@org" not in md and "race=&lt;img" in md
    assert "\\|\\@\u200borg/team" in md


def test_html_report_shows_untrusted_text_literally():
    from html.parser import HTMLParser

    from gate.report import html_report

    evil = '<img src=x onerror=alert(1)>"><script>x</script>'
    groups = ({"group": {"race": evil}, "n": 3, "value": 0.5},)
    page = html_report.render(evaluation(result(status=Status.FAIL, message=evil, groups=groups)))

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags = set()

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)

    parser = Tags()
    parser.feed(page)
    assert not parser.tags & {"img", "script"}
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "blocked" in page


@pytest.mark.parametrize("fmt", ["text", "markdown", "html_report"])
def test_a_report_only_decision_never_reads_as_approved_or_blocked(fmt):
    import dataclasses
    import importlib

    from gate.results import Verdict

    ev = evaluation(result(status=Status.FAIL))
    ev = dataclasses.replace(ev, decision=dataclasses.replace(ev.decision, verdict=Verdict.REPORT))
    page = importlib.import_module(f"gate.report.{fmt}").render(ev).lower()
    assert "report only" in page
    assert "approved" not in page and "blocked" not in page
