"""End to end: text from data and policies cannot start a workflow command in any output of the
real CLI (stdout, stderr, report.txt, report.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from helpers import run_cli, write_policy

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
    assert "y\\x0a::error::col" in result.stderr
    no_command_lines(result.stderr)
