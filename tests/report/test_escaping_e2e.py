"""End to end: text from data and policies cannot start a workflow command in any output of the
real CLI (stdout, stderr, every report file), nor make a link in report.md."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import cmarkgfm
import lxml.html
import pandas as pd
from cmarkgfm.cmark import Options
from helpers import run_cli, write_policy
from markdown_it import MarkdownIt

from gate.report import FORMATS

POLICY = """
    version: 1
    data: {label: y, score: score, threshold: 0.5, sensitive: [grp]}
    checks:
      - {id: parity, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.99,
         min_group_size: 1}
    waivers:
      - check: parity
        reason: "pilot\\n::error::waiver-pwned\\r\\n##[warning]legacy"
        approved_by: risk
        expires: 2099-01-01
"""


def no_command_lines(out: str) -> None:
    for line in out.splitlines():
        assert not line.lstrip().startswith("::"), line
    assert "##[" not in out


def workspace(tmp_path: Path) -> tuple[Path, Path]:
    frame = pd.DataFrame(
        {
            "y": [0, 1] * 20,
            "score": [0.9, 0.8, 0.9, 0.1] * 10,
            "grp": (["x\n::error::pwned"] * 2 + ["\x1b[2Jplain"] * 2) * 10,
        }
    )
    frame.to_csv(tmp_path / "d.csv", index=False)
    return write_policy(tmp_path / "p.yaml", POLICY), tmp_path / "d.csv"


def test_check_prints_and_writes_no_command_from_untrusted_text(tmp_path: Path):
    policy, data = workspace(tmp_path)
    out = tmp_path / "out"
    args = ["--policy", policy, "--data", data, "--output-dir", out]
    result = run_cli("check", *args, "--format", "markdown", "--format", "text")
    assert result.code in (0, 1), result.stderr
    assert "waiver" in result.stdout and "pilot\\x0a::error::waiver-pwned" in result.stdout
    assert "\x1b" not in result.stdout
    for text in (result.stdout, result.stderr, (out / "report.txt").read_text()):
        no_command_lines(text)
    report_md = (out / "report.md").read_text()
    no_command_lines(report_md)
    assert "x ::error::pwned" in report_md and "\x1b" not in report_md
    assert "\\\\x1b\\[2Jplain" in report_md  # shown as \x1b[2Jplain
    dry = run_cli("dry-run", *args)
    assert dry.code == 0, dry.stderr
    no_command_lines(dry.stdout)


def test_error_messages_on_stderr_are_escaped(tmp_path: Path):
    policy, data = workspace(tmp_path)
    result = run_cli("check", "--policy", policy, "--data", data, "--label", "y\n::error::col")
    assert result.code == 2
    # a line break is kept, but the line goes on after "model-gate:", never with the command
    assert "'y\nmodel-gate:   ::error::col'" in result.stderr
    no_command_lines(result.stderr)


HOSTILE_POLICY = """
    version: 1
    name: "evil\\n::error::POLICYNAME https://evil.example www.evil.example"
    data: {label: y, score: score, threshold: 0.5, sensitive: [grp]}
    checks:
      - {id: fair, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.99,
         min_group_size: 1, description: "::error::DESC\\n::error::DESC2"}
      - {id: auc, type: performance, metric: roc_auc, min: 0.999}
    waivers:
      - check: auc
        reason: "\\n::error::WAIVER-REASON [x](https://evil.example) mail@evil.example"
        approved_by: "\\n::add-mask::x @org/team"
        expires: 2099-01-01
"""
HOSTILE_GROUPS = [
    "a\n::error::NEWLINE-CMD",
    "b\r::warning::CR-CMD",
    "https://evil.example/login",
    "www.evil.example",
    "##[error]legacy",
]
OWN_COMMAND = re.compile(r"::(error|warning|notice) (file=[^,:]*,line=\d+,)?title=[^,:]*::.*")


def hostile_run(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "y": [0, 1, 1, 0] * 10,
            "score": [0.9, 0.8, 0.2, 0.1] * 10,
            "grp": [HOSTILE_GROUPS[i % 5] for i in range(40)],
        }
    )
    frame.to_parquet(tmp_path / "d.parquet")
    policy = write_policy(tmp_path / "p.yaml", HOSTILE_POLICY)
    out = tmp_path / "out"
    formats = [arg for name in FORMATS for arg in ("--format", name)]
    args = ["--policy", policy, "--data", tmp_path / "d.parquet", "--output-dir", out]
    result = run_cli("check", *args, *formats)
    assert result.code in (0, 1), result.stderr
    return out


def test_no_output_file_has_a_command_line_from_policy_or_data(tmp_path: Path):
    out = hostile_run(tmp_path)
    for fmt in FORMATS.values():
        raw = (out / fmt.filename).read_text()
        for line in raw.splitlines():
            if line.lstrip().startswith(("::", "##[")):
                assert fmt.filename == "annotations.txt" and OWN_COMMAND.fullmatch(line), line
    for name in ("junit.xml", "report.html", "report.md", "report.txt"):
        assert "##[" not in (out / name).read_text(), name
    junit_xml = ET.parse(out / "junit.xml").getroot()
    waived = junit_xml.findall(".//testcase")[1].find("system-out").text
    assert "waiver: \n::error::WAIVER-REASON" in waived and "— \n::add-mask::x" in waived
    page = lxml.html.parse(out / "report.html").getroot()
    cells = {td.text_content() for td in page.iter("td")}
    assert "grp=a\n::error::NEWLINE-CMD" in cells and "grp=##[error]legacy" in cells
    assert page.find(".//title").text_content().endswith("evil\n::error::POLICYNAME" + URLS)


URLS = " https://evil.example www.evil.example"


def test_markdown_report_has_no_link_on_github_or_linkify(tmp_path: Path):
    report = (hostile_run(tmp_path) / "report.md").read_text()
    gfm = cmarkgfm.github_flavored_markdown_to_html(report, options=Options.CMARK_OPT_UNSAFE)
    linkify = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])
    for html in (gfm, linkify.render(report)):
        page = lxml.html.fragment_fromstring(html, create_parent="div")
        assert page.findall(".//a") == [] and page.findall(".//img") == []
        text = page.text_content().replace("\u200b", "")
        assert "https://evil.example/login" in text and "grp=www.evil.example" in text
        assert "[x](https://evil.example) mail@evil.example" in text
