"""The Mermaid per-group chart in report.md: only where it helps, small, hostile names inert."""

from __future__ import annotations

import dataclasses
import re

import pytest
from test_html_report import fairness_result, full_evaluation

from gate.ci.github import COMMENT_LIMIT
from gate.ci.sticky import compose
from gate.report import markdown, mermaid
from gate.results import CheckResult, Severity, Status

HOSTILE = [
    'a"b',
    "x]y[z",
    "line\nbreak",
    "```\n## injected",
    "%% comment",
    "#quot; entity",
    "</details><img src=x onerror=alert(1)>",
    "back`tick",
    "\u202eevil",
]


def ratio_result(names: list[str]) -> CheckResult:
    """An impact-ratio check over many groups: each group's disparity against min 0.8."""
    groups = tuple(
        {"group": {"race": name}, "n": 100, "value": 0.5, "disparity": 0.5 + i / (2 * len(names))}
        for i, name in enumerate(names)
    )
    groups += ({"group": {"race": "ref"}, "n": 100, "value": 0.6, "reference": True},)
    return CheckResult(
        id="four-fifths", type="fairness", status=Status.FAIL, severity=Severity.BLOCK,
        message="m", metric="selection_rate", value=0.5, threshold={"min": 0.8},
        groups=groups, comparison={"aggregate": "ratio", "method": "to_reference"},
    )  # fmt: skip


def block(text: str) -> str:
    found = re.findall(r"^```mermaid\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    assert len(found) == 1, text
    return found[0]


def test_chart_of_an_unmet_check_has_bars_and_the_bound_as_a_line():
    chart = block(mermaid.group_chart(fairness_result()))
    lines = chart.splitlines()
    assert lines[0] == "xychart-beta"
    assert 'x-axis ["sex=a", "sex=b"]' in chart  # the left-out group is not drawn
    bars = re.search(r"bar \[(.*)\]", chart).group(1)
    line = re.search(r"line \[(.*)\]", chart).group(1)
    assert bars == "0.4, 0.2" and line == "0.35, 0.35"  # lowest TPR 0.2 + max 0.15
    assert "1 past the bound)" in chart


def test_no_chart_for_a_passing_check_or_one_without_a_bound():
    assert mermaid.group_chart(dataclasses.replace(fairness_result(), status=Status.PASS)) == ""
    assert mermaid.group_chart(dataclasses.replace(fairness_result(), threshold={})) == ""
    perf = CheckResult(id="a", type="performance", status=Status.FAIL,
                       severity=Severity.BLOCK, message="m")  # fmt: skip
    assert mermaid.group_chart(perf) == ""


def test_at_most_twelve_groups_the_worst_ones_in_report_order():
    names = [f"g{i:02d}" for i in range(30)]
    chart = block(mermaid.group_chart(ratio_result(names)))
    shown = re.findall(r'"(race=g\d+)"', chart)
    assert shown == [f"race=g{i:02d}" for i in range(12)]  # the lowest impact ratios
    assert re.search(r"line \[(.*)\]", chart).group(1) == ", ".join(["0.8"] * 12)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_group_names_cannot_leave_their_quoted_label(name: str):
    chart = block(mermaid.group_chart(ratio_result([name, "plain"])))
    axis = re.search(r"^    x-axis \[(.*)\]$", chart, re.MULTILINE).group(1)
    labels = re.findall(r'"([^"]*)"', axis)
    assert len(labels) == 3 and ", ".join(f'"{x}"' for x in labels) == axis  # with the reference
    for bad in ('"', "[", "]", "`", "#", "%", "<", ">", "\n", "\u202e"):
        assert bad not in "".join(labels)
    assert len(chart.splitlines()) == 6  # nothing broke a line


def test_markdown_report_carries_the_chart_inside_details_and_fits_the_comment():
    ev = full_evaluation(fairness_result(), ratio_result([f"g{i}" for i in range(500)]))
    report = markdown.render(ev)
    charts = re.findall(r"^```mermaid$", report, re.MULTILINE)
    assert len(charts) == 2
    assert report.index("```mermaid") > report.index("<details><summary>Details")
    assert len(mermaid.group_chart(ev.decision.results[1])) < 1500  # small, whatever the groups
    body = compose(report, "key", COMMENT_LIMIT, None)
    assert len(body) < COMMENT_LIMIT
