"""The importance table in report.md and report.html: top 15 plus every protected attribute and
proxy, untrusted feature names escaped for each medium, and the bar chart with intervals."""

from __future__ import annotations

from gate.report.importance_section import html_section, markdown_table
from gate.results import CheckResult, Severity, Status


def entry(name: str, importance: float, rank: int | None, **flags: bool) -> dict:
    return {
        "feature": name,
        "importance": importance,
        "ci": [importance * 0.9, importance * 1.1],
        "share": importance,
        "share_ci": [importance * 0.9, importance * 1.1],
        "rank": rank,
        "rank_ci": None if rank is None else [rank, rank],
        "protected": flags.get("protected", False),
        "proxy": flags.get("proxy", False),
        "input": rank is not None,
    }


def result() -> CheckResult:
    inputs = [entry(f"f{i:02d}", 0.5 / (i + 1), i + 1) for i in range(20)]
    inputs[17] = entry("<b>zip|code</b>", 0.5 / 18, 18, proxy=True)
    features = (*inputs, entry("sex", 0.0, None, protected=True))
    return CheckResult(
        id="reliance",
        type="importance",
        status=Status.FAIL,
        severity=Severity.BLOCK,
        message="m",
        metric="roc_auc",
        features=features,
    )


def test_markdown_shows_the_top_15_and_every_flagged_feature_escaped():
    table = markdown_table(result())
    lines = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(lines) == 1 + 15 + 2  # header, top 15, the proxy at rank 18, sex (no input)
    assert "| 18 | &lt;b&gt;zip\\|code&lt;/b&gt; | 0.0278 \\[0.025, 0.0306\\] |" in table
    assert "| — | sex | 0 \\[0, 0\\] | 0 \\[0, 0\\] | protected (not an input) |" in table
    assert "4 more input(s) not shown (see report.json)" in table  # ranks 16, 17, 19, 20


def test_html_escapes_names_and_draws_the_chart():
    html = html_section(result(), 0)
    assert "<b>zip" not in html and "&lt;b&gt;zip|code&lt;/b&gt;" in html
    assert html.count("<svg") == 1 and "reliance: feature importance" in html
    assert html.count("<tr>") == 1 + 15 + 2
