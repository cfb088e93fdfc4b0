"""`model-gate comment REPORT.json`: post an existing report (re-rendered, not trusted as text)."""

from __future__ import annotations

import argparse
import os

from gate.commands.publish import publish
from gate.report.from_json import load_report


def comment(args: argparse.Namespace) -> int:
    """Re-render report.json with this (trusted) model-gate and post it; 0 unless input error."""
    evaluation = load_report(args.report)
    if args.pr is not None:
        os.environ["MODEL_GATE_PR_NUMBER"] = str(args.pr)
    publish(argparse.Namespace(**{**vars(args), "output_dir": None}), evaluation)
    return 0
