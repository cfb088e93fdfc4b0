"""`model-gate comment REPORT.json`: post an existing report (re-rendered, not trusted as text)."""

from __future__ import annotations

import argparse
import os
import re

from gate.commands.publish import publish
from gate.errors import UsageError
from gate.report.from_json import load_report


def comment(args: argparse.Namespace) -> int:
    """Validate report.json, recompute its decision, re-render it with this (trusted)
    model-gate and post only the comment / note and status (no job summary, outputs or
    annotations: the evaluating step wrote those). 0 unless the report or a flag is bad."""
    if args.sha is not None and not re.fullmatch(r"[0-9a-fA-F]{4,64}", args.sha):
        raise UsageError(f"--sha {args.sha!r} is not a commit SHA (hex digits)")
    evaluation = load_report(args.report)
    if args.pr is not None:
        os.environ["MODEL_GATE_PR_NUMBER"] = str(args.pr)
    publish(
        argparse.Namespace(**{**vars(args), "output_dir": None, "local_outputs": False}),
        evaluation,
    )
    return 0
