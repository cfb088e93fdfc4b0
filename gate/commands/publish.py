"""After `check` (or for `comment`): post the report to GitHub or GitLab. Publishing never
changes the decision: every failure here is a warning on stderr, and the exit code stands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gate.ci.outcome import Outcome
from gate.report import github as annotations
from gate.report import markdown
from gate.report.escape import term
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


def _github(args: argparse.Namespace, evaluation: Evaluation, report_md: str) -> Outcome:
    from gate.ci import github

    local = getattr(args, "local_outputs", True)
    outputs = Outcome()
    if local and os.environ.get("GITHUB_ACTIONS") == "true":
        print(annotations.render(evaluation), end="")
    if local and os.environ.get("GITHUB_OUTPUT"):
        path, values = os.environ["GITHUB_OUTPUT"], _outputs(evaluation, args.output_dir)
        outputs.write("step outputs", lambda: github.write_outputs(path, values))
    outcome = github.publish(
        evaluation,
        report_md,
        mode=args.comment_mode,
        key=args.comment_key or evaluation.policy_name,
        author=args.comment_author or github.DEFAULT_AUTHOR,
        commit_status=args.commit_status,
        summary=local,
        sha=getattr(args, "sha", None),
    )
    return Outcome(outputs.done + outcome.done, outputs.warnings + outcome.warnings)


def _gitlab(args: argparse.Namespace, evaluation: Evaluation, report_md: str) -> Outcome:
    from gate.ci import gitlab

    return gitlab.publish(
        report_md,
        mode=args.comment_mode,
        key=args.comment_key or evaluation.policy_name,
        author=args.comment_author,
    )


def publish(args: argparse.Namespace, evaluation: Evaluation) -> None:
    """Post to the platform named by --comment; report what was done on stderr."""
    post = _github if args.comment == "github" else _gitlab
    try:
        outcome = post(args, evaluation, markdown.render(evaluation))
    except Exception as exc:  # a bug while publishing must not turn a decision into exit 3
        outcome = Outcome(
            warnings=[
                f"publishing failed unexpectedly ({type(exc).__name__}: {exc}); "
                f"the decision stands, nothing more was posted"
            ]
        )
    for line in outcome.done:
        print(f"model-gate: {term(line)}", file=sys.stderr)
    for line in outcome.warnings:
        print(f"model-gate: warning: {term(line)}", file=sys.stderr)
