"""Untrusted text in every output: arbitrary strings (every control character included) as
group values, column names, check ids, descriptions, waivers, policy names, versions and
paths are shown literally in each medium and can never act on it: no line of any output
file starts a workflow command, no Markdown link (autolinks included) comes from them."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import xml.etree.ElementTree as ET

import cmarkgfm
import lxml.html
from cmarkgfm.cmark import Options
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from gate.report import (
    FORMATS,
    codequality,
    evidence,
    github,
    html_report,
    json_report,
    junit,
    markdown,
)
from gate.report import text as text_report
from gate.report.escape import BIDI, term, visible, xml_text
from gate.results import (
    BaselineComparison,
    CheckResult,
    Decision,
    Evaluation,
    Severity,
    Status,
    Verdict,
)

PAYLOADS = [
    "x\n::error::pwned",
    "\r\n::add-mask::secret",
    "::stop-commands::tok",
    "##[error]legacy",
    "<img src=x onerror=alert(1)>",
    "<script>x</script>",
    "](javascript:alert(1))",
    "[a](https://evil.example)",
    "![i](https://evil.example/i.png)",
    "| broken | cell |",
    "``` ` `` code",
    "@org/team @user",
    "\x1b[31mred\x1b[0m",
    "\u202egnp.exe",
    "\u2028\u2029\x85\x00\x7f\x9b",
    "%0A%25",
    "*_~$#!\\",
    "https://evil.example/login",
    "www.evil.example",
    "WWW.1x",
    "\\[x\\](https://evil.example)",
    "evil.com/x",
    "ftp://evil.example",
    "//evil.com",
    "user.name@evil.example",
    "mailto:a@evil.com",
    "xmpp:a@evil.com",
    " ::error::spaced",
    "\t##[group]x",
]
CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]] + sorted(BIDI)
pieces = st.one_of(st.text(max_size=12), st.sampled_from(PAYLOADS), st.sampled_from(CONTROLS))
evil = st.lists(pieces, min_size=1, max_size=6).map("".join)


def unsafe(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") or char in BIDI


def build(s: list[str]) -> Evaluation:
    """Every string field of an Evaluation carries one of the drawn strings."""
    waiver = {"reason": s[0], "approved_by": s[1], "expires": s[2], "state": s[3]}
    fair = CheckResult(
        id=s[4],
        type="fairness",
        status=Status.WAIVED,
        severity=Severity.BLOCK,
        message=s[5],
        metric=s[6],
        value=0.5,
        threshold={"min": 0.8},
        groups=(
            {
                "group": {s[7]: s[8]},
                "n": 30,
                "value": 0.4,
                "excluded": True,
                "excluded_reason": s[9],
            },
        ),
        location=s[10],
        waiver=waiver,
        comparison={"aggregate": s[11], "method": "to_overall"},
    )
    perf = CheckResult(
        id=s[12],
        type="performance",
        status=Status.FAIL,
        severity=Severity.BLOCK,
        message=s[13],
        metric=s[6],
        value=0.7,
        threshold={"min": 0.8},
        ci=(0.6, 0.8),
        confidence=0.95,
        baseline=BaselineComparison(0.8, -0.1, 0.1, None),
        location=f"{s[14]}:3:5",
    )
    decision = Decision(Verdict.BLOCK, (fair, perf), False, (s[15],))
    inputs = {
        "policy": {"path": s[16], "sha256": s[17]},
        "data": {"path": s[18], "sha256": "b" * 64, "rows": 10},
    }
    changes = ({"kind": "loosened", "check": s[19], "detail": s[0]},)
    return Evaluation(decision, s[1], inputs, 0, s[2], changes)


STRINGS = st.lists(evil, min_size=20, max_size=20)
SETTINGS = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def no_command_lines(out: str) -> None:
    """GitHub's runner reads `::cmd` after leading spaces, and `##[cmd]` anywhere."""
    for line in out.splitlines():
        assert not line.lstrip().startswith("::"), line
    assert "##[" not in out


#: an annotation line as model-gate writes it: its own command, then escaped properties
OWN_COMMAND = re.compile(r"::(error|warning|notice) (file=[^,:]*,line=\d+,)?title=[^,:]*::.*")


@SETTINGS
@given(STRINGS)
def test_no_line_of_any_output_file_starts_a_command(s):
    """Every format's raw file, split wherever any reader might split lines: each line that
    starts (after blanks) with `::` or `##[` is one of model-gate's own annotations."""
    ev = build(s)
    for name, fmt in FORMATS.items():
        for line in fmt.render(ev).splitlines():
            start = line.lstrip()
            if start.startswith(("::", "##[")):
                assert name == "github" and OWN_COMMAND.fullmatch(line), (name, line)
    for name in ("junit", "html", "json", "evidence", "codequality"):
        assert "##[" not in FORMATS[name].render(ev), name


@SETTINGS
@given(STRINGS)
def test_terminal_text_has_no_control_characters_and_no_commands(s):
    ev = build(s)
    out = text_report.render(ev)
    assert not [c for c in out if unsafe(c) and c != "\n"]
    no_command_lines(out)
    assert out.count("\n") == len(text_report.render(build(["x"] * 20)).split("\n")) - 1
    assert term(" ".join(s[13].split())) in " ".join(out.split()) or term(s[13]) in out


#: markdown-it with linkify-it's autolinks (bare domains too), and GitHub's own cmark-gfm
MD = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])
GFM = Options.CMARK_OPT_UNSAFE  # keep raw HTML, so an injected tag would show


def md_html(report: str):
    return lxml.html.fragment_fromstring(MD.render(report), create_parent="div")


def gfm_html(report: str):
    html = cmarkgfm.github_flavored_markdown_to_html(report, options=GFM)
    return lxml.html.fragment_fromstring(html, create_parent="div")


BENIGN_TAGS = {
    t.tag for t in md_html(markdown.render(build([f"v{i}" for i in range(20)]))).iter()
} | {"code"}
GFM_TAGS = {
    t.tag for t in gfm_html(markdown.render(build([f"v{i}" for i in range(20)]))).iter()
} | {"code"}


def shown(value: str) -> str:
    """What a Markdown reader sees for a value: one line, escapes for control characters."""
    return term(" ".join(value.split()))


@SETTINGS
@given(STRINGS)
def test_markdown_shows_every_field_literally(s):
    ev = build(s)
    report = markdown.render(ev)
    assert not [c for c in report if unsafe(c) and c != "\n"]
    no_command_lines(report)
    tree = md_html(report)
    assert {t.tag for t in tree.iter()} <= BENIGN_TAGS  # no <img>, <a>, <script>, <em> ...
    assert "a" not in BENIGN_TAGS | GFM_TAGS  # nor any link, autolinks included
    assert {t.tag for t in gfm_html(report).iter()} <= GFM_TAGS
    assert len(tree.findall(".//strong")) == 1 + len(ev.decision.results)
    tables = tree.findall(".//table")
    assert len(tables) == 4  # checks, changes, groups, inputs: none broken by a cell
    for table in tables:
        widths = {len(tr.findall("td")) for tr in table.iter("tr") if tr.findall("td")}
        assert len(widths) == 1
    checks = tables[0].findall(".//tbody/tr")
    assert [tr.findall("td")[1].text_content() for tr in checks] == [shown(s[4]), shown(s[12])]
    items = [li.text_content().replace("\u200b", "") for li in tree.iter("li")]
    assert any(shown(s[13]) in item for item in items)
    assert any(shown(s[0]) in item for item in items)
    for node in tree.iter():
        if node.tag != "code":
            for chunk in (node.text or "", node.tail or ""):
                assert not re.search(r"@[\w-]", chunk), chunk  # no @mentions


def unescape_data(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


@SETTINGS
@given(STRINGS)
def test_annotations_are_one_command_per_line_and_round_trip(s):
    ev = build(s)
    out = github.render(ev)
    lines = out.split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 2  # one line per unmet or waived check
    parsed = []
    for line in lines[:-1]:
        m = re.fullmatch(r"::(error|warning|notice) ([^:\r\n]*)::([^\r\n]*)", line)
        assert m, line
        props = dict(p.split("=", 1) for p in m.group(2).split(","))
        assert "title" in props
        parsed.append(unescape_data(m.group(3)))
    assert parsed == [visible(s[13], keep="\r\n"), visible(s[5], keep="\r\n")]  # error first


@SETTINGS
@given(STRINGS)
def test_junit_parses_and_round_trips(s):
    ev = build(s)
    root = ET.fromstring(junit.render(ev).encode())
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == [xml_text(s[4]), xml_text(s[12])]
    assert cases[1].find("failure").get("message") == xml_text(s[13])
    assert xml_text(s[0]) in cases[0].find("system-out").text
    assert root.find("testsuite").get("name") == xml_text(f"model-gate: {s[1]}")


@SETTINGS
@given(STRINGS)
def test_html_parses_without_injected_tags_and_round_trips(s):
    ev = build(s)
    page = lxml.html.document_fromstring(html_report.render(ev))
    benign = lxml.html.document_fromstring(html_report.render(build(["v"] * 20)))
    assert {t.tag for t in page.iter()} == {t.tag for t in benign.iter()}
    rows = page.find(".//table").findall("tr")[1:]
    assert [r.findall("td")[1].text_content() for r in rows] == [xml_text(s[4]), xml_text(s[12])]
    assert rows[1].findall("td")[-1].text_content() == xml_text(s[13])
    assert page.find(".//title").text_content().endswith(xml_text(s[1]))


@SETTINGS
@given(STRINGS)
def test_json_formats_parse_and_round_trip_exactly(s):
    ev = build(s)
    report = json.loads(json_report.render(ev))
    assert [c["message"] for c in report["checks"]] == [s[5], s[13]]
    assert report["checks"][0]["groups"][0]["group"] == {s[7]: s[8]}
    assert report["checks"][0]["waiver"]["reason"] == s[0]
    assert report["tool"]["version"] == s[2] and report["policy"] == s[1]
    statement = json.loads(evidence.render(ev, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    assert [c["id"] for c in statement["predicate"]["checks"]] == [s[4], s[12]]
    assert statement["predicate"]["checks"][0]["waiver"]["reason"] == s[0]
    issues = json.loads(codequality.render(ev))
    assert issues[0]["description"].endswith(s[13])
