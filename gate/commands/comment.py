"""`model-gate comment REPORT.json`: post an existing report (re-rendered, not trusted as text)."""

from __future__ import annotations

import argparse
import os
import re

from gate.commands.publish import publish
from gate.errors import UsageError
from gate.policy.loader import load_policy
from gate.report.from_json import load_report


def comment(args: argparse.Namespace) -> int:
    """Validate report.json, re-judge its checks (against a trusted --policy, if given),
    recompute its decision, re-render it with this (trusted) model-gate and post only the
    comment / note and status (no job summary, outputs or annotations: the evaluating step
    wrote those). 0 unless the report, the policy or a flag is bad."""
    if args.sha is not None and not re.fullmatch(r"[0-9a-fA-F]{4,64}", args.sha):
        raise UsageError(f"--sha {args.sha!r} is not a commit SHA (hex digits)")
    policy = load_policy(args.policy) if args.policy else None
    evaluation = load_report(args.report, policy)
    if args.pr is not None:
        os.environ["MODEL_GATE_PR_NUMBER"] = str(args.pr)
    publish(
        argparse.Namespace(**{**vars(args), "output_dir": None, "local_outputs": False}),
        evaluation,
    )
    return 0
