"""report.html: banner, every report.md section, charts as inline SVG, hostile names escaped."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import lxml.etree
import lxml.html
import numpy as np

from gate.decision import decide
from gate.report import html_report
from gate.report.escape import xml_text
from gate.results import BaselineComparison, CheckResult, Evaluation, Severity, Status

EVIL = "<img src=x onerror=alert(1)>"
NOW = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)


def drift_result(column: str = "age", group: str = "F") -> CheckResult:
    """A drift result in design10.md's shape: one drifted numeric column, one categorical."""
    edges = np.linspace(18, 90, 31).tolist()
    ref = np.diff(np.linspace(0, 1, 31) ** 1.3).tolist()
    cur = np.diff(np.linspace(0, 1, 31) ** 0.8).tolist()
    numeric = {
        "column": column, "role": "feature", "kind": "numeric", "method": "wasserstein",
        "engine": "native", "value": 0.73, "ci": [0.6, 0.8], "error_bound": 0.001,
        "p_value": None, "p_adjusted": None, "threshold": {"max": 0.1}, "drifted": True,
        "status": "drifted", "reason": "distribution", "n": {"reference": 5000, "current": 7000},
        "missing": {"reference": 0.0, "current": 0.2, "change": 0.2, "ci": [0.18, 0.22],
                    "threshold": 0.05, "drifted": True},
        "groups": [{"group": {"sex": group}, "n": {"reference": 2000, "current": 3000},
                    "value": 0.9, "ci": [0.8, 1.0], "drifted": True}],
        "distribution": {"kind": "numeric", "edges": edges, "reference": ref, "current": cur},
    }  # fmt: skip
    categorical = {
        "column": "city", "role": "feature", "kind": "categorical", "method": "jensen_shannon",
        "engine": "native", "value": 0.02, "ci": [0.01, 0.03], "p_value": None,
        "p_adjusted": None, "threshold": {"max": 0.1}, "drifted": False, "status": "ok",
        "n": {"reference": 5000, "current": 7000},
        "missing": {"reference": 0.0, "current": 0.0, "change": 0.0, "drifted": False},
        "distribution": {"kind": "categorical", "categories": ["a", "b", "(other)"],
                         "reference": [0.5, 0.3, 0.2], "current": [0.48, 0.32, 0.2]},
    }  # fmt: skip
    return CheckResult(
        id="drift", type="drift", status=Status.FAIL, severity=Severity.BLOCK,
        message=f"1 of 2 columns drifted ({column})", value=0.5,
        threshold={"max_drifted_share": 0.3}, columns=(numeric, categorical),
    )  # fmt: skip


def quality_result() -> CheckResult:
    rule = {
        "rule": "max_missing_share", "status": "fail", "threshold": 0.05, "value": 0.2,
        "columns": [{"column": "income", "value": 0.2}], "message": "income: 20% missing",
    }  # fmt: skip
    ok = {"rule": "min_rows", "status": "pass", "threshold": 1000, "value": 7000, "columns": []}
    return CheckResult(
        id="quality", type="data_quality", status=Status.FAIL, severity=Severity.BLOCK,
        message="1 rule failed: max_missing_share (income)", rules=(rule, ok),
    )  # fmt: skip


def fairness_result(group: str = "b") -> CheckResult:
    groups = (
        {"group": {"sex": "a"}, "n": 500, "value": 0.40, "ci": [0.35, 0.45],
         "values": {"true_positive_rate": 0.40, "false_positive_rate": 0.10}},
        {"group": {"sex": group}, "n": 400, "value": 0.20, "ci": [0.15, 0.25],
         "values": {"true_positive_rate": 0.20, "false_positive_rate": 0.12}},
        {"group": {"sex": "c"}, "n": 10, "value": 0.9, "excluded": True,
         "excluded_reason": "below min_group_size 30"},
    )  # fmt: skip
    return CheckResult(
        id="eo", type="fairness", status=Status.FAIL, severity=Severity.BLOCK,
        message="equalized_odds_difference 0.2: above max 0.15",
        metric="equalized_odds_difference", value=0.2, threshold={"max": 0.15},
        groups=groups, comparison={"aggregate": "difference", "method": "between_groups"},
    )  # fmt: skip


def waived_result() -> CheckResult:
    waiver = {"reason": "RISK-1 pilot", "approved_by": "risk-committee",
              "expires": "2099-12-31", "state": "active"}  # fmt: skip
    return CheckResult(
        id="auc", type="performance", status=Status.WAIVED, severity=Severity.BLOCK,
        message="roc_auc 0.7: below min 0.8", metric="roc_auc", value=0.7,
        threshold={"min": 0.8}, ci=(0.65, 0.75), confidence=0.95, waiver=waiver,
        baseline=BaselineComparison(0.72, -0.02, 0.02, 0.0278),
    )  # fmt: skip


def full_evaluation(*results: CheckResult, curves: dict | None = None) -> Evaluation:
    results = results or (fairness_result(), drift_result(), quality_result(), waived_result())
    decision = dataclasses.replace(
        decide(list(results), (), dt.date(2026, 1, 1)), notes=("1 waiver(s) ignored",)
    )
    inputs = {
        "policy": {"path": "p.yaml", "sha256": "a" * 64},
        "data": {"path": "d.csv", "sha256": "b" * 64, "rows": 7000},
        "reference": {"path": "ref.parquet", "sha256": "c" * 64, "kind": "data", "rows": 5000},
    }
    changes = ({"kind": "loosened", "check": "auc", "detail": "min 0.85 -> 0.8"},)
    return Evaluation(decision, "pol", inputs, 7, "0.1.0", changes, curves)


def curves() -> dict:
    roc = {"fpr": [0.0, 0.2, 1.0], "tpr": [0.0, 0.7, 1.0]}
    pr = {"recall": [0.0, 0.7, 1.0], "precision": [1.0, 0.6, 0.3]}
    cal = {"mean_predicted": [0.05, 0.5], "observed": [0.07, 0.45], "count": [90, 10]}
    one = {"roc": roc, "pr": pr, "calibration": cal, "exact": True}
    return {"candidate": one, "baseline": one}


def page_of(ev: Evaluation):
    return lxml.html.document_fromstring(html_report.render(ev, now=NOW))


def text_of(ev: Evaluation) -> str:
    return " ".join(page_of(ev).text_content().split())


def test_banner_is_coloured_names_blocking_checks_counts_and_time():
    page = page_of(full_evaluation())
    banner = page.find(".//header")
    assert "block" in banner.get("class").split()
    words = " ".join(banner.text_content().split())
    assert "blocked" in words and "2026-03-04 05:06 UTC" in words
    assert "Blocking: eo (fail), drift (fail), quality (fail)" in words
    assert "3 fail" in words and "1 waived" in words
    approve = page_of(full_evaluation(waived_result())).find(".//header").get("class")
    assert "approve" in approve.split()


def test_every_markdown_section_is_there():
    words = text_of(full_evaluation(curves=curves()))
    for expected in (
        "RISK-1 pilot", "risk-committee", "2099-12-31",  # waiver: reason, approver, expiry
        "loosened", "min 0.85 -> 0.8",  # policy changes
        "1 waiver(s) ignored",  # notes
        "true_positive_rate: 0.4 / false_positive_rate: 0.1",  # every component
        "0.02 worse than baseline 0.72", "2.78% worse, relative",  # baseline delta
        "c" * 64, "ref.parquet",  # inputs with sha256
        "≥ 0.8 at 95% confidence", "left out: below min_group_size 30",
    ):  # fmt: skip
        assert expected in words, expected


def test_charts_are_inline_svg_and_nothing_is_fetched():
    raw = html_report.render(full_evaluation(curves=curves()), now=NOW)
    page = lxml.html.document_fromstring(raw)
    titles = [s.find("{*}title") for s in page.iter("{*}svg", "svg")]
    assert len(titles) == 3 and all(t is not None for t in titles)  # groups, curves, 1 column
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", raw)
    assert "<script" not in raw and "<link" not in raw and "@import" not in raw
    assert raw.count("\n") == 2  # the doctype line, the document line


def test_group_chart_marks_past_groups_reference_and_bound():
    raw = html_report.render(full_evaluation(fairness_result()), now=NOW)
    # b's TPR 0.2 is past a's 0.4 - 0.15 ... between groups: bound = lowest + 0.15 = 0.35,
    # so a (0.40) is past it; its table row is marked
    rows = {
        tr.findall("td")[0].text_content(): tr
        for tr in lxml.html.document_fromstring(raw).iter("tr")
        if tr.findall("td")
    }
    assert rows["sex=a"].get("class") == "fail" and "past the bound" in rows["sex=a"].text_content()
    assert rows["sex=b"].get("class") is None
    assert "#cf222e" in raw  # the bound line and the past group drawn in red


def test_drift_columns_table_and_distribution_of_drifted_columns_only():
    page = page_of(full_evaluation(drift_result()))
    words = " ".join(page.text_content().split())
    assert "wasserstein" in words and "0 → 0.2 (drifted)" in words and "sex=F (0.9)" in words
    svgs = [s for s in page.iter("{*}svg", "svg")]
    titles = [" ".join(s.itertext()) for s in svgs]
    assert len(svgs) == 1 and "age: reference vs current" in titles[0]


def test_quality_rules_name_the_columns_at_fault():
    words = text_of(full_evaluation(quality_result()))
    assert "max_missing_share" in words and "income (0.2)" in words and "min_rows" in words


def test_hostile_column_and_group_names_are_text_in_html_and_svg():
    ev = full_evaluation(fairness_result(group=EVIL), drift_result(column=EVIL, group=EVIL))
    raw = html_report.render(ev, now=NOW)
    page = lxml.html.document_fromstring(raw)
    assert not list(page.iter("img")) and not list(page.iter("{*}img"))
    assert "onerror" not in " ".join(a for el in page.iter() for a in el.attrib)
    svg_text = " ".join(t for s in page.iter("{*}svg", "svg") for t in s.itertext())
    assert EVIL in svg_text  # shown literally inside the charts
    assert f"sex={EVIL}" in {td.text_content() for td in page.iter("td")}
    assert "<img" not in raw


def test_names_with_dollars_quotes_controls_and_commands_stay_literal():
    name = '$x^2$ "q" \x1b[31m\n::error::X ##[warning]'
    raw = html_report.render(full_evaluation(drift_result(column=name)), now=NOW)
    assert "##[" not in raw and raw.count("\n") == 2
    page = lxml.html.document_fromstring(raw)
    svg_text = " ".join(t for s in page.iter("{*}svg", "svg") for t in s.itertext())
    assert "$x^2$" in svg_text and "\\x1b" in svg_text  # no mathtext, controls shown
    assert xml_text("$x^2$") in page.text_content()


def test_same_evaluation_renders_the_same_bytes():
    ev = full_evaluation(curves=curves())
    assert html_report.render(ev, now=NOW) == html_report.render(ev, now=NOW)


def test_svg_ids_are_unique_in_the_page():
    raw = html_report.render(full_evaluation(curves=curves()), now=NOW)
    ids = re.findall(r'\sid="([^"]+)"', raw)
    assert ids and len(ids) == len(set(ids))


def test_the_page_is_well_formed_xml_inside_each_svg():
    raw = html_report.render(full_evaluation(curves=curves()), now=NOW)
    for svg in re.findall(r"<svg .*?</svg>", raw):
        lxml.etree.fromstring(svg.encode())
