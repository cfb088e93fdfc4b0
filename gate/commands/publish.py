"""After `check`: post the report to GitHub or GitLab. A failed post never changes the decision."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gate.report import github as annotations
from gate.report import markdown
from gate.results import Evaluation


def _outputs(evaluation: Evaluation, output_dir: str | None) -> dict[str, str]:
    out = {
        "decision": evaluation.decision.verdict.value,
        "exit-code": str(evaluation.decision.exit_code),
    }
    if output_dir:
        out["report-json"] = str(Path(output_dir) / "report.json")
        if (Path(output_dir) / "report.md").exists():
            out["report-markdown"] = str(Path(output_dir) / "report.md")
    return out


def publish(args: argparse.Namespace, evaluation: Evaluation) -> None:
    """Post to the platform named by --comment; report what was done on stderr."""
    report_md = markdown.render(evaluation)
    key = args.comment_key or evaluation.policy_name
    if args.comment == "github":
        from gate.ci import github

        if os.environ.get("GITHUB_ACTIONS") == "true":
            print(annotations.render(evaluation), end="")
        if os.environ.get("GITHUB_OUTPUT"):
            github.write_outputs(os.environ["GITHUB_OUTPUT"], _outputs(evaluation, args.output_dir))
        outcome = github.publish(
            evaluation,
            report_md,
            mode=args.comment_mode,
            key=key,
            author=args.comment_author or github.DEFAULT_AUTHOR,
            commit_status=args.commit_status,
        )
    else:
        from gate.ci import gitlab

        outcome = gitlab.publish(
            report_md, mode=args.comment_mode, key=key, author=args.comment_author
        )
    for line in outcome.done:
        print(f"model-gate: {line}", file=sys.stderr)
    for line in outcome.warnings:
        print(f"model-gate: warning: {line}", file=sys.stderr)
