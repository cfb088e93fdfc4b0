"""Honest labels in every format: a disparity is named as what it is, a named metric's group
table lists its component, baseline deltas read better / worse, an inconclusive check that
blocks looks like a fail, every group past the bound is marked, a report-only run is never
'approved'. Each class is checked in each format that shows it, the wrong wording absent."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import lxml.html
import numpy as np
import pandas as pd
import pytest
from helpers import ROOT

from gate.decision import decide
from gate.report import codequality, github, html_report, junit, markdown, text
from gate.results import CheckResult, Evaluation, Severity, Status, fmt
from gate.runner import RunOptions, run
from gate.wording import summary

CHECKS = """\
  - {id: four-fifths, type: fairness, metric: selection_rate, aggregate: ratio,
     method: to_reference, min: 0.8, severity: warn}
  - {id: dp-ratio, type: fairness, metric: demographic_parity_ratio, min: 0.8, severity: warn}
  - {id: eo-diff, type: fairness, metric: equalized_odds_difference, max: 0.1, severity: warn}
  - {id: acc-vs-base, type: performance, metric: accuracy, baseline: {max_drop: 0.01}}
  - {id: fpr-vs-base, type: performance, metric: false_positive_rate, baseline: {max_drop: 0.01}}
"""
FORMATS = ["text", "markdown", "html", "junit", "github", "codequality"]
TABLES = ["markdown", "html"]  # the formats with group tables


def frame(n: int = 600) -> pd.DataFrame:
    """Selection rates A 0.5, B ~0.35, C ~0.3 (B and C both under four fifths of A); the
    baseline column is less accurate than the candidate's."""
    rng = np.random.default_rng(0)
    race = np.array(["A"] * (n // 2) + ["B"] * (n // 4) + ["C"] * (n // 4))
    pred = (rng.random(n) < pd.Series(race).map({"A": 0.5, "B": 0.35, "C": 0.3})).astype(int)
    y = np.where(rng.random(n) < 0.85, pred, 1 - pred)
    base = np.where(rng.random(n) < 0.8, y, 1 - y)
    return pd.DataFrame({"race": race, "y": y, "pred": pred, "base": base})


def evaluate(tmp_path: Path, worse: bool = False, mode: str = "gate") -> Evaluation:
    """The real run; `worse` swaps candidate and baseline (a regression on both metrics)."""
    frame().to_csv(tmp_path / "d.csv", index=False)
    cand, base = ("base", "pred") if worse else ("pred", "base")
    (tmp_path / "p.yaml").write_text(
        f"version: 1\nmode: {mode}\n"
        f"data: {{label: y, prediction: {cand}, baseline_prediction: {base}, sensitive: [race]}}\n"
        f"checks:\n{CHECKS}"
    )
    return run(RunOptions(str(tmp_path / "p.yaml"), str(tmp_path / "d.csv"), resamples=50))


def ll144() -> Evaluation:
    data = ROOT / "gate" / "policies" / "cases" / "ll144-hiring.csv"
    binding = {"prediction": "selected", "sensitive": ("sex", "race")}
    if "y" in data.read_text().partition("\n")[0].split(","):  # before outcome-free audits
        binding["label"] = "y"
    options = RunOptions("builtin:nyc-ll144", str(data), overrides=binding)
    return run(options)


def render(name: str, ev: Evaluation, **kw) -> str:
    module = {"text": text, "markdown": markdown, "html": html_report, "junit": junit}
    module |= {"github": github, "codequality": codequality}
    out = module[name].render(ev, **kw)
    return out.replace("\\", "") if name == "markdown" else out  # markdown escapes `_`


def row(name: str, ev: Evaluation, check: str) -> str:
    """What one format says about one check, as its reader sees it."""
    out = render(name, ev)
    if name == "text":
        lines = out.splitlines()
        at = next(i for i, line in enumerate(lines) if f" {check} " in line)
        end = next((i for i in range(at + 1, len(lines)) if not lines[i].startswith("    ")), None)
        return "\n".join(lines[at:end])
    if name == "markdown":
        return next(line for line in out.splitlines() if f"| `{check}` |" in line)
    if name == "html":
        tree = lxml.html.fromstring(out)
        (tr,) = tree.xpath(f"//table[1]//tr[td/code='{check}']")
        return " | ".join(td.text_content() for td in tr)
    if name == "junit":
        return re.search(rf'<testcase name="{check}".*?</testcase>', out, re.S).group(0)
    if name == "github":
        return next(line for line in out.splitlines() if f"model-gate%3A {check} " in line)
    (issue,) = [i for i in json.loads(out) if i["check_name"].endswith(f"/{check}")]
    return issue["description"]


def group_table(name: str, ev: Evaluation, check: str) -> list[str]:
    """The group table of one check: its header, then one string a group."""
    out = render(name, ev)
    if name == "markdown":
        details = out[out.index(f"**{check}**") :]
        lines = details[details.index("| Group |") :].split("\n\n")[0].splitlines()
        return [lines[0], *lines[2:]]
    tree = lxml.html.fromstring(out)
    (section,) = tree.xpath(f"//section[h3/code='{check}']")
    rows = section.xpath(".//table[tr/th='group']/tr")
    return [" | ".join(c.text_content() for c in r) + f" class={r.get('class')}" for r in rows]


@pytest.fixture(scope="module")
def better(tmp_path_factory) -> Evaluation:
    return evaluate(tmp_path_factory.mktemp("better"))


@pytest.fixture(scope="module")
def worse(tmp_path_factory) -> Evaluation:
    return evaluate(tmp_path_factory.mktemp("worse"), worse=True)


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize(
    ("check", "right", "component", "per_group"),
    [
        ("four-fifths", "impact ratio (worst) of selection_rate", "selection_rate", "impact ratio"),
        (
            "dp-ratio",
            "demographic_parity_ratio (ratio of selection_rate between groups)",
            "selection_rate",
            "selection_rate",  # between groups, each group is judged on its own rate
        ),
    ],
)
def test_a_disparity_is_named_as_what_it_is(better, name, check, right, component, per_group):
    shown = row(name, better, check)
    assert right in shown, shown
    judged, _, past = shown.partition("past the bound:")  # the terminal's per-group line
    assert component not in judged.replace(right, ""), shown  # never the bare rate
    assert not past or re.fullmatch(rf"( race=[BC] {per_group} 0\.\d+,?)+", past), past


@pytest.mark.parametrize("name", FORMATS)
def test_the_ll144_summary_row_is_an_impact_ratio(name):
    ev = ll144()
    shown = row(name, ev, "ll144-impact-ratio")
    assert "impact ratio (worst) of selection_rate" in shown
    assert "selection_rate" not in shown.replace("impact ratio (worst) of selection_rate", "")


@pytest.mark.parametrize("name", ["text", "markdown", "junit", "github", "codequality"])
def test_left_out_groups_name_their_feature(name):
    shown = render(name, ll144()).replace("%25", "%")  # github escapes %
    assert "left out: sex=(missing) (n=4, unknown category)" in shown
    assert "race=Asian (n=2, under 2% of the data)" in shown
    assert "left out: (missing)" not in shown and "left out: Asian" not in shown


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize(
    ("check", "heading", "named"),
    [
        ("dp-ratio", "selection_rate", "demographic_parity_ratio"),
        ("eo-diff", "true_positive_rate / false_positive_rate", "equalized_odds_difference"),
    ],
)
def test_named_metrics_head_group_tables_with_their_components(better, name, check, heading, named):
    head, *groups = group_table(name, better, check)
    assert heading in head and named not in head, head
    assert len(groups) == 3


@pytest.mark.parametrize("name", ["text", "markdown", "html", "junit"])
@pytest.mark.parametrize("check", ["acc-vs-base", "fpr-vs-base"])
def test_an_improvement_reads_better_than_baseline(better, name, check):
    (r,) = [r for r in better.decision.results if r.id == check]
    assert r.baseline.drop < 0  # accuracy up, false_positive_rate down: both better
    shown = row(name, better, check)
    assert f"+{fmt(-r.baseline.drop)} better than baseline" in shown, shown
    assert "worse" not in shown and not re.search(r"drop -|delta|[-−]\d", shown), shown


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("check", ["acc-vs-base", "fpr-vs-base"])
def test_a_regression_reads_worse_than_baseline(worse, name, check):
    (r,) = [r for r in worse.decision.results if r.id == check]
    assert r.status is Status.FAIL and r.baseline.drop > 0
    shown = row(name, worse, check)
    assert f"{fmt(r.baseline.drop)} worse than baseline" in shown, shown
    assert "better" not in shown and "+" not in shown.replace("&#43;", "")
    if name in ("text", "junit", "github", "codequality"):  # the message names the bound
        assert "exceeds max_drop 0.01" in shown


def inconclusive(severity: Severity, mode_report: bool = False) -> Evaluation:
    results = [
        CheckResult("ok", "performance", Status.PASS, Severity.BLOCK, "fine", value=0.9),
        CheckResult("unsure", "performance", Status.INCONCLUSIVE, severity, "interval spans 0.8",
                    metric="accuracy", value=0.81, threshold={"min": 0.8}, ci=(0.7, 0.9)),
    ]  # fmt: skip
    decision = decide(results, (), dt.date(2026, 1, 1), report_only=mode_report)
    return Evaluation(decision, "pol", {}, 0, "0.1.0")


LOOKS = {
    "text": ("INCONCLUSIVE (BLOCKS)", "INCONCLUSIVE (WARNING)"),
    "markdown": ("| ❔ inconclusive (blocks) |", "| ❔ inconclusive (warning) |"),
    "html": ('class="fail" style="font-weight:700">inconclusive (blocks)',
             'class="warn">inconclusive (warning)'),
    "junit": ("status: inconclusive (blocks)", "status: inconclusive (warning)"),
    "github": ("::error title=model-gate%3A unsure inconclusive (blocks)",
               "::warning title=model-gate%3A unsure inconclusive (warning)"),
    "codequality": ("unsure (inconclusive (blocks))", "unsure (inconclusive (warning))"),
}  # fmt: skip


@pytest.mark.parametrize("name", FORMATS)
def test_an_inconclusive_check_that_blocks_looks_like_a_fail(name):
    blocking, warning = LOOKS[name]
    out = render(name, inconclusive(Severity.BLOCK))
    assert blocking in out and "inconclusive (warning)" not in out
    out = render(name, inconclusive(Severity.WARN))
    assert warning in out and "(blocks)" not in out


def test_terminal_colours_a_blocking_inconclusive_like_a_fail():
    out = text.render(inconclusive(Severity.BLOCK), color=True)
    assert "\033[31mINCONCLUSIVE (BLOCKS)" in out and "\033[35m" not in out
    out = text.render(inconclusive(Severity.WARN), color=True)
    assert "\033[33mINCONCLUSIVE (WARNING)" in out


@pytest.mark.parametrize("name", ["text", "markdown", "html"])
def test_every_group_past_the_bound_is_marked(better, name):
    if name == "text":
        shown = row(name, better, "four-fifths")
        assert re.search(r"past the bound: race=B impact ratio 0\.\d+, race=C impact ratio", shown)
        return
    _head, *groups = group_table(name, better, "four-fifths")
    mark = "⛔ past the bound" if name == "markdown" else "class=fail"
    marked = [g for g in groups if mark in g]
    assert len(marked) == 2 and "race=B" in marked[0] and "race=C" in marked[1], groups
    assert all(mark not in g for g in groups if "race=A" in g)


@pytest.mark.parametrize("name", ["text", "markdown", "html"])
def test_a_report_only_run_is_never_approved(tmp_path, name):
    ev = evaluate(tmp_path, worse=True, mode="report")
    out = render(name, ev)
    out = lxml.html.fromstring(out).text_content() if name == "html" else out
    d = ev.decision
    assert [r.id for r in d.results if r.blocking] == ["acc-vs-base", "fpr-vs-base"]
    assert re.search("report only — no gate decision", out, re.I)
    assert summary(d) in out and "2 not met, not enforced (report-only)" in summary(d)
    assert not re.search("approved|blocked|blocks", out, re.I)
    assert "blocking" not in out.replace("not blocking", "")


def test_a_blocking_inconclusive_in_a_report_only_run_does_not_say_it_blocks():
    for name in FORMATS:
        out = render(name, inconclusive(Severity.BLOCK, mode_report=True))
        assert "(blocks)" not in out and "approved" not in out.lower(), name


@pytest.mark.parametrize("report_only", [False, True])
def test_a_check_that_could_not_be_computed_is_counted_as_an_error_not_a_warning(report_only):
    """An error of a warn-severity check used to read '1 warning' under 'approved'."""
    results = [
        CheckResult(
            id="a", type="performance", status=Status.PASS, severity=Severity.BLOCK, message=""
        ),
        CheckResult(
            id="e", type="fairness", status=Status.ERROR, severity=Severity.WARN, message=""
        ),
        CheckResult(
            id="w", type="fairness", status=Status.FAIL, severity=Severity.WARN, message=""
        ),
    ]
    line = summary(decide(results, (), dt.date(2026, 1, 1), False, report_only=report_only))
    assert "1 error (not computed)" in line and "1 warning" in line and "2 warnings" not in line


def test_a_report_only_run_raises_no_error_annotation():
    """An unmet blocking check of a report-only policy is not why anything blocks: its
    annotation is a warning (it was '::error'), as the summary says 'not blocking'."""
    results = [
        CheckResult(
            id="s1", type="fairness", status=Status.FAIL, severity=Severity.BLOCK, message="x"
        )
    ]
    for report_only, level in ((True, "::warning "), (False, "::error ")):
        d = decide(results, (), dt.date(2026, 1, 1), False, report_only=report_only)
        assert github.annotation(d.results[0], d).startswith(level)
