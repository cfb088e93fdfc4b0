"""A report-only run (`mode: report`) reports an unmet blocking check and enforces nothing:
every registered output format says so ('fail · not enforced (report-only)'), none presents
it as blocking (no JUnit <failure>, no '::error', no 'critical' issue, no bare 'block'
severity). A policy check that blocks still blocks, and the other checks stay not enforced.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable
from urllib.parse import unquote

import lxml.html
import pytest
from conformance import CONFORMANCE
from lxml import etree

from gate.decision import decide
from gate.report import FORMATS
from gate.results import CheckResult, Evaluation, Severity, Status, Verdict
from gate.wording import NOT_ENFORCED

LABEL = f"· {NOT_ENFORCED}"  # after the status: 'fail · not enforced (report-only)'
GROUPS = (
    {"group": {"sex": "F"}, "n": 50, "value": 0.5, "reference": True},
    {"group": {"sex": "M"}, "n": 50, "value": 0.3, "disparity": 0.6},
)


def check(id: str, status: Status, type: str = "performance", **kw) -> CheckResult:
    base = {"severity": Severity.BLOCK, "message": f"{id} message", "metric": "accuracy"}
    return CheckResult(id, type, status, **{**base, **kw})


UNMET = (
    check("acc", Status.FAIL, value=0.7, threshold={"min": 0.8}),
    check("unsure", Status.INCONCLUSIVE, value=0.81, threshold={"min": 0.8}, ci=(0.7, 0.9)),
    check("broken", Status.ERROR, value=None),
    check(
        "parity", Status.FAIL, "fairness", metric="selection_rate", value=0.6,
        threshold={"min": 0.8}, groups=GROUPS, n=100,
        comparison={"aggregate": "ratio", "method": "to_reference"},
    ),
)  # fmt: skip
MET = (check("ok", Status.PASS, value=0.9, threshold={"min": 0.8}),)
POLICY = check("policy-changes", Status.FAIL, "policy", metric=None, message="loosened")


def evaluation(*results: CheckResult, report_only: bool = True) -> Evaluation:
    decision = decide(list(results), (), dt.date(2026, 1, 1), report_only=report_only)
    inputs = {"data": {"path": "d.csv", "sha256": "b" * 64, "rows": 100}}
    return Evaluation(decision, "pol", inputs, 0, "0.1.0")


def files(name: str, ev: Evaluation) -> dict[str, str]:
    return FORMATS[name].files(ev)


# How each format shows one check that is not enforced; each asserts it is not shown as blocking.


def _json(out: dict[str, str], ev: Evaluation, ids: list[str]) -> None:
    """Data: the decision 'report' (no gate decision) beside each check's own status."""
    doc = json.loads(next(iter(out.values())))
    doc = doc.get("predicate", doc)  # evidence.json: an in-toto Statement
    d = ev.decision
    assert (doc["decision"], doc["exit_code"]) == (d.verdict.value, d.exit_code)


def _markdown(out: dict[str, str], ev: Evaluation, ids: list[str]) -> None:
    page = out["report.md"].replace("\\", "")
    for id in ids:
        row = next(line for line in page.splitlines() if f"| `{id}` |" in line)
        status = next(r.status.value for r in ev.decision.results if r.id == id)
        assert f"{status} {LABEL} |" in row and "| block (not enforced) |" in row, row
        assert "| block |" not in row and "(blocks)" not in row, row
        assert f"**{id}** — " in page and f"{status} {LABEL} **{id}**" in page


def _text(out: dict[str, str], ev: Evaluation, ids: list[str]) -> None:
    for id in ids:
        line = next(line for line in out["report.txt"].splitlines() if f" {id} " in line)
        assert f"{LABEL.upper()}" in line and "[block (not enforced)]" in line, line
        assert "[block]" not in line and "(BLOCKS)" not in line


def _html(out: dict[str, str], ev: Evaluation, ids: list[str]) -> None:
    tree = lxml.html.fromstring(out["report.html"])
    for id in ids:
        (tr,) = tree.xpath(f"//table[1]//tr[td/code='{id}']")
        cells = [td.text_content() for td in tr]
        assert cells[0].endswith(LABEL) and cells[6] == "block (not enforced)", cells
        assert tr[0].get("class") == "warn" and not tr[0].get("style"), etree.tostring(tr)
        (h3,) = tree.xpath(f"//section[h3/code='{id}']/h3")
        assert LABEL in h3.text_content()
    banner = tree.xpath("//header")[0].text_content()
    assert not any(re.search(rf"Blocking:.*\b{id}\b", banner) for id in ids), banner


def _junit(out: dict[str, str], ev: Evaluation, ids: list[str]) -> None:
    doc = etree.fromstring(out["junit.xml"].encode())
    schema = CONFORMANCE / "junit-10.xsd"
    if schema.exists():
        xsd = etree.XMLSchema(etree.parse(str(schema)))
        assert xsd.validate(doc), xsd.error_log
    for id in ids:
        (case,) = doc.xpath(f"//testcase[@name='{id}']")
        assert case.find("failure") is None and case.find("error") is None
        skipped = case.find("skipped")
        assert skipped.get("type") == "not-enforced" and LABEL in skipped.get("message")
    enforced = sum(r.blocking and r.id not in ids for r in ev.decision.results)
    suite = doc.find("testsuite")
    assert int(suite.get("failures")) + int(suite.get("errors")) == enforced


def _codequality(out: dict[str, str], ev: Evaluation, ids: list[str]) -> None:
    issues = {i["check_name"].rsplit("/", 1)[1]: i for i in json.loads(out["codequality.json"])}
    for id in ids:
        assert issues[id]["severity"] == "minor" and LABEL in issues[id]["description"]


def _github(out: dict[str, str], ev: Evaluation, ids: list[str]) -> None:
    for id in ids:
        line = next(x for x in out["annotations.txt"].splitlines() if f"%3A {id} " in x)
        assert line.startswith("::warning ") and LABEL in unquote(line), line


def _prometheus(out: dict[str, str], ev: Evaluation, ids: list[str]) -> None:
    """Metrics: the decision series is 1 for 'report' (no gate decision), each check's status
    series for its own status, beside its severity."""
    (text,) = out.values()
    want = ev.decision.verdict.value
    series = rf'^model_gate_decision\{{[^}}]*decision="{want}"[^}}]*\}} 1(\.0)?$'
    assert re.search(series, text, re.M), text


def _audit(out: dict[str, str], ev: Evaluation, ids: list[str]) -> None:
    """The bias-audit summary states numbers, not a gate decision."""
    for text in out.values():
        assert not re.search(r"\b(fail|block\w*|enforced|approved)\b", text, re.I), text


SHOWS: dict[str, Callable[[dict[str, str], Evaluation, list[str]], None]] = {
    "json": _json,
    "evidence": _json,
    "markdown": _markdown,
    "text": _text,
    "html": _html,
    "junit": _junit,
    "codequality": _codequality,
    "github": _github,
    "audit": _audit,
    "prometheus": _prometheus,  # gate/report/prometheus.py, registered on another branch
}


def test_every_format_says_how_it_shows_a_check_that_is_not_enforced():
    """A new format registers here too: how it shows 'failed, reported, not enforced'."""
    assert set(FORMATS) <= set(SHOWS)


@pytest.mark.parametrize("name", FORMATS)
def test_a_report_only_run_presents_no_unmet_check_as_blocking(name):
    ev = evaluation(*MET, *UNMET)
    assert ev.decision.verdict is Verdict.REPORT and ev.decision.exit_code == 0
    out = files(name, ev)
    SHOWS[name](out, ev, [r.id for r in UNMET])
    for text in out.values():
        shown = html.unescape(unquote(text)).lower()
        assert not re.search(r"\bblock(s|ed|ing)\b|\(blocks\)|<failure|::error|critical", shown)
        assert "approved" not in shown


@pytest.mark.parametrize("name", FORMATS)
def test_a_blocking_policy_check_still_blocks_the_others_stay_not_enforced(name):
    ev = evaluation(*MET, *UNMET, POLICY)
    assert ev.decision.verdict is Verdict.BLOCK and ev.decision.exit_code == 1
    SHOWS[name](files(name, ev), ev, [r.id for r in UNMET])


def test_in_a_gate_run_the_same_checks_block():
    """The other side: without `mode: report` the same checks are failures and blocking."""
    ev = evaluation(*MET, *UNMET, report_only=False)
    doc = etree.fromstring(files("junit", ev)["junit.xml"].encode())
    assert doc.find("testsuite").get("failures") == "3" and doc.find("testsuite").get("errors")
    page = files("markdown", ev)["report.md"]
    assert "| ❌ fail | `acc` |" in page and NOT_ENFORCED not in page
    assert files("github", ev)["annotations.txt"].startswith("::error ")


def test_the_sticky_comment_and_the_job_summary_say_not_enforced(tmp_path):
    """Both post report.md: the comment through sticky.compose, the summary appended as is."""
    from gate.ci import github, sticky
    from gate.report import markdown

    ev = evaluation(*MET, *UNMET)
    comment = sticky.compose(markdown.render(ev), "pol", github.COMMENT_LIMIT, None)
    github.write_summary(str(tmp_path / "summary.md"), markdown.render(ev))
    for posted in (comment, (tmp_path / "summary.md").read_text()):
        _markdown({"report.md": posted}, ev, [r.id for r in UNMET])
        assert "report only — no gate decision" in posted
