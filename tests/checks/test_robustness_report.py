"""The probes table of report.md and report.html: every probe and counterfactual group with its
rate, interval and verdict; names from the data escaped (a hostile feature name stays text)."""

from __future__ import annotations

from gate.report.robustness_section import html_table, markdown_table
from gate.results import CheckResult, Severity, Status

HOSTILE = "<img src=x onerror=alert(1)>|x"
RESULT = CheckResult(
    id="rb",
    type="robustness",
    status=Status.FAIL,
    severity=Severity.BLOCK,
    message="m",
    perturbations=(
        {"probe": "noise", "feature": HOSTILE, "rows": 100, "draws": 300,
         "noise": {"std": 0.05}, "range": [0, 9], "flips": 2, "flip_rate": 0.02,
         "ci": [0.0024, 0.0704], "max_score_change": 0.125, "status": "pass"},
        {"probe": "monotonic", "feature": "age", "rows": 100, "draws": 1000,
         "direction": "increasing", "grid": [18.0, 80.0], "violations": 0,
         "violation_rate": 0.0, "ci": [0.0, 0.0362], "status": "pass"},
        {"probe": "counterfactual", "feature": "sex", "rows": 100, "draws": 200,
         "values": ["F", "M"], "proxies": ["title"], "flips": 5, "max_score_change": 0.5,
         "groups": [{"value": "F", "n": 40, "flips": 4, "ci": [0.03, 0.24], "status": "fail"},
                    {"value": "M", "n": 60, "flips": 1, "ci": [0.0, 0.09], "status": "pass"}],
         "flip_rate": 0.05, "status": "fail"},
        {"probe": "counterfactual", "feature": "race", "rows": 0, "status": "skipped",
         "reason": "the model does not take 'race' as an input"},
    ),
)  # fmt: skip


def test_markdown_lists_every_probe_and_group_escaped():
    table = markdown_table(RESULT)
    lines = table.splitlines()
    assert lines[0] == (
        "| Probe | Feature | Change | Rows | Rate [interval] | Max score change | Status |"
    )
    assert "<img" not in table and "\\|x" in table
    assert "| monotonic | age | must be increasing over 2 points 18 … 80 | 100 |" in table
    assert "|  | ↳ sex=F |  | 40 | 0.1 (4 of 40) \\[0.03, 0.24\\] |  | fail |" in table
    assert "↳ sex=F" in table and "set to each of F, M, with title" in table
    assert "skipped: the model does not take 'race' as an input" in table
    assert len(lines) == 2 + 4 + 2


def test_html_marks_failing_rows_and_escapes_names():
    html = html_table(RESULT)
    assert "<img" not in html and "&lt;img" in html
    assert html.count('<tr class="fail">') == 2  # the counterfactual and its group F
    assert markdown_table(CheckResult("x", "drift", Status.PASS, Severity.BLOCK, "m")) == ""
